//! Shared set-up: a simulator with the test JWT certificate, clients for each grant, contact factories, and a
//! small HTTP server that records what it receives.

use salesforce_client::{AuthKind, Config, SalesforceClient, SalesforceContact, SecretString};
use salesforce_sim::{RunningSim, SimConfig};
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub const REFRESH_TOKEN: &str = "5Aep861-test-refresh-token";
pub const CLIENT_NAME: &str = "customer-sync-test";

fn fixture(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn jwt_key() -> String {
    fixture("../sim/fixtures/jwt-test-key.pem")
}

pub fn untrusted_key() -> String {
    fixture("tests/fixtures/untrusted-rsa-key.pem")
}

/// The simulator's defaults plus the test JWT certificate and a known refresh token; HTTP only.
pub fn sim_config() -> SimConfig {
    SimConfig {
        https_addr: None,
        jwt_cert_pem: Some(fixture("../sim/fixtures/jwt-test-cert.pem")),
        refresh_tokens: vec![REFRESH_TOKEN.to_owned()],
        ..SimConfig::default()
    }
}

pub async fn spawn_sim(config: SimConfig) -> RunningSim {
    salesforce_sim::spawn(config).await.expect("simulator starts")
}

pub async fn default_sim() -> RunningSim {
    spawn_sim(sim_config()).await
}

/// A client configuration for `sim` with `auth`'s credentials and fast retries.
pub fn client_config(sim: &RunningSim, auth: AuthKind) -> Config {
    let defaults = SimConfig::default();
    let mut config = Config::new(sim.login_url.clone(), defaults.client_id, auth);
    match auth {
        AuthKind::Jwt => {
            config.username = Some(defaults.username);
            config.private_key = Some(SecretString::from(jwt_key()));
        }
        AuthKind::ClientCredentials => config.client_secret = Some(SecretString::from(defaults.client_secret)),
        AuthKind::RefreshToken => {
            config.client_secret = Some(SecretString::from(defaults.client_secret));
            config.refresh_token = Some(SecretString::from(REFRESH_TOKEN));
        }
    }
    config.client_name = CLIENT_NAME.to_owned();
    config.retry_base_delay_ms = 5;
    config.retry_max_delay_ms = 50;
    config
}

pub fn client_with(config: &Config) -> SalesforceClient {
    SalesforceClient::new(config).expect("client builds")
}

pub fn client(sim: &RunningSim) -> SalesforceClient {
    client_with(&client_config(sim, AuthKind::Jwt))
}

/// A contact for a new local customer with a unique email.
pub fn contact(name: &str) -> SalesforceContact {
    let id = uuid::Uuid::new_v4();
    let fields =
        model::CustomerFields { name: name.to_owned(), email: format!("{}@example.com", id.simple()), phone: None };
    <SalesforceContact as model::ExternalCustomer>::from_fields(&fields, id)
}

/// An HTTP server on port 0 that answers 200 to everything and hands each request (head and body) over.
pub struct Capture {
    pub url: String,
    pub requests: mpsc::UnboundedReceiver<String>,
}

pub async fn capture_server() -> Capture {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, requests) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                if let Some(request) = read_request(&mut stream).await {
                    let body = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = tx.send(request);
                }
            });
        }
    });
    Capture { url, requests }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= head_end + 4 + length {
                break;
            }
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}
