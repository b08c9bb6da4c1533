//! What every request handler shares: the database pool and a Kafka client for readiness.

use model::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};

use crate::config::ApiConfig;
use crate::error::ApiError;

pub struct AppState {
    pub pool: Pool<AsyncPgConnection>,
    kafka: Arc<BaseProducer>,
    salesforce: Option<salesforce_client::SalesforceClient>,
    stripe: Option<stripe_client::StripeClient>,
}

impl AppState {
    pub fn new(config: &ApiConfig) -> anyhow::Result<Self> {
        let pool = store::db::pool(config.database_url.expose_secret(), config.db_pool_size)?;
        let kafka = ClientConfig::new().set("bootstrap.servers", &config.kafka_brokers).create()?;
        let salesforce = config.salesforce.as_ref().map(salesforce_client::SalesforceClient::new).transpose()?;
        let stripe = config.stripe.as_ref().map(stripe_client::StripeClient::new).transpose()?;
        Ok(Self { pool, kafka: Arc::new(kafka), salesforce, stripe })
    }

    /// The Salesforce client, or 503 when none is configured.
    pub fn salesforce(&self) -> Result<&salesforce_client::SalesforceClient, ApiError> {
        self.salesforce.as_ref().ok_or_else(|| ApiError::Unavailable(anyhow::anyhow!("Salesforce is not configured")))
    }

    /// The Stripe client, or 503 when none is configured.
    pub fn stripe(&self) -> Result<&stripe_client::StripeClient, ApiError> {
        self.stripe.as_ref().ok_or_else(|| ApiError::Unavailable(anyhow::anyhow!("Stripe is not configured")))
    }

    /// A pooled connection; a database that cannot be reached is a 503, not a 500.
    pub async fn conn(&self) -> Result<Object<AsyncPgConnection>, ApiError> {
        self.pool.get().await.map_err(|e| ApiError::Unavailable(e.into()))
    }

    /// True when a Kafka broker answers a metadata request within `timeout`.
    pub async fn kafka_reachable(&self, timeout: Duration) -> bool {
        let kafka = self.kafka.clone();
        tokio::task::spawn_blocking(move || kafka.client().fetch_metadata(None, timeout).is_ok()).await.unwrap_or(false)
    }
}
