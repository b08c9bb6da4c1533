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
        changed_at -> Timestamptz,
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

diesel::table! {
    customer_links (customer_id, integration) {
        customer_id -> Uuid,
        integration -> Text,
        external_id -> Nullable<Text>,
        synced_version -> Nullable<Int8>,
        synced_fields -> Nullable<Jsonb>,
        source_at -> Nullable<Timestamptz>,
        last_pushed_at -> Nullable<Timestamptz>,
        last_synced_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        pending_key -> Nullable<Uuid>,
        pending_fields -> Nullable<Jsonb>,
        pending_version -> Nullable<Int8>,
        deleted -> Bool,
        push_intents -> Nullable<Jsonb>,
    }
}

diesel::table! {
    customer_tombstones (customer_id) {
        customer_id -> Uuid,
        version -> Int8,
        deleted_at -> Timestamptz,
    }
}

diesel::table! {
    processed_events (integration, event_id) {
        integration -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    dead_letters (id) {
        id -> Int8,
        integration -> Text,
        topic -> Text,
        partition_key -> Text,
        customer_id -> Nullable<Uuid>,
        event_id -> Nullable<Uuid>,
        headers -> Jsonb,
        payload -> Text,
        reason -> Text,
        attempts -> Int4,
        created_at -> Timestamptz,
        replayed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    poll_cursors (name) {
        name -> Text,
        position -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    parked_events (seq) {
        seq -> Int8,
        integration -> Text,
        partition_key -> Text,
        topic -> Text,
        kafka_partition -> Int4,
        kafka_offset -> Int8,
        headers -> Jsonb,
        payload -> Text,
        attempts -> Int4,
        last_error -> Text,
        parked_at -> Timestamptz,
        next_attempt_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    parked_events,
    poll_cursors,
    customers,
    outbox,
    inbound_deliveries,
    customer_links,
    customer_tombstones,
    processed_events,
    dead_letters
);

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        prefix -> Text,
        secret_hash -> Bytea,
        name -> Text,
        role -> Text,
        created_by -> Text,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        actor -> Text,
        role -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        status -> Int2,
        outcome -> Text,
        remote_addr -> Nullable<Text>,
        forwarded_for -> Nullable<Text>,
        trace_id -> Nullable<Text>,
    }
}

diesel::table! {
    integration_pauses (integration) {
        integration -> Text,
        paused_at -> Timestamptz,
        paused_by -> Text,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    backfill_cursors (name) {
        name -> Text,
        position -> Text,
        updated_at -> Timestamptz,
    }
}
