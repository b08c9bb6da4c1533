// @generated shape of migrations/; keep in step with them (diesel print-schema).

diesel::table! {
    customers (id) {
        id -> Uuid,
        name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        version -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        event_id -> Uuid,
        topic -> Text,
        partition_key -> Text,
        lane -> Int2,
        headers -> Jsonb,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    inbound_deliveries (source, delivery_id) {
        source -> Text,
        delivery_id -> Text,
        received_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(customers, outbox, inbound_deliveries);
