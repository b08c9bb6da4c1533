//! The connectors of every integration, configured from the environment the same way wherever they are
//! used: the Stripe client from `STRIPE_*` (see `stripe_client::StripeConfig`), the Salesforce client from
//! `SALESFORCE_*` (see `salesforce_client::Config`). The worker syncs with them; `syncctl` backfills and
//! reconciles with them. It holds no Kafka code, so a binary that only talks to PostgreSQL and the systems
//! (syncctl) can use it.
//!
//! Adding a system: its arm in [`connector`] (and the client settings it reads).

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use events::Integration;
use sync_core::{Connector, Engine};

/// The Stripe client's settings, from `STRIPE_*`.
pub fn stripe_config() -> anyhow::Result<stripe_client::StripeConfig> {
    envy::prefixed("STRIPE_").from_env().map_err(|e| anyhow::anyhow!("reading the STRIPE_* settings: {e}"))
}

/// The Salesforce client's settings, from `SALESFORCE_*`.
pub fn salesforce_config() -> anyhow::Result<salesforce_client::Config> {
    salesforce_client::Config::from_env("SALESFORCE_")
        .map_err(|e| anyhow::anyhow!("reading the SALESFORCE_* settings: {e}"))
}

/// The connector of `integration`, its client configured from the environment. `stripe_concurrency`: Stripe
/// calls in flight at once (the client's `STRIPE_RATE_LIMIT` still applies).
pub fn connector(integration: Integration, stripe_concurrency: usize) -> anyhow::Result<Arc<dyn Connector>> {
    Ok(match integration {
        Integration::Stripe => Arc::new(sync_stripe::StripeConnector::new(&stripe_config()?, stripe_concurrency)?),
        Integration::Salesforce => Arc::new(sync_salesforce::SalesforceConnector::new(
            salesforce_client::SalesforceClient::new(&salesforce_config()?)?,
        )),
    })
}

/// An engine per integration of `integrations`, over `pool`, with the connectors from the environment.
pub fn engines_from_env(
    pool: &store::db::PgPool<AsyncPgConnection>,
    integrations: &[Integration],
    stripe_concurrency: usize,
) -> anyhow::Result<Vec<Engine>> {
    integrations.iter().map(|i| Ok(Engine::new(pool.clone(), connector(*i, stripe_concurrency)?))).collect()
}
