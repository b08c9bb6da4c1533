//! `SalesforceClient`: cheap to clone, shared by every task; the operations live in `ops/`.

use crate::auth::{AuthGrant, Authenticator};
use crate::limits::{ApiUsage, UsageTracker};
use crate::soql;
use crate::transport::{Request, Response, Transport};
use crate::{Config, Error};
use std::sync::Arc;
use std::time::Duration;

/// A Salesforce REST client for Contacts. Clones share the HTTP connections, the token cache and the
/// usage figures.
#[derive(Clone)]
pub struct SalesforceClient {
    pub(crate) transport: Arc<Transport>,
    pub(crate) external_id_field: Arc<str>,
}

impl std::fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceClient")
            .field("api_version", &self.transport.api_version)
            .field("external_id_field", &self.external_id_field)
            .finish_non_exhaustive()
    }
}

impl SalesforceClient {
    /// Builds the client and checks the configuration (credentials, key, CA file). It does not contact
    /// Salesforce; the first call (or [`SalesforceClient::authenticate`]) obtains a token.
    pub fn new(config: &Config) -> Result<Self, Error> {
        soql::field_name(&config.external_id_field)
            .map_err(|_| Error::Config(format!("not a valid field name: {:?}", config.external_id_field)))?;
        if !config.client_name.chars().all(|c| c.is_ascii_graphic()) || config.client_name.is_empty() {
            return Err(Error::Config("CLIENT_NAME must be printable ASCII without spaces".into()));
        }
        let http = http_client(config)?;
        let credentials = AuthGrant::from_config(config)?;
        let auth = Authenticator::new(http.clone(), &config.login_url, credentials, config.instance_url.clone());
        let transport = Transport {
            http,
            auth,
            usage: UsageTracker::default(),
            retry: config.retry_policy(),
            api_version: config.api_version.clone(),
            call_options: format!("client={}", config.client_name),
        };
        Ok(SalesforceClient {
            transport: Arc::new(transport),
            external_id_field: config.external_id_field.as_str().into(),
        })
    }

    /// Obtains a token now (if none is cached), so that bad credentials show at start-up.
    pub async fn authenticate(&self) -> Result<(), Error> {
        self.transport.auth.session().await.map(|_| ())
    }

    /// API calls used and allowed, from the latest `Sforce-Limit-Info` header seen.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        self.transport.usage.latest()
    }

    /// How many access tokens this client has obtained (the first one and every renewal).
    pub fn tokens_obtained(&self) -> u64 {
        self.transport.auth.tokens_obtained()
    }

    /// The Contact field holding the local customer id.
    pub fn external_id_field(&self) -> &str {
        &self.external_id_field
    }

    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        self.transport.send(&request).await
    }
}

fn http_client(config: &Config) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_millis(config.request_timeout_ms))
        .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
        // The token endpoint must not be redirected elsewhere (credentials would follow).
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("customer-sync-salesforce-client/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &config.ca_file {
        let pem =
            std::fs::read(path).map_err(|e| Error::Config(format!("cannot read CA file {}: {e}", path.display())))?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| Error::Config(format!("CA file {} is not PEM: {e}", path.display())))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}
