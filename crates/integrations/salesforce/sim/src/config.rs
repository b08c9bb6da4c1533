//! The simulator's configuration: [`SimConfig`] for the library, and [`EnvConfig`] read by the binary from
//! `SFSIM_*` environment variables (listed in the crate documentation).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Injected failures, changeable at runtime through [`crate::SimControl`] or `PUT /_sim/faults`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share (0.0–1.0) of API calls answered 503 SERVER_UNAVAILABLE.
    pub server_unavailable_rate: f64,
    /// Share (0.0–1.0) of record writes failing with UNABLE_TO_LOCK_ROW.
    pub unable_to_lock_row_rate: f64,
    /// Delay added before every API call is handled.
    #[serde(rename = "added_latency_ms", with = "millis")]
    pub added_latency: Duration,
}

/// Everything the simulator needs. `Default` suits tests: ports 0 on 127.0.0.1, HTTPS on, no push targets.
#[derive(Clone)]
pub struct SimConfig {
    pub http_addr: SocketAddr,
    pub https_addr: Option<SocketAddr>,
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    /// X.509 certificate (or RSA public key) PEM whose key verifies JWT bearer assertions.
    pub jwt_cert_pem: Option<String>,
    /// Refresh tokens the token endpoint accepts.
    pub refresh_tokens: Vec<String>,
    /// Lifetime of issued access tokens; afterwards API calls get 401 INVALID_SESSION_ID.
    pub token_ttl: Duration,
    /// The daily API allocation reported in `Sforce-Limit-Info`; REQUEST_LIMIT_EXCEEDED once spent.
    pub daily_api_limit: u64,
    pub faults: Faults,
    /// Where Outbound Messages (SOAP) are sent on Contact creates and updates.
    pub outbound_url: Option<String>,
    /// Where signed JSON callouts are sent on Contact creates, updates and deletes.
    pub callout_url: Option<String>,
    /// HMAC-SHA256 key of the callout's `Salesforce-Signature` header.
    pub callout_secret: Option<String>,
    /// Changes whose `Sforce-Call-Options` `client=` equals this are not pushed.
    pub exclude_client: Option<String>,
    /// The Contact custom field that is an External ID (the local customer id).
    pub external_id_field: String,
    /// Whether the external-id field is also Unique (duplicates rejected). When false, several records may
    /// share a value and upserts on it answer 300.
    pub external_id_unique: bool,
    /// First retry delay of un-Acked pushes; doubles per attempt up to `push_retry_max`.
    pub push_retry_initial: Duration,
    pub push_retry_max: Duration,
    /// Pushes still un-Acked after this long are dropped (Salesforce: 24 hours).
    pub push_max_age: Duration,
    /// State (records, counters, push queues) survives restarts when set.
    pub data_file: Option<PathBuf>,
    /// Where the CA and server certificates are written (reused when present). A temp dir when unset.
    pub tls_dir: Option<PathBuf>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("http_addr", &self.http_addr)
            .field("https_addr", &self.https_addr)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("username", &self.username)
            .field("refresh_tokens", &format_args!("[{} redacted]", self.refresh_tokens.len()))
            .field("token_ttl", &self.token_ttl)
            .field("daily_api_limit", &self.daily_api_limit)
            .field("faults", &self.faults)
            .field("outbound_url", &self.outbound_url)
            .field("callout_url", &self.callout_url)
            .field("exclude_client", &self.exclude_client)
            .field("external_id_field", &self.external_id_field)
            .field("data_file", &self.data_file)
            .finish_non_exhaustive()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            http_addr: local,
            https_addr: Some(local),
            client_id: "sim-client-id".into(),
            client_secret: "sim-client-secret".into(),
            username: "integration@sim.example".into(),
            jwt_cert_pem: None,
            refresh_tokens: Vec::new(),
            token_ttl: Duration::from_secs(2 * 3600),
            daily_api_limit: 100_000,
            faults: Faults::default(),
            outbound_url: None,
            callout_url: None,
            callout_secret: None,
            exclude_client: None,
            external_id_field: "Customer_Id__c".into(),
            external_id_unique: true,
            push_retry_initial: Duration::from_secs(1),
            push_retry_max: Duration::from_secs(2 * 3600),
            push_max_age: Duration::from_secs(24 * 3600),
            data_file: None,
            tls_dir: None,
        }
    }
}

/// The binary's environment (prefix `SFSIM_`); see the crate documentation for each variable.
#[derive(Deserialize)]
pub struct EnvConfig {
    #[serde(default = "default_http")]
    pub http_addr: SocketAddr,
    #[serde(default = "default_https")]
    pub https_addr: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub username: Option<String>,
    pub jwt_cert_file: Option<PathBuf>,
    #[serde(default)]
    pub refresh_tokens: String,
    pub token_ttl_secs: Option<u64>,
    pub daily_api_limit: Option<u64>,
    #[serde(default)]
    pub server_unavailable_rate: f64,
    #[serde(default)]
    pub unable_to_lock_row_rate: f64,
    #[serde(default)]
    pub added_latency_ms: u64,
    pub outbound_url: Option<String>,
    pub callout_url: Option<String>,
    pub callout_secret: Option<String>,
    pub exclude_client: Option<String>,
    pub external_id_field: Option<String>,
    pub push_retry_initial_ms: Option<u64>,
    pub data_file: Option<PathBuf>,
    pub tls_dir: Option<PathBuf>,
}

fn default_http() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 7480))
}

fn default_https() -> String {
    "127.0.0.1:7443".into()
}

impl EnvConfig {
    /// Reads `SFSIM_*` variables.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(envy::prefixed("SFSIM_").from_env::<Self>()?)
    }

    /// Builds the library configuration, reading the JWT certificate file when given.
    pub fn into_sim_config(self) -> anyhow::Result<SimConfig> {
        let d = SimConfig::default();
        let https_addr = match self.https_addr.trim() {
            "" | "off" | "none" => None,
            addr => Some(addr.parse()?),
        };
        let jwt_cert_pem = match &self.jwt_cert_file {
            Some(path) => Some(std::fs::read_to_string(path)?),
            None => None,
        };
        Ok(SimConfig {
            http_addr: self.http_addr,
            https_addr,
            client_id: self.client_id.unwrap_or(d.client_id),
            client_secret: self.client_secret.unwrap_or(d.client_secret),
            username: self.username.unwrap_or(d.username),
            jwt_cert_pem,
            refresh_tokens: split_list(&self.refresh_tokens),
            token_ttl: self.token_ttl_secs.map_or(d.token_ttl, Duration::from_secs),
            daily_api_limit: self.daily_api_limit.unwrap_or(d.daily_api_limit),
            faults: Faults {
                server_unavailable_rate: self.server_unavailable_rate,
                unable_to_lock_row_rate: self.unable_to_lock_row_rate,
                added_latency: Duration::from_millis(self.added_latency_ms),
            },
            outbound_url: self.outbound_url.filter(|u| !u.is_empty()),
            callout_url: self.callout_url.filter(|u| !u.is_empty()),
            callout_secret: self.callout_secret.filter(|s| !s.is_empty()),
            exclude_client: self.exclude_client.filter(|c| !c.is_empty()),
            external_id_field: self.external_id_field.unwrap_or(d.external_id_field),
            push_retry_initial: self.push_retry_initial_ms.map_or(d.push_retry_initial, Duration::from_millis),
            data_file: self.data_file,
            tls_dir: self.tls_dir,
            ..d
        })
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}
