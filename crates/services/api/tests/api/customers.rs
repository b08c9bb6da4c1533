use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

async fn get(app: &TestApp, id: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/v1/customers/{id}"))).send().await.unwrap()
}

/// Asserts that a refused request left the catalog and the outbox as they were.
async fn assert_unchanged(app: &TestApp, customers: i64, outbox: i64) {
    assert_eq!((app.customers().await, app.outbox().await), (customers, outbox), "nothing may change");
}

#[tokio::test]
async fn creating_a_customer_stores_it_and_writes_one_event_per_integration() {
    let app = spawn_app().await;
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .header("traceparent", tp)
        .json(&json!({"name": " Ada Lovelace ", "email": "Ada@Example.com", "phone": "+44 20 7946 0000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/v1/customers/{id}"));
    assert_eq!((body["name"].as_str(), body["email"].as_str()), (Some("Ada Lovelace"), Some("Ada@Example.com")));
    assert_eq!(body["version"], 1);

    let rows = app.outbox_rows().await;
    let topics: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(topics, ["stripe-customer-created", "salesforce-customer-created"]);
    for (_, payload, headers) in &rows {
        assert_eq!(payload["customer_id"], id);
        assert_eq!(payload["type"], "customer.created");
        assert_eq!(payload["origin"], "local");
        assert_eq!(payload["customer"]["email"], "Ada@Example.com");
        assert_eq!(headers["traceparent"], tp);
        assert_eq!(headers["event-id"], payload["event_id"]);
    }
    assert_ne!(rows[0].1["event_id"], rows[1].1["event_id"], "each integration's event has its own id");

    let fetched: Value = get(&app, id).await.json().await.unwrap();
    assert_eq!(fetched, body);
}

#[tokio::test]
async fn invalid_customers_are_refused_with_422_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"name": "", "email": "a@b.co"}), "name"),
        (json!({"name": "x".repeat(121), "email": "a@b.co"}), "name"),
        (json!({"name": "A", "email": "not-an-email"}), "email"),
        (json!({"name": "A", "email": format!("{}@b.co", "a".repeat(80))}), "email"),
        (json!({"name": "A", "email": "a@b.co", "phone": "call me"}), "phone"),
        (json!({"email": "a@b.co"}), "name"),
        (json!({"name": "A"}), "email"),
        (json!({"name": 7, "email": "a@b.co"}), "body"),
        (json!({"name": "A", "email": "a@b.co", "admin": true}), "admin"),
    ];
    for (body, field) in cases {
        let (status, code, got_field) = error_code(app.create(body.clone()).await).await;
        assert_eq!((status, code.as_str()), (422, "validation_failed"), "{body}");
        assert_eq!(got_field.as_deref(), Some(field), "{body}");
    }
    assert_unchanged(&app, 0, 0).await;
}

#[tokio::test]
async fn malformed_oversized_and_non_json_bodies_are_refused() {
    let app = spawn_app().await;
    let post = |body: String, ct: &'static str| {
        app.client.post(app.url("/v1/customers")).header("content-type", ct).body(body).send()
    };
    let (status, code, _) = error_code(post("{\"name\": ".into(), "application/json").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (400, "malformed_request"));
    let huge = json!({"name": "A", "email": "a@b.co", "phone": "1".repeat(20_000)}).to_string();
    let (status, code, _) = error_code(post(huge, "application/json").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    let (status, code, _) = error_code(post("name=A".into(), "text/plain").await.unwrap()).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"));
    assert_unchanged(&app, 0, 0).await;
}

