//! Authentication, roles, the audit trail and rate limits. The permission matrix is generated from
//! `api::routes::ENDPOINTS`, the list the server registers, so a new endpoint is covered the day it is added.

use std::collections::BTreeSet;

use api::routes::{Access, ENDPOINTS, Endpoint};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::access::Role;

use crate::helpers::{TestApp, error_code, spawn_app, spawn_app_with};

/// A digest of everything a request could change.
async fn state_of(app: &TestApp) -> String {
    #[derive(QueryableByName)]
    struct Digest {
        #[diesel(sql_type = diesel::sql_types::Text)]
        digest: String,
    }
    let mut conn = app.db.connect().await.unwrap();
    let sql = "SELECT concat_ws('/', \
        (SELECT md5(coalesce(string_agg(id::text || version || name || email || coalesce(phone, ''), ',' ORDER BY id), '')) FROM customers), \
        (SELECT count(*) FROM outbox), (SELECT count(*) FROM customer_tombstones), \
        (SELECT md5(coalesce(string_agg(id::text || coalesce(revoked_at::text, ''), ',' ORDER BY id), '')) FROM api_keys), \
        (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL), (SELECT count(*) FROM integration_pauses)) AS digest";
    diesel::sql_query(sql).get_result::<Digest>(&mut conn).await.unwrap().digest
}

async fn create_key(app: &TestApp, role: &str) -> (String, String) {
    let r = app.client.post(app.url("/v1/keys")).json(&json!({"name": format!("{role} key"), "role": role})).send();
    let r = r.await.unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    (body["id"].as_str().unwrap().to_owned(), body["key"].as_str().unwrap().to_owned())
}

/// The path with its parameters filled in, and a body that would change something if it got through.
fn request_for(endpoint: &Endpoint, customer_id: &str, key_id: &str) -> (String, Option<Value>) {
    let path = endpoint
        .path
        .replace("/v1/keys/{id}", &format!("/v1/keys/{key_id}"))
        .replace("{id}", customer_id)
        .replace("{name}", "stripe");
    let body = match (endpoint.method.as_str(), endpoint.path) {
        ("POST", "/v1/customers") => Some(json!({"name": "Mallory", "email": "mallory@example.com"})),
        ("PATCH", "/v1/customers/{id}") => Some(json!({"name": "Mallory"})),
        ("POST", "/v1/keys") => Some(json!({"name": "backdoor", "role": "admin"})),
        ("POST" | "PATCH", _) => Some(json!({"LastName": "Mallory", "Email": "mallory@example.com"})),
        _ => None,
    };
    (path, body)
}

async fn send(
    app: &TestApp,
    endpoint: &Endpoint,
    path: &str,
    body: &Option<Value>,
    auth: Option<&str>,
) -> reqwest::Response {
    let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    req.send().await.unwrap()
}

fn protected() -> impl Iterator<Item = (&'static Endpoint, Role)> {
    ENDPOINTS.iter().filter_map(|e| match e.access {
        Access::Role(role) => Some((e, role)),
        Access::Public => None,
    })
}

