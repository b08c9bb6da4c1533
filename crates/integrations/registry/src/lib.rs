//! The one list of systems the binaries read ([`SYSTEMS`], registered by each binary at start with
//! [`register`]), and the connectors of every system, configured from the environment the same way wherever
//! they are used: the Stripe client from `STRIPE_*` (see `stripe_client::StripeConfig`), the Salesforce
//! client from `SALESFORCE_*` (see `salesforce_client::Config`). The worker syncs with them; `syncctl`
//! backfills and reconciles with them. It holds no Kafka code, so a binary that only talks to PostgreSQL and
//! the systems (syncctl) can use it.
//!
//! Adding a system: its line in [`SYSTEMS`] and its arm in [`connector`] (and the client settings it reads).

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use events::Integration;
use sync_core::{Connector, Engine};

/// Every system the product syncs with, in order (the order of listings and of backfills).
pub const SYSTEMS: [Integration; 2] = [
    sync_stripe::STRIPE,         // Stripe Customers (crates/integrations/stripe)
    sync_salesforce::SALESFORCE, // Salesforce Contacts (crates/integrations/salesforce)
];

/// Registers [`SYSTEMS`] as the systems of this process (`events::Integration::register`): every binary
/// calls it at start, before it reads or writes an event.
pub fn register() -> anyhow::Result<()> {
    Integration::register(&SYSTEMS)?;
    Ok(())
}

/// The system named `id` in [`SYSTEMS`], if any.
pub fn named(id: &str) -> Option<Integration> {
    SYSTEMS.into_iter().find(|i| i.as_str() == id)
}

/// The ids of [`SYSTEMS`], comma-separated, for error messages.
pub fn names() -> String {
    SYSTEMS.map(Integration::as_str).join(", ")
}

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
        sync_stripe::STRIPE => Arc::new(sync_stripe::StripeConnector::new(&stripe_config()?, stripe_concurrency)?),
        sync_salesforce::SALESFORCE => Arc::new(sync_salesforce::SalesforceConnector::new(
            salesforce_client::SalesforceClient::new(&salesforce_config()?)?,
        )),
        other => anyhow::bail!("no connector for the system {other}"),
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