#[tokio::test]
async fn a_second_customer_with_the_same_email_in_any_case_is_a_conflict() {
    let app = spawn_app().await;
    app.create_ok("Ada", "ada@example.com").await;
    let (status, code, field) =
        error_code(app.create(json!({"name": "Imposter", "email": "ADA@example.COM"})).await).await;
    assert_eq!((status, code.as_str(), field.as_deref()), (409, "email_taken", Some("email")));
    assert_unchanged(&app, 1, 2).await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    for id in ["0190f0f0-0000-7000-8000-000000000000", "not-a-uuid"] {
        let (status, code, _) = error_code(get(&app, id).await).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{id}");
        let (status, _, _) = error_code(app.patch(id, None, json!({"name": "B"})).await).await;
        assert_eq!(status, 404);
        let r = app.client.delete(app.url(&format!("/v1/customers/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    assert_unchanged(&app, 0, 0).await;
}

#[tokio::test]
async fn listing_pages_through_every_customer_once_in_creation_order() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.create_ok(&format!("C {i}"), &format!("c{i}@example.com")).await["id"].clone());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = app.url("/v1/customers?limit=2");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = app.client.get(url).send().await.unwrap().json().await.unwrap();
        pages += 1;
        seen.extend(page["data"].as_array().unwrap().iter().map(|c| c["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, created));
}

#[tokio::test]
async fn bad_list_parameters_are_refused() {
    let app = spawn_app().await;
    for (query, field) in [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=zzz", "cursor"), ("limit=x", "limit")]
    {
        let r = app.client.get(app.url(&format!("/v1/customers?{query}"))).send().await.unwrap();
        let (status, _, got) = error_code(r).await;
        assert_eq!((status, got.as_deref()), (422, Some(field)), "{query}");
    }
}

#[tokio::test]
async fn patching_changes_only_the_given_fields_and_bumps_the_version() {
    let app = spawn_app().await;
    let c = app.create_ok("Ada Lovelace", "ada@example.com").await;
    let id = c["id"].as_str().unwrap();
    let r = app.patch(id, Some("\"1\""), json!({"phone": "+1 555 0100"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["name"].as_str(), body["phone"].as_str(), body["version"].as_i64()),
        (Some("Ada Lovelace"), Some("+1 555 0100"), Some(2))
    );

    let rows = app.outbox_rows().await;
    let updated: Vec<_> = rows.iter().filter(|(t, _, _)| t.ends_with("-updated")).collect();
    assert_eq!(updated.len(), 2);
    assert_eq!(updated[0].1["customer"]["phone"], "+1 555 0100");
    assert_eq!(updated[0].1["customer"]["version"], 2);

    let cleared: Value = app.patch(id, None, json!({"phone": null})).await.json().await.unwrap();
    assert_eq!((cleared["phone"].clone(), cleared["version"].as_i64()), (Value::Null, Some(3)));
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let app = spawn_app().await;
    let c = app.create_ok("Ada Lovelace", "ada@example.com").await;
    let id = c["id"].as_str().unwrap();
    let r = app.patch(id, None, json!({"name": "  Ada Lovelace", "email": "ada@example.com"})).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["version"], 1);
    assert_unchanged(&app, 1, 2).await;
}

#[tokio::test]
async fn a_stale_version_is_refused_with_412_and_changes_nothing() {
    let app = spawn_app().await;
    let c = app.create_ok("Ada", "ada@example.com").await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(app.patch(id, Some("\"1\""), json!({"name": "Ada L"})).await.status(), 200);
    let (status, code, _) = error_code(app.patch(id, Some("\"1\""), json!({"name": "Lost update"})).await).await;
    assert_eq!((status, code.as_str()), (412, "version_mismatch"));
    let (status, code, _) = error_code(app.patch(id, Some("garbage"), json!({"name": "X"})).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_header"));
    let r =
        app.client.delete(app.url(&format!("/v1/customers/{id}"))).header("If-Match", "\"1\"").send().await.unwrap();
    assert_eq!(r.status(), 412);
    let now: Value = get(&app, id).await.json().await.unwrap();
    assert_eq!((now["name"].as_str(), now["version"].as_i64()), (Some("Ada L"), Some(2)));
    assert_unchanged(&app, 1, 4).await;
}

#[tokio::test]
async fn patching_to_a_taken_email_is_a_conflict() {
    let app = spawn_app().await;
    app.create_ok("Ada", "ada@example.com").await;
    let b = app.create_ok("Bob", "bob@example.com").await;
    let (status, code, _) =
        error_code(app.patch(b["id"].as_str().unwrap(), None, json!({"email": "ADA@example.com"})).await).await;
    assert_eq!((status, code.as_str()), (409, "email_taken"));
    let (status, _, field) =
        error_code(app.patch(b["id"].as_str().unwrap(), None, json!({"email": "nope"})).await).await;
    assert_eq!((status, field.as_deref()), (422, Some("email")));
    assert_unchanged(&app, 2, 4).await;
}

#[tokio::test]
async fn deleting_removes_the_customer_and_announces_it() {
    let app = spawn_app().await;
    let c = app.create_ok("Ada", "ada@example.com").await;
    let id = c["id"].as_str().unwrap();
    let r =
        app.client.delete(app.url(&format!("/v1/customers/{id}"))).header("If-Match", "\"1\"").send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(get(&app, id).await.status(), 404);
    let rows = app.outbox_rows().await;
    let deleted: Vec<_> = rows.iter().filter(|(t, _, _)| t.ends_with("-deleted")).collect();
    assert_eq!(deleted.len(), 2);
    assert_eq!(deleted[0].1["customer"]["email"], "ada@example.com", "a deletion carries the last known fields");
    // The email is free again.
    app.create_ok("Ada again", "ada@example.com").await;
}
