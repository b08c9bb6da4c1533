use std::time::Duration;

use reqwest::Method;
use salesforce_sim::{SimConfig, spawn};
use serde_json::{Value, json};

use crate::helpers::{config, jwt, jwt_claims, now_secs, start, start_with};

async fn token(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new().post(format!("{url}/services/oauth2/token")).form(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

#[tokio::test]
async fn a_jwt_signed_with_the_configured_key_gets_a_token_that_works() {
    let sim = spawn(config()).await.unwrap();
    let assertion = jwt(jwt_claims(&sim.login_url));
    let (status, body) = token(&sim.http_url, &[("grant_type", JWT_GRANT), ("assertion", &assertion)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], sim.http_url.as_str());
    assert!(body.get("refresh_token").is_none());
    let r = reqwest::Client::new()
        .get(format!("{}/services/data/v59.0/limits", sim.http_url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn bad_jwts_get_oauth_errors() {
    let sim = spawn(config()).await.unwrap();
    let aud = sim.login_url.clone();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = jwt_claims(&aud);
        f(&mut c);
        jwt(c)
    };
    let cases = [
        (claims(&|c| c["aud"] = json!("https://login.example.com")), "invalid_grant"),
        (claims(&|c| c["exp"] = json!(now_secs() - 10)), "invalid_grant"),
        (claims(&|c| c["exp"] = json!(now_secs() + 3600)), "invalid_grant"),
        (claims(&|c| c["iss"] = json!("someone-else")), "invalid_client_id"),
        (claims(&|c| c["sub"] = json!("other@example.com")), "invalid_grant"),
        ("not.a.jwt".to_owned(), "invalid_grant"),
    ];
    for (assertion, error) in cases {
        let (status, body) = token(&sim.http_url, &[("grant_type", JWT_GRANT), ("assertion", &assertion)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{body}");
        assert!(body["error_description"].is_string());
    }
    let mut tampered = jwt(jwt_claims(&aud));
    tampered.pop();
    let (_, body) = token(&sim.http_url, &[("grant_type", JWT_GRANT), ("assertion", &tampered)]).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn client_credentials_check_the_secret_in_the_body_or_basic_auth() {
    let sim = spawn(config()).await.unwrap();
    let (status, _) = token(
        &sim.http_url,
        &[("grant_type", "client_credentials"), ("client_id", "sim-client-id"), ("client_secret", "wrong")],
    )
    .await;
    assert_eq!(status, 400);
    let r = reqwest::Client::new()
        .post(format!("{}/services/oauth2/token", sim.http_url))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = token(&sim.http_url, &[("grant_type", "password")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
}

#[tokio::test]
async fn refresh_tokens_are_accepted_only_when_configured() {
    let sim = spawn(SimConfig { refresh_tokens: vec!["rt-1".into()], ..config() }).await.unwrap();
    let ok = [("grant_type", "refresh_token"), ("refresh_token", "rt-1"), ("client_id", "sim-client-id")];
    assert_eq!(token(&sim.http_url, &ok).await.0, 200);
    let bad = [("grant_type", "refresh_token"), ("refresh_token", "rt-2"), ("client_id", "sim-client-id")];
    assert_eq!(token(&sim.http_url, &bad).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn tokens_expire_after_the_ttl_and_then_get_invalid_session_id() {
    let t = start_with(SimConfig { token_ttl: Duration::from_millis(300), ..config() }).await;
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, e) = t.json(Method::GET, "/limits", None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (401, Some("INVALID_SESSION_ID")));
}

#[tokio::test]
async fn expiring_tokens_at_runtime_forces_reauthentication() {
    let t = start().await;
    t.sim.control.expire_tokens();
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 401);
}

#[tokio::test]
async fn https_is_served_with_a_certificate_signed_by_the_written_ca() {
    let sim = spawn(SimConfig { https_addr: Some("127.0.0.1:0".parse().unwrap()), ..config() }).await.unwrap();
    let ca = std::fs::read(sim.ca_pem.as_ref().unwrap()).unwrap();
    let client =
        reqwest::Client::builder().add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap()).build().unwrap();
    let https = sim.https_url.clone().unwrap();
    let r = client
        .post(format!("{https}/services/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["instance_url"], https.as_str());
    assert!(
        reqwest::Client::new().get(format!("{https}/services/data")).send().await.is_err(),
        "untrusted without the CA"
    );
}
