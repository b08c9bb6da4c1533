//! `spawn_app()`: the api on port 0 over a fresh database, and helpers to look at what it wrote.

use std::net::TcpListener;

use api::ApiConfig;
use reqwest::{Client, Response};
use serde_json::Value;
use testkit::db::TestDb;

pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub client: Client,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with the configuration adjusted first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
    let db = testkit::db::fresh().await.expect("a test database");
    spawn_app_on(TcpListener::bind("127.0.0.1:0").expect("bind port 0"), db, adjust)
}

/// The api on `listener` over `db`.
pub fn spawn_app_on(listener: TcpListener, db: TestDb, adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
    let mut config = ApiConfig::for_database(&db.url);
    config.kafka_brokers = testkit::env_or("KAFKA_BROKERS", "127.0.0.1:9092");
    config.bootstrap_admin_key = Some(testkit::ADMIN_KEY.into());
    adjust(&mut config);
    let address = format!("http://{}", listener.local_addr().expect("local addr"));
    let server = api::run(config, listener).expect("server starts");
    tokio::spawn(server);
    TestApp { address, db, client: testkit::admin_http() }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn create(&self, body: Value) -> Response {
        self.client.post(self.url("/v1/customers")).json(&body).send().await.expect("request")
    }

    /// Creates a customer that must be accepted; returns its body.
    pub async fn create_ok(&self, name: &str, email: &str) -> Value {
        let r = self.create(serde_json::json!({"name": name, "email": email})).await;
        assert_eq!(r.status(), 201, "create {email}");
        r.json().await.expect("json")
    }

    pub async fn patch(&self, id: &str, if_match: Option<&str>, body: Value) -> Response {
        let mut req = self.client.patch(self.url(&format!("/v1/customers/{id}"))).json(&body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("request")
    }

    pub async fn outbox(&self) -> i64 {
        self.db.count("outbox").await.expect("count outbox")
    }

    pub async fn customers(&self) -> i64 {
        self.db.count("customers").await.expect("count customers")
    }

    /// (topic, payload, headers) of every outbox row, oldest first.
    pub async fn outbox_rows(&self) -> Vec<(String, Value, Value)> {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use store::schema::outbox::dsl::*;
        let mut conn = self.db.connect().await.expect("connect");
        outbox
            .order(id)
            .select((topic, payload, headers))
            .load::<(String, Value, Value)>(&mut conn)
            .await
            .expect("outbox rows")
    }
}

/// The error body's code, asserting the shape `{"error":{"code","message","field"}}`.
pub async fn error_code(r: Response) -> (u16, String, Option<String>) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("a JSON error body");
    let e = &body["error"];
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "error has a message: {body}");
    (status, e["code"].as_str().expect("code").to_owned(), e["field"].as_str().map(str::to_owned))
}
