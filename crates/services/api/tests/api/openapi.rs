//! The OpenAPI document against the routes: every entry of `api::routes::ENDPOINTS` (what the server registers)
//! is in the document with its method, path and parameters, nothing else is, and exactly the non-public ones
//! require the bearer scheme. So the document cannot drift from the routes.

use std::collections::BTreeSet;

use api::routes::{Access, ENDPOINTS};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The document as a client gets it: public, JSON.
async fn served() -> Value {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().await.unwrap()
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    doc["paths"][path].get(method.to_ascii_lowercase())
}

#[tokio::test]
async fn every_endpoint_is_in_the_document_with_its_method_path_and_parameters_and_nothing_else_is() {
    let doc = served().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    let mut missing = Vec::new();
    for endpoint in ENDPOINTS {
        let Some(op) = operation(&doc, endpoint.method.as_str(), endpoint.path) else {
            missing.push(format!("{} {}", endpoint.method, endpoint.path));
            continue;
        };
        let in_path: BTreeSet<_> =
            endpoint.path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name).collect();
        let documented: BTreeSet<_> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| {
                assert_eq!(p["required"], true, "{} {}: path parameters are required", endpoint.method, endpoint.path);
                p["name"].as_str().unwrap()
            })
            .collect();
        assert_eq!(documented, in_path, "{} {}: path parameters", endpoint.method, endpoint.path);
        let statuses = op["responses"].as_object().unwrap();
        assert!(
            statuses.keys().any(|s| s.starts_with('2')),
            "{} {}: no success response documented",
            endpoint.method,
            endpoint.path
        );
    }
    assert!(missing.is_empty(), "endpoints missing from the document: {missing:?}");

    let registered: BTreeSet<_> =
        ENDPOINTS.iter().map(|e| format!("{} {}", e.method.as_str().to_ascii_lowercase(), e.path)).collect();
    let documented: BTreeSet<_> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter(|m| item.get(*m).is_some()).map(move |m| format!("{m} {path}"))
        })
        .collect();
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(stale.is_empty(), "documented but not served: {stale:?}");
}

#[tokio::test]
async fn exactly_the_non_public_operations_require_the_bearer_scheme_and_document_its_refusals() {
    let doc = served().await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"]})
    );
    assert!(doc.get("security").is_none(), "no document-wide requirement: public operations need none");
    for endpoint in ENDPOINTS {
        let op = operation(&doc, endpoint.method.as_str(), endpoint.path).unwrap();
        let name = format!("{} {}", endpoint.method, endpoint.path);
        match endpoint.access {
            Access::Public => {
                assert!(op.get("security").is_none(), "{name} is public: {}", op["security"]);
                assert!(op["responses"].get("401").is_none(), "{name} is public: it cannot answer 401");
            }
            Access::Role(role) => {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{name}");
                assert_eq!(op["x-required-role"], role.as_str(), "{name}");
                for status in ["401", "403", "429"] {
                    let response = &op["responses"][status];
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
                        "{name} {status}"
                    );
                }
                assert!(op["responses"]["401"]["headers"].get("WWW-Authenticate").is_some(), "{name}");
                assert!(op["responses"]["429"]["headers"].get("Retry-After").is_some(), "{name}");
            }
        }
    }
}

#[tokio::test]
async fn the_docs_page_renders_the_document_and_needs_no_credential() {
    let app = spawn_app().await;
    let r = reqwest::get(app.url("/docs")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"spec-url="/openapi.json""#), "{page}");
    assert!(page.contains(r#"<script src="https://"#), "the viewer is loaded by the browser: {page}");
}

/// Every error the document points at has the body the api sends.
#[tokio::test]
async fn the_documented_error_body_is_the_one_the_api_sends() {
    let doc = served().await;
    let schema = &doc["components"]["schemas"]["Error"];
    assert_eq!(schema["required"], json!(["error"]));
    let detail = &doc["components"]["schemas"]["ErrorDetail"];
    let app = spawn_app().await;
    let r = app.client.get(app.url("/v1/customers/00000000-0000-0000-0000-000000000000")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    let keys: BTreeSet<_> = body["error"].as_object().unwrap().keys().cloned().collect();
    let described: BTreeSet<_> = detail["properties"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, described);
    let required: BTreeSet<_> =
        detail["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(required, described, "code, message and field are always there (field may be null)");
}

// ---- Bugs the contract run (scripts/lib/schemathesis.sh) found ----

/// `POST /v1/integrations/{name}/pause` took its optional body as `Option<Json<_>>`, which turns any body it
/// cannot read into "no body": a mistyped or misspelt `reason` paused the integration without it.
#[tokio::test]
async fn a_pause_body_that_is_sent_must_be_a_pause_body() {
    let app = spawn_app().await;
    let url = app.url("/v1/integrations/stripe/pause");
    let send = |body: Option<(&'static str, &'static str)>| {
        let mut req = app.client.post(&url);
        if let Some((content_type, body)) = body {
            req = req.header("content-type", content_type).body(body);
        }
        req.send()
    };
    for (body, status) in [
        (("application/json", r#"{"reason": 5}"#), 422),
        (("application/json", r#"{"reasn": "typo"}"#), 422),
        (("application/json", "{not json"), 400),
        (("text/plain", r#"{"reason": "x"}"#), 415),
    ] {
        let r = send(Some(body)).await.unwrap();
        assert_eq!(r.status(), status, "{body:?}");
        let listed: Value = app.client.get(app.url("/v1/integrations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["data"][0]["paused"], false, "refused, nothing paused: {body:?}");
    }
    let r = send(None).await.unwrap();
    assert_eq!(r.status(), 200, "no body: no reason");
    let r = send(Some(("application/json", r#"{"reason": "Stripe incident"}"#))).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["pause"]["reason"], "Stripe incident");
}

/// `GET /v1/audit?actor=%00` was a 500: PostgreSQL refuses text holding a NUL. No actor or action holds a
/// control character, so a filter with one is refused.
#[tokio::test]
async fn an_audit_filter_with_a_control_character_is_refused_not_a_server_error() {
    let app = spawn_app().await;
    for query in ["actor=a%00b", "action=POST%00", "actor=%0A"] {
        let r = app.client.get(app.url(&format!("/v1/audit?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 422, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed", "{query}");
    }
    let r = app.client.get(app.url("/v1/audit?actor=bootstrap&action=GET%20%2Fv1%2Fkeys")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// A derived `Deserialize` takes a JSON array of a struct's fields in order: `PATCH` with `[null, null]` was a
/// 200 and `POST /v1/customers` with `["Ada", "ada@example.com"]` made a customer. Bodies are objects.
#[tokio::test]
async fn a_json_array_is_not_taken_for_a_body_object() {
    let app = spawn_app().await;
    let r = app.create(json!(["Ada Lovelace", "ada@example.com"])).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.customers().await, 0);
    let customer = app.create_ok("Ada Lovelace", "ada@example.com").await;
    let r = app.patch(customer["id"].as_str().unwrap(), None, json!([null, null])).await;
    assert_eq!(r.status(), 422);
    let r = app.client.post(app.url("/v1/keys")).json(&json!(["k", "admin"])).send().await.unwrap();
    assert_eq!(r.status(), 422);
}
