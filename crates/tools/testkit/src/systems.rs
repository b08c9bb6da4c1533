//! The external systems as tests reach them: localstripe (started by `scripts/test`) and an in-process
//! salesforce-sim, with clients configured for each.

use std::path::PathBuf;

use salesforce_client::{AuthKind, SalesforceClient};
use salesforce_sim::{RunningSim, SimConfig};
use stripe_client::{ApiKey, StripeClient, StripeConfig, StripeCustomer};

/// The client name the product's Salesforce writes carry in tests.
pub const SALESFORCE_CLIENT_NAME: &str = "customer-sync";

pub fn localstripe_url() -> String {
    crate::env_or("LOCALSTRIPE_URL", "http://127.0.0.1:8420")
}

/// A Stripe configuration for localstripe without a practical rate limit.
pub fn stripe_config() -> StripeConfig {
    StripeConfig { rate_limit: 1000.0, ..StripeConfig::new(localstripe_url(), ApiKey::new("sk_test_1")) }
}

/// A Stripe client for localstripe without a practical rate limit.
pub fn stripe() -> StripeClient {
    StripeClient::new(&stripe_config()).expect("a Stripe client")
}

/// Every localstripe customer linked to `local_id` through metadata (a twin shows up as two).
pub async fn stripe_customers_of(stripe: &StripeClient, local_id: uuid::Uuid) -> Vec<StripeCustomer> {
    let all = stripe.list_all_customers(&Default::default()).await.expect("localstripe lists customers");
    all.into_iter()
        .filter(|c| c.metadata.get(stripe_client::LOCAL_ID_METADATA_KEY) == Some(&local_id.to_string()))
        .collect()
}

/// A path inside the workspace.
pub fn workspace_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..").join(relative)
}

/// The simulator's defaults, HTTP only, trusting the test JWT certificate.
pub fn sim_config() -> SimConfig {
    let cert = std::fs::read_to_string(workspace_file("crates/integrations/salesforce/sim/fixtures/jwt-test-cert.pem"))
        .expect("the test JWT certificate");
    SimConfig { https_addr: None, jwt_cert_pem: Some(cert), ..SimConfig::default() }
}

pub async fn salesforce_sim(config: SimConfig) -> RunningSim {
    salesforce_sim::spawn(config).await.expect("salesforce-sim starts")
}

/// The environment a worker process needs to reach `sim` with the JWT bearer flow.
pub fn salesforce_env(sim: &RunningSim) -> Vec<(String, String)> {
    let defaults = SimConfig::default();
    [
        ("SALESFORCE_LOGIN_URL", sim.login_url.clone()),
        ("SALESFORCE_AUTH", "jwt".to_owned()),
        ("SALESFORCE_CLIENT_ID", defaults.client_id),
        ("SALESFORCE_USERNAME", defaults.username),
        (
            "SALESFORCE_PRIVATE_KEY_FILE",
            workspace_file("crates/integrations/salesforce/sim/fixtures/jwt-test-key.pem").display().to_string(),
        ),
        ("SALESFORCE_CLIENT_NAME", SALESFORCE_CLIENT_NAME.to_owned()),
        ("SALESFORCE_RETRY_BASE_DELAY_MS", "20".to_owned()),
        ("SALESFORCE_RETRY_MAX_DELAY_MS", "200".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A client of `sim` as the product configures it.
pub fn salesforce(sim: &RunningSim) -> SalesforceClient {
    salesforce_as(sim, SALESFORCE_CLIENT_NAME)
}

/// A client of `sim` that names itself `client_name` (another app, or a person's tool: not the product).
pub fn salesforce_as(sim: &RunningSim, client_name: &str) -> SalesforceClient {
    let mut config =
        salesforce_client::Config::from_iter("SALESFORCE_", salesforce_env(sim)).expect("a Salesforce config");
    assert_eq!(config.auth, AuthKind::Jwt);
    config.client_name = client_name.to_owned();
    SalesforceClient::new(&config).expect("a Salesforce client")
}

/// A new Contact with a unique email, as someone would enter it in Salesforce.
pub fn new_contact(first: &str, last: &str) -> salesforce_client::SalesforceContact {
    salesforce_client::SalesforceContact {
        first_name: Some(first.to_owned()),
        last_name: Some(last.to_owned()),
        email: Some(format!("{}@example.com", uuid::Uuid::new_v4().simple())),
        ..Default::default()
    }
}
