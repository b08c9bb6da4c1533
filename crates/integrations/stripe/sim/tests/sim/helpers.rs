//! Spawning a simulator and calling it with a test key.

use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::Value;
use stripe_sim::{RunningSim, SimConfig, spawn};

pub const KEY: &str = "sk_test_stripesim123";

pub struct TestSim {
    pub sim: RunningSim,
    pub http: Client,
}

pub async fn start() -> TestSim {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> TestSim {
    let sim = spawn(config).await.expect("simulator starts");
    TestSim { sim, http: Client::new() }
}

/// What a call answered: status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestSim {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.sim.url)).bearer_auth(KEY)
    }

    pub async fn send(req: RequestBuilder) -> Answer {
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("json body") };
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Answer {
        Self::send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Self::send(self.request(Method::POST, path).form(form)).await
    }

    pub async fn post_with_key(&self, path: &str, form: &[(&str, &str)], key: &str) -> Answer {
        Self::send(self.request(Method::POST, path).header("Idempotency-Key", key).form(form)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        Self::send(self.request(Method::DELETE, path)).await
    }

    /// Creates a customer and returns its id.
    pub async fn create(&self, form: &[(&str, &str)]) -> String {
        let a = self.post("/v1/customers", form).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["id"].as_str().expect("id").to_owned()
    }

    /// The ids of a list answer's `data`.
    pub fn ids(list: &Value) -> Vec<String> {
        list["data"].as_array().expect("data").iter().map(|o| o["id"].as_str().expect("id").to_owned()).collect()
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
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}
