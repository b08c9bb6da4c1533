//! Hostile input: oversized, deeply nested, malformed and control-character-laden requests are refused with
//! the api's error body (or a SOAP fault), quickly, and change nothing.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{error_code, spawn_app, spawn_app_with};
use crate::salesforce::{ORG, TOKEN, configure, message, post_message};

#[tokio::test]
async fn oversized_bodies_are_refused_on_every_endpoint_that_takes_one() {
    let app = spawn_app_with(|c| {
        configure(c, ORG);
        c.stripe_webhook_secrets = vec![stripe_client::webhook::WebhookSecret::new("whsec_hostile")];
    })
    .await;
    let customer = app.create_ok("Ada", "ada@example.com").await;
    let id = customer["id"].as_str().unwrap();
    // Above every limit: 16 KiB for the JSON endpoints, 64 KiB callouts, 256 KiB Stripe, 1 MiB Outbound Messages.
    let big = format!("{{\"name\":\"{}\",\"email\":\"b@example.com\"}}", "x".repeat(2 * 1024 * 1024));
    for (method, path) in [
        ("POST", "/v1/customers".to_owned()),
        ("PATCH", format!("/v1/customers/{id}")),
        ("POST", "/v1/keys".to_owned()),
        ("POST", "/webhooks/stripe".to_owned()),
        ("POST", "/webhooks/salesforce/callouts".to_owned()),
        ("POST", format!("/webhooks/salesforce/outbound-messages/{TOKEN}")),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app
            .client
            .request(method.clone(), app.url(&path))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{method} {path}");
    }
    assert_eq!(app.customers().await, 1);
    assert_eq!(app.outbox().await, 2, "only the create's events");
    assert_eq!(app.db.count("inbound_deliveries").await.unwrap(), 0);
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_exhausting_the_stack() {
    let app = spawn_app().await;
    for nested in [
        format!("{{\"name\":{}1{},\"email\":\"n@example.com\"}}", "[".repeat(5000), "]".repeat(5000)),
        format!("{}{}", "[".repeat(8000), "]".repeat(8000)),
        format!("{}1{}", "{\"a\":".repeat(2000), "}".repeat(2000)),
    ] {
        let r = app
            .client
            .post(app.url("/v1/customers"))
            .header("content-type", "application/json")
            .body(nested)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(r).await;
        assert!(matches!((status, code.as_str()), (400, "malformed_request") | (422, "validation_failed")), "{status}");
    }
    assert_eq!(app.customers().await, 0);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200, "the api is still up");
}

#[tokio::test]
async fn control_characters_nul_bytes_and_invalid_utf8_are_refused_not_stored() {
    let app = spawn_app().await;
    for body in [
        json!({"name": "Ada\u{0}Lovelace", "email": "nul@example.com"}),
        json!({"name": "Ada\nLovelace", "email": "newline@example.com"}),
        json!({"name": "Ada", "email": "a@example.com\r\nBcc: x@example.com"}),
        json!({"name": "Ada", "email": "phone@example.com", "phone": "+1 555\u{7}"}),
    ] {
        let (status, code, _) = error_code(app.create(body.clone()).await).await;
        assert_eq!((status, code.as_str()), (422, "validation_failed"), "{body}");
    }
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .header("content-type", "application/json")
        .body(b"{\"name\":\"Ad\xff\xfe\",\"email\":\"utf@example.com\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.0, 400);
    assert_eq!(app.customers().await, 0);
    assert_eq!(app.outbox().await, 0);
}

#[tokio::test]
async fn xml_entity_expansion_and_external_entities_in_outbound_messages_are_refused() {
    let app = spawn_app_with(|c| configure(c, ORG)).await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><lolz>&lol9;</lolz>"#;
    let external = message(ORG, "04lSm0000000001AAA", "003Sm0000000001AAA").replace(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
    );
    let external = external.replace("<sf:FirstName>Ada</sf:FirstName>", "<sf:FirstName>&xxe;</sf:FirstName>");
    for (what, body) in [("billion laughs", laughs.to_owned()), ("external entity", external)] {
        let started = Instant::now();
        let (status, body) = post_message(&app, TOKEN, body).await;
        assert_eq!(status, 500, "{what}: {body}");
        assert!(body.contains("<faultstring>") && !body.contains("root:"), "{what}: {body}");
        assert!(started.elapsed() < Duration::from_secs(2), "{what} took {:?}", started.elapsed());
    }
    assert_eq!(app.db.count("inbound_deliveries").await.unwrap(), 0);
    assert_eq!(app.outbox().await, 0);
}

#[tokio::test]
async fn headers_with_control_characters_or_garbage_are_neutralised() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/v1/customers"))
        .header("traceparent", "00-zzzz-not-a-trace")
        .header("X-Forwarded-For", format!("203.0.113.9,\tevil, {}", "9".repeat(1000)))
        .json(&json!({"name": "Grace", "email": "grace@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let trail: serde_json::Value = app.client.get(app.url("/v1/audit")).send().await.unwrap().json().await.unwrap();
    let write = trail["data"].as_array().unwrap().iter().find(|e| e["action"] == "POST /v1/customers").unwrap();
    let forwarded = write["forwarded_for"].as_str().unwrap();
    assert!(forwarded.starts_with("203.0.113.9,evil, 999"), "control characters removed: {forwarded}");
    assert_eq!(forwarded.chars().count(), 256, "and bounded");
    let trace = write["trace_id"].as_str().unwrap();
    assert!(trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()), "a new trace instead: {trace}");
    let rows = app.outbox_rows().await;
    assert!(rows.iter().all(|(_, _, h)| h["traceparent"].as_str().is_some_and(|t| t.contains(trace))));
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("DELETE", "/v1/customers", "POST, GET"),
        ("PUT", "/v1/customers/00000000-0000-0000-0000-000000000000", "GET, PATCH, DELETE"),
        ("POST", "/healthz", "GET"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        assert_eq!(r.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()), Some(allow.to_owned()));
        let (status, code, _) = error_code(r).await;
        assert_eq!((status, code.as_str()), (405, "method_not_allowed"), "{method} {path}");
    }
    assert_eq!(app.client.get(app.url("/v1/nothing-here")).send().await.unwrap().status(), 404);
}
