//! The api's configuration, read once at start from `API_*` environment variables:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `API_LISTEN` | address to listen on | `127.0.0.1:8080` |
//! | `API_DATABASE_URL` | PostgreSQL URL (secret) | required |
//! | `API_DB_POOL_SIZE` | connections in the pool | `16` |
//! | `API_KAFKA_BROKERS` | Kafka bootstrap servers, for readiness | `127.0.0.1:9092` |
//! | `API_MAX_BODY_BYTES` | largest accepted request body | `16384` |
//! | `API_WORKERS` | HTTP worker threads | number of cores |
//! | `API_LOG_JSON` | JSON log lines instead of human ones | `false` |
//! | `API_STRIPE_WEBHOOK_SECRETS` | Stripe endpoint signing secrets (`whsec_…`), comma-separated (secret) | none: 503 |
//! | `API_STRIPE_WEBHOOK_TOLERANCE_SECS` | largest accepted age of a Stripe signature | `300` |
//! | `API_SALESFORCE_ORG_ID` | the org whose Outbound Messages are accepted (15 or 18 characters) | none: 503 |
//! | `API_SALESFORCE_OUTBOUND_TOKEN` | the secret in the Outbound Message URL path; comma-separated during a rotation (secret) | none: 503 |
//! | `API_SALESFORCE_CALLOUT_SECRETS` | HMAC keys of signed callouts, comma-separated (secret) | none: 503 |
//! | `API_SALESFORCE_CALLOUT_TOLERANCE_SECS` | largest accepted age of a callout signature | `300` |
//! | `API_SALESFORCE_EXTERNAL_ID_FIELD` | the Contact field holding the local customer id | `Customer_Id__c` |
//! | `API_SALESFORCE_CLIENT_NAME` | the product's `Sforce-Call-Options` client: its own changes are not news | `customer-sync` |
//! | `API_BOOTSTRAP_ADMIN_KEY` | an admin credential from the environment, to create the first keys; at least 32 characters (secret) | none |
//! | `API_JWT_ISSUER` | accept JWT bearer tokens from this issuer (`iss`) | none: no JWTs |
//! | `API_JWT_AUDIENCE` | the audience (`aud`) they must name | required with the issuer |
//! | `API_JWT_KEY_FILE` | the issuer's public key (PEM: RSA, EC P-256 or Ed25519) | one of these two |
//! | `API_JWT_JWKS_FILE` | the issuer's key set (JWKS), keys chosen by `kid` | one of these two |
//! | `API_JWT_ROLE_CLAIM` | the claim holding the role (a name or a list of names) | `role` |
//! | `API_KEY_CACHE_SECS` | how long a process trusts an API key it read (a revocation reaches the other processes within it; 0: read every request) | `5` |
//! | `API_RATE_LIMIT_PER_SEC` | requests per second per caller (per api process) | `100` |
//! | `API_RATE_LIMIT_BURST` | requests a caller may send at once | `200` |
//!
//! `/v1/salesforce/contacts` and `/v1/stripe/customers` use the Salesforce client configured by `SALESFORCE_*`
//! (when `SALESFORCE_LOGIN_URL` is set) and the Stripe client configured by `STRIPE_*` (when
//! `STRIPE_SECRET_KEY` is set), as the worker does; without them those endpoints answer 503.

