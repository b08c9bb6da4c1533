//! The client's configuration, read from the environment with a prefix (envy), e.g. `SALESFORCE_`:
//!
//! | variable (after the prefix) | meaning | default |
//! |---|---|---|
//! | `LOGIN_URL` | the org's My Domain (or login) URL; the token endpoint lives there | required |
//! | `INSTANCE_URL` | REST base URL; overrides the `instance_url` of the token response | from the token |
//! | `API_VERSION` | REST API version | `59.0` |
//! | `AUTH` | `jwt`, `client_credentials` or `refresh_token` | required |
//! | `CLIENT_ID` | the connected app's consumer key | required |
//! | `CLIENT_SECRET` | consumer secret (client credentials; optional for refresh token) | none |
//! | `USERNAME` | the integration user (JWT `sub`) | none |
//! | `PRIVATE_KEY` / `PRIVATE_KEY_FILE` | RSA private key PEM (or its file) that signs the JWT | none |
//! | `JWT_AUDIENCE` | JWT `aud` | `LOGIN_URL` |
//! | `REFRESH_TOKEN` | refresh token for the refresh-token grant | none |
//! | `CLIENT_NAME` | sent as `Sforce-Call-Options: client=<name>` on every write | `customer-sync` |
//! | `EXTERNAL_ID_FIELD` | Contact field holding the local customer id | `Customer_Id__c` |
//! | `REQUEST_TIMEOUT_MS` / `CONNECT_TIMEOUT_MS` | per-request timeouts | `30000` / `10000` |
//! | `MAX_ATTEMPTS` | attempts per call, the first included, for retryable failures | `5` |
//! | `RETRY_BASE_DELAY_MS` / `RETRY_MAX_DELAY_MS` | exponential backoff bounds | `200` / `10000` |
//! | `CA_FILE` | extra PEM CA to trust (e.g. salesforce-sim's self-signed CA) | none |

use crate::{Error, SecretString};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Which OAuth 2.0 grant obtains access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// JWT bearer: an RS256 assertion signed with the connected app's private key (server to server).
    Jwt,
    /// Client credentials: consumer key and secret, run as the app's configured user (My Domain only).
    ClientCredentials,
    /// Refresh token obtained once interactively.
    RefreshToken,
}

/// Everything the client needs; see the module doc for the environment variables.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub login_url: String,
    #[serde(default)]
    pub instance_url: Option<String>,
    #[serde(default = "defaults::api_version")]
    pub api_version: String,
    pub auth: AuthKind,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub private_key: Option<SecretString>,
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub jwt_audience: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    #[serde(default = "defaults::client_name")]
    pub client_name: String,
    #[serde(default = "defaults::external_id_field")]
    pub external_id_field: String,
    #[serde(default = "defaults::request_timeout_ms")]
    pub request_timeout_ms: u64,
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "defaults::retry_base_delay_ms")]
    pub retry_base_delay_ms: u64,
    #[serde(default = "defaults::retry_max_delay_ms")]
    pub retry_max_delay_ms: u64,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

mod defaults {
    pub fn api_version() -> String {
        "59.0".to_owned()
    }
    pub fn client_name() -> String {
        "customer-sync".to_owned()
    }
    pub fn external_id_field() -> String {
        "Customer_Id__c".to_owned()
    }
    pub fn request_timeout_ms() -> u64 {
        30_000
    }
    pub fn connect_timeout_ms() -> u64 {
        10_000
    }
    pub fn max_attempts() -> u32 {
        5
    }
    pub fn retry_base_delay_ms() -> u64 {
        200
    }
    pub fn retry_max_delay_ms() -> u64 {
        10_000
    }
}

impl Config {
    /// A configuration with every optional setting at its default; fill in the credentials of `auth`.
    pub fn new(login_url: impl Into<String>, client_id: impl Into<String>, auth: AuthKind) -> Self {
        Config {
            login_url: login_url.into(),
            instance_url: None,
            api_version: defaults::api_version(),
            auth,
            client_id: client_id.into(),
            client_secret: None,
            username: None,
            private_key: None,
            private_key_file: None,
            jwt_audience: None,
            refresh_token: None,
            client_name: defaults::client_name(),
            external_id_field: defaults::external_id_field(),
            request_timeout_ms: defaults::request_timeout_ms(),
            connect_timeout_ms: defaults::connect_timeout_ms(),
            max_attempts: defaults::max_attempts(),
            retry_base_delay_ms: defaults::retry_base_delay_ms(),
            retry_max_delay_ms: defaults::retry_max_delay_ms(),
            ca_file: None,
        }
    }

    /// Reads the configuration from environment variables starting with `prefix` (e.g. `SALESFORCE_`).
    pub fn from_env(prefix: &str) -> Result<Self, Error> {
        Self::from_iter(prefix, std::env::vars())
    }

    /// Like [`Config::from_env`], from given variables (for tests and for layered configuration).
    pub fn from_iter<I>(prefix: &str, vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        envy::prefixed(prefix).from_iter::<_, Config>(vars).map_err(|e| Error::Config(e.to_string()))
    }

    /// The retry policy these settings describe.
    pub fn retry_policy(&self) -> crate::RetryPolicy {
        crate::RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            base_delay: Duration::from_millis(self.retry_base_delay_ms),
            max_delay: Duration::from_millis(self.retry_max_delay_ms.max(self.retry_base_delay_ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_environment_with_a_prefix_gives_a_config_with_defaults() {
        let config = Config::from_iter(
            "SALESFORCE_",
            vars(&[
                ("SALESFORCE_LOGIN_URL", "https://acme.my.salesforce.com"),
                ("SALESFORCE_AUTH", "client_credentials"),
                ("SALESFORCE_CLIENT_ID", "3MVG9"),
                ("SALESFORCE_CLIENT_SECRET", "s3cr3t"),
                ("SALESFORCE_MAX_ATTEMPTS", "3"),
                ("OTHER_LOGIN_URL", "ignored"),
            ]),
        )
        .expect("config");
        assert_eq!(config.auth, AuthKind::ClientCredentials);
        assert_eq!(config.client_secret.as_ref().map(crate::ExposeSecret::expose_secret), Some("s3cr3t"));
        assert_eq!(config.api_version, "59.0");
        assert_eq!(config.external_id_field, "Customer_Id__c");
        assert_eq!(config.max_attempts, 3);
        assert!(!format!("{config:?}").contains("s3cr3t"));
    }

    #[test]
    fn a_missing_required_variable_is_a_config_error() {
        let err = Config::from_iter("SALESFORCE_", vars(&[("SALESFORCE_AUTH", "jwt")])).expect_err("login url missing");
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }

    #[test]
    fn an_unknown_auth_kind_is_rejected() {
        let err = Config::from_iter(
            "SF_",
            vars(&[("SF_LOGIN_URL", "http://x"), ("SF_CLIENT_ID", "c"), ("SF_AUTH", "password")]),
        )
        .expect_err("unknown grant");
        assert!(matches!(err, Error::Config(_)));
    }
}
