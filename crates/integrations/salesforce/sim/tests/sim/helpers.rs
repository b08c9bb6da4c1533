//! Spawning a simulator and talking to it like a client would.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method, Response};
use salesforce_sim::{RunningSim, SimConfig, spawn};
use serde_json::{Value, json};

pub const KEY_PEM: &str = include_str!("../../fixtures/jwt-test-key.pem");
pub const CERT_PEM: &str = include_str!("../../fixtures/jwt-test-cert.pem");

pub struct TestSim {
    pub sim: RunningSim,
    pub http: Client,
    pub base: String,
    pub token: String,
}

pub fn config() -> SimConfig {
    SimConfig { jwt_cert_pem: Some(CERT_PEM.to_owned()), https_addr: None, ..SimConfig::default() }
}

pub async fn start() -> TestSim {
    start_with(config()).await
}

pub async fn start_with(config: SimConfig) -> TestSim {
    let sim = spawn(config).await.expect("simulator starts");
    let http = Client::new();
    let token = client_credentials(&http, &sim.http_url).await;
    let base = format!("{}/services/data/v59.0", sim.http_url);
    TestSim { sim, http, base, token }
}

pub async fn client_credentials(http: &Client, url: &str) -> String {
    let body: Value = http
        .post(format!("{url}/services/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    body["access_token"].as_str().expect("access_token").to_owned()
}

pub fn jwt(claims: Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("test key");
    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &claims, &key).expect("sign")
}

pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

pub fn jwt_claims(aud: &str) -> Value {
    json!({"iss": "sim-client-id", "sub": "integration@sim.example", "aud": aud, "exp": now_secs() + 120})
}

impl TestSim {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let url = if path.starts_with("/services") {
            format!("{}{path}", self.sim.http_url)
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    pub async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let r = self.call(method, path, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("json body") })
    }

    pub async fn create(&self, body: Value) -> String {
        let (status, v) = self.json(Method::POST, "/sobjects/Contact/", Some(body)).await;
        assert_eq!(status, 201, "{v}");
        v["id"].as_str().expect("id").to_owned()
    }

    /// Creates `n` contacts through collections of 200.
    pub async fn create_many(&self, n: usize, tag: &str) {
        for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("{tag}{i:05}"), "Email": format!("{tag}{i}@example.com")}))
                .collect();
            let (status, v) = self
                .json(Method::POST, "/composite/sobjects", Some(json!({"allOrNone": true, "records": records})))
                .await;
            assert_eq!(status, 200, "{v}");
        }
    }
}

pub async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