use model::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ApiConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    pub database_url: SecretString,
    #[serde(default = "default_pool_size")]
    pub db_pool_size: usize,
    #[serde(default = "default_brokers")]
    pub kafka_brokers: String,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    #[serde(default)]
    pub workers: Option<usize>,
    #[serde(default)]
    pub log_json: bool,
    #[serde(default)]
    pub stripe_webhook_secrets: Vec<stripe_client::webhook::WebhookSecret>,
    #[serde(default = "default_stripe_tolerance")]
    pub stripe_webhook_tolerance_secs: u64,
    #[serde(default)]
    pub salesforce_org_id: Option<String>,
    #[serde(default)]
    pub salesforce_outbound_token: Option<SecretString>,
    #[serde(default)]
    pub salesforce_callout_secrets: Vec<stripe_client::webhook::WebhookSecret>,
    #[serde(default = "default_stripe_tolerance")]
    pub salesforce_callout_tolerance_secs: u64,
    #[serde(default = "default_external_id_field")]
    pub salesforce_external_id_field: String,
    #[serde(default = "default_client_name")]
    pub salesforce_client_name: String,
    #[serde(default)]
    pub bootstrap_admin_key: Option<SecretString>,
    #[serde(default)]
    pub jwt_issuer: Option<String>,
    #[serde(default)]
    pub jwt_audience: Option<String>,
    #[serde(default)]
    pub jwt_key_file: Option<String>,
    #[serde(default)]
    pub jwt_jwks_file: Option<String>,
    #[serde(default = "default_role_claim")]
    pub jwt_role_claim: String,
    #[serde(default = "default_key_cache_secs")]
    pub key_cache_secs: u64,
    #[serde(default = "default_rate_limit")]
    pub rate_limit_per_sec: u32,
    #[serde(default = "default_rate_burst")]
    pub rate_limit_burst: u32,
    /// The Salesforce client of `/v1/salesforce/contacts` (from `SALESFORCE_*`).
    #[serde(skip)]
    pub salesforce: Option<salesforce_client::Config>,
    /// The Stripe client of `/v1/stripe/customers` (from `STRIPE_*`).
    #[serde(skip)]
    pub stripe: Option<stripe_client::StripeConfig>,
}

fn default_role_claim() -> String {
    "role".into()
}
fn default_key_cache_secs() -> u64 {
    5
}
fn default_rate_limit() -> u32 {
    100
}
fn default_rate_burst() -> u32 {
    200
}
fn default_external_id_field() -> String {
    "Customer_Id__c".into()
}
fn default_client_name() -> String {
    "customer-sync".into()
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_pool_size() -> usize {
    16
}
fn default_brokers() -> String {
    "127.0.0.1:9092".into()
}
fn default_stripe_tolerance() -> u64 {
    300
}
fn default_max_body() -> usize {
    16 * 1024
}

impl ApiConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        let mut config: Self = envy::prefixed("API_").from_env()?;
        if std::env::var_os("SALESFORCE_LOGIN_URL").is_some() {
            config.salesforce = Some(salesforce_client::Config::from_env("SALESFORCE_")?);
        }
        if std::env::var_os("STRIPE_SECRET_KEY").is_some() {
            config.stripe = Some(envy::prefixed("STRIPE_").from_env()?);
        }
        anyhow::ensure!(config.db_pool_size > 0, "API_DB_POOL_SIZE must be positive");
        anyhow::ensure!(
            !config.stripe_webhook_secrets.iter().any(|s| s.is_empty()),
            "API_STRIPE_WEBHOOK_SECRETS has an empty entry (a trailing comma?): it would accept any signature"
        );
        anyhow::ensure!(
            !config.salesforce_callout_secrets.iter().any(|s| s.is_empty()),
            "API_SALESFORCE_CALLOUT_SECRETS has an empty entry (a trailing comma?): it would accept any signature"
        );
        anyhow::ensure!(
            config.bootstrap_admin_key.as_ref().is_none_or(|k| k.expose_secret().len() >= 32),
            "API_BOOTSTRAP_ADMIN_KEY must be at least 32 characters"
        );
        anyhow::ensure!(config.max_body_bytes >= 256, "API_MAX_BODY_BYTES must be at least 256");
        Ok(config)
    }

    /// A configuration for tests and tools: defaults, with this database.
    pub fn for_database(database_url: &str) -> Self {
        Self {
            listen: "127.0.0.1:0".into(),
            database_url: SecretString::from(database_url),
            db_pool_size: 8,
            kafka_brokers: default_brokers(),
            max_body_bytes: default_max_body(),
            workers: Some(2),
            log_json: false,
            stripe_webhook_secrets: Vec::new(),
            stripe_webhook_tolerance_secs: default_stripe_tolerance(),
            salesforce_org_id: None,
            salesforce_outbound_token: None,
            salesforce_callout_secrets: Vec::new(),
            salesforce_callout_tolerance_secs: default_stripe_tolerance(),
            salesforce_external_id_field: default_external_id_field(),
            salesforce_client_name: default_client_name(),
            bootstrap_admin_key: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_key_file: None,
            jwt_jwks_file: None,
            jwt_role_claim: default_role_claim(),
            key_cache_secs: default_key_cache_secs(),
            rate_limit_per_sec: 10_000,
            rate_limit_burst: 10_000,
            salesforce: None,
            stripe: None,
        }
    }
}