#[tokio::test]
async fn only_health_probes_and_webhooks_are_public() {
    let public: BTreeSet<_> =
        ENDPOINTS.iter().filter(|e| e.access == Access::Public).map(|e| format!("{} {}", e.method, e.path)).collect();
    let expected: BTreeSet<_> = [
        "GET /healthz",
        "GET /readyz",
        "GET /openapi.json",
        "GET /docs",
        "GET /metrics",
        "POST /webhooks/stripe",
        "POST /webhooks/salesforce/outbound-messages/{token}",
        "POST /webhooks/salesforce/callouts",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(public, expected);
}

#[tokio::test]
async fn every_endpoint_refuses_missing_bad_revoked_expired_and_underprivileged_callers_and_changes_nothing() {
    let app = spawn_app().await;
    let customer = app.create_ok("Ada Lovelace", "ada@example.com").await;
    let customer_id = customer["id"].as_str().unwrap().to_owned();
    let mut keys = Vec::new();
    for role in Role::ALL {
        keys.push((role, create_key(&app, role.as_str()).await.1));
    }
    let (revoked_id, revoked) = create_key(&app, "admin").await;
    assert_eq!(app.client.delete(app.url(&format!("/v1/keys/{revoked_id}"))).send().await.unwrap().status(), 200);
    let (expired_id, expired) = create_key(&app, "admin").await;
    let mut conn = app.db.connect().await.unwrap();
    diesel::sql_query(format!(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = '{expired_id}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let unknown = format!("csk_Zz99Yy88_{}", "Q".repeat(40));
    let bad_credentials = [
        ("no credential", None),
        ("basic auth", Some("Basic YWRtaW46YWRtaW4=".to_owned())),
        ("empty bearer", Some("Bearer ".to_owned())),
        ("malformed key", Some("Bearer csk_short".to_owned())),
        ("unknown key", Some(format!("Bearer {unknown}"))),
        ("wrong secret of a real prefix", Some(format!("Bearer {}X", &keys[3].1[..keys[3].1.len() - 1]))),
        ("revoked admin key", Some(format!("Bearer {revoked}"))),
        ("expired admin key", Some(format!("Bearer {expired}"))),
        ("a JWT when none are accepted", Some("Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.".to_owned())),
    ];

    let before = state_of(&app).await;
    let mut checked = 0;
    for (endpoint, needed) in protected() {
        let (path, body) = request_for(endpoint, &customer_id, &keys[0].1[..0]);
        let (path, body) =
            if path.contains("/v1/keys/") { request_for(endpoint, &customer_id, &expired_id) } else { (path, body) };
        for (what, auth) in &bad_credentials {
            let r = send(&app, endpoint, &path, &body, auth.as_deref()).await;
            assert_eq!(r.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"));
            let (status, code, _) = error_code(r).await;
            assert_eq!((status, code.as_str()), (401, "unauthenticated"), "{} {path} with {what}", endpoint.method);
            checked += 1;
        }
        for (role, key) in keys.iter().filter(|(role, _)| *role < needed) {
            let r = send(&app, endpoint, &path, &body, Some(&format!("Bearer {key}"))).await;
            let (status, code, _) = error_code(r).await;
            assert_eq!((status, code.as_str()), (403, "forbidden"), "{} {path} as {role}", endpoint.method);
            checked += 1;
        }
    }
    assert_eq!(state_of(&app).await, before, "a refused request changed something");
    assert!(checked > 200, "the matrix ran {checked} refusals");

    // And every role that may call an endpoint gets past the guard (the handler may still say 404 or 503).
    let nobody = uuid::Uuid::new_v4().to_string();
    for (endpoint, needed) in protected() {
        let (path, body) = request_for(endpoint, &nobody, &nobody);
        for (role, key) in keys.iter().filter(|(role, _)| *role >= needed) {
            let r = send(&app, endpoint, &path, &body, Some(&format!("Bearer {key}"))).await;
            let status = r.status();
            assert!(
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                "{} {path} as {role}: {status}",
                endpoint.method
            );
        }
    }
}

#[tokio::test]
async fn a_key_is_shown_once_stored_only_as_a_hash_and_stops_working_when_revoked() {
    let app = spawn_app().await;
    let (id, key) = create_key(&app, "editor").await;
    assert!(key.starts_with("csk_") && key.len() == 53, "{key}");
    let editor = testkit::http_as(&key);
    let who: Value = editor.get(app.url("/v1/whoami")).send().await.unwrap().json().await.unwrap();
    assert_eq!(who, json!({"actor": format!("key:{id}"), "role": "editor"}));
    assert_eq!(
        editor
            .post(app.url("/v1/customers"))
            .json(&json!({"name": "A", "email": "a@example.com"}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );

    let listed: Value = app.client.get(app.url("/v1/keys")).send().await.unwrap().json().await.unwrap();
    let listed = listed.to_string();
    assert!(listed.contains(&key[..12]), "the prefix is listed");
    assert!(!listed.contains(&key[13..]), "the secret is not");
    let stored = app.db.count("api_keys").await.unwrap();
    assert_eq!(stored, 1);
    let mut conn = app.db.connect().await.unwrap();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let row = diesel::sql_query("SELECT row_to_json(k)::text AS row FROM api_keys k").get_result::<Row>(&mut conn);
    assert!(!row.await.unwrap().row.contains(&key[13..]), "the database does not hold the key");

    let r = app.client.delete(app.url(&format!("/v1/keys/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (status, code, _) = error_code(editor.get(app.url("/v1/customers")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
    let (status, _, _) =
        error_code(app.client.delete(app.url(&format!("/v1/keys/{}", uuid::Uuid::new_v4()))).send().await.unwrap())
            .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn keys_are_refused_with_a_bad_name_role_or_expiry() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"name": "", "role": "viewer"}), "name"),
        (json!({"name": "x\ny", "role": "viewer"}), "name"),
        (json!({"name": "x", "role": "root"}), "role"),
        (json!({"name": "x", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
        (json!({"name": "x", "role": "viewer", "scopes": ["all"]}), "scopes"),
    ] {
        let (status, _, got) = error_code(app.client.post(app.url("/v1/keys")).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 422, "{body}");
        if field != "role" {
            assert_eq!(got.as_deref(), Some(field), "{body}");
        }
    }
    assert_eq!(app.db.count("api_keys").await.unwrap(), 0);
}

#[tokio::test]
async fn the_audit_trail_records_who_did_what_from_where_and_how_it_ended_including_refusals() {
    let app = spawn_app().await;
    let (key_id, key) = create_key(&app, "viewer").await;
    let viewer = testkit::http_as(&key);
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let created = app
        .client
        .post(app.url("/v1/customers"))
        .header("traceparent", tp)
        .header("X-Forwarded-For", "203.0.113.7")
        .json(&json!({"name": "Grace", "email": "grace@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let refused = viewer.post(app.url("/v1/customers")).json(&json!({"name": "Eve", "email": "eve@example.com"}));
    assert_eq!(refused.send().await.unwrap().status(), 403);
    let anonymous = reqwest::Client::new().delete(app.url(&format!("/v1/keys/{key_id}"))).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let reads = viewer.get(app.url("/v1/customers")).send().await.unwrap();
    assert_eq!(reads.status(), 200);

    let trail: Value = app.client.get(app.url("/v1/audit")).send().await.unwrap().json().await.unwrap();
    let events = trail["data"].as_array().unwrap();
    let summary: Vec<(String, String, i64, String)> = events
        .iter()
        .rev()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["status"].as_i64().unwrap(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let viewer_actor = format!("key:{key_id}");
    assert_eq!(
        summary,
        vec![
            ("bootstrap".into(), "POST /v1/keys".into(), 201, "ok".into()),
            ("bootstrap".into(), "POST /v1/customers".into(), 201, "ok".into()),
            (viewer_actor.clone(), "POST /v1/customers".into(), 403, "refused".into()),
            ("anonymous".into(), "DELETE /v1/keys/{id}".into(), 401, "refused".into()),
        ],
        "reads by a viewer are not audited; the audit read itself is recorded after it answers"
    );
    let write = &events[2];
    assert_eq!(write["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    // Written in the create's own statement (one row, naming the new customer), not after the response.
    assert_eq!(write["target"], format!("id={}", created["id"].as_str().unwrap()));
    assert_eq!(write["forwarded_for"], "203.0.113.7");
    assert_eq!(write["remote_addr"], "127.0.0.1");
    assert_eq!(write["role"], "admin");
    assert_eq!(events[0]["target"], format!("id={key_id}"));

    let mine: Value =
        app.client.get(app.url(&format!("/v1/audit?actor={viewer_actor}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    let (status, _, _) = error_code(viewer.get(app.url("/v1/audit")).send().await.unwrap()).await;
    assert_eq!(status, 403, "only admins read the trail");
}

#[tokio::test]
async fn a_caller_over_its_rate_limit_gets_429_with_retry_after_and_others_are_not_slowed() {
    let app = spawn_app_with(|c| {
        c.rate_limit_per_sec = 1;
        c.rate_limit_burst = 3;
    })
    .await;
    let (_, key) = create_key(&app, "viewer").await;
    let viewer = testkit::http_as(&key);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(viewer.get(app.url("/v1/customers")).send().await.unwrap());
    }
    let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(&codes[..3], &[200, 200, 200], "the burst is allowed: {codes:?}");
    let limited = statuses.pop().unwrap();
    assert_eq!(limited.status(), 429, "{codes:?}");
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
    let (_, code, _) = error_code(limited).await;
    assert_eq!(code, "rate_limited");
    // Another caller has its own budget.
    assert_eq!(app.client.get(app.url("/v1/customers")).send().await.unwrap().status(), 200);
    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    assert_eq!(viewer.get(app.url("/v1/customers")).send().await.unwrap().status(), 200, "and it refills");
}

mod jwt {
    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    struct Issuer {
        key: EncodingKey,
        public_pem: String,
    }

    fn issuer() -> Issuer {
        let pair = rcgen::KeyPair::generate().unwrap();
        Issuer {
            key: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
            public_pem: pair.public_key_pem(),
        }
    }

    fn token(issuer: &Issuer, claims: Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &issuer.key).unwrap()
    }

    fn claims(role: Value) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": "https://idp.example.com/", "aud": "customer-sync", "sub": "alice@corp", "exp": now + 300, "iat": now, "role": role})
    }

    #[tokio::test]
    async fn tokens_are_verified_against_the_issuer_audience_expiry_and_key_and_carry_a_role() {
        let trusted = issuer();
        let dir = std::env::temp_dir().join(format!("jwt-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let key_file = dir.join("issuer.pem");
        std::fs::write(&key_file, &trusted.public_pem).unwrap();
        let app = spawn_app_with(|c| {
            c.jwt_issuer = Some("https://idp.example.com/".into());
            c.jwt_audience = Some("customer-sync".into());
            c.jwt_key_file = Some(key_file.to_string_lossy().into_owned());
        })
        .await;
        let call = |token: String| {
            let client = testkit::http_as(&token);
            let url = app.url("/v1/customers");
            async move { client.get(url).send().await.unwrap() }
        };

        let viewer = token(&trusted, claims(json!("viewer")));
        let who: Value =
            testkit::http_as(&viewer).get(app.url("/v1/whoami")).send().await.unwrap().json().await.unwrap();
        assert_eq!(who, json!({"actor": "jwt:alice@corp", "role": "viewer"}));
        assert_eq!(call(viewer.clone()).await.status(), 200);
        let write = testkit::http_as(&viewer)
            .post(app.url("/v1/customers"))
            .json(&json!({"name": "A", "email": "a@example.com"}));
        assert_eq!(write.send().await.unwrap().status(), 403);
        assert_eq!(call(token(&trusted, claims(json!(["viewer", "operator"])))).await.status(), 200);

        let mut wrong_audience = claims(json!("admin"));
        wrong_audience["aud"] = json!("another-service");
        let mut wrong_issuer = claims(json!("admin"));
        wrong_issuer["iss"] = json!("https://evil.example.com/");
        let mut expired = claims(json!("admin"));
        expired["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
        let mut no_subject = claims(json!("admin"));
        no_subject.as_object_mut().unwrap().remove("sub");
        let forged = token(&issuer(), claims(json!("admin")));
        let hmac_confusion = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(json!("admin")),
            &EncodingKey::from_secret(trusted.public_pem.as_bytes()),
        )
        .unwrap();
        let unsigned = {
            let parts: Vec<_> = token(&trusted, claims(json!("admin"))).split('.').map(str::to_owned).collect();
            format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1])
        };
        for (what, bad) in [
            ("wrong audience", token(&trusted, wrong_audience)),
            ("wrong issuer", token(&trusted, wrong_issuer)),
            ("expired", token(&trusted, expired)),
            ("no subject", token(&trusted, no_subject)),
            ("signed by another key", forged),
            ("HS256 keyed with the public key", hmac_confusion),
            ("alg none", unsigned),
        ] {
            let (status, code, _) = error_code(call(bad).await).await;
            assert_eq!((status, code.as_str()), (401, "unauthenticated"), "{what}");
        }
        let (status, code, _) = error_code(call(token(&trusted, claims(json!("superuser")))).await).await;
        assert_eq!((status, code.as_str()), (403, "forbidden"), "a valid token without a known role");
    }
}
