//! What every request handler shares: the database pool and a Kafka client for readiness.

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
}

impl AppState {
    pub fn new(config: &ApiConfig) -> anyhow::Result<Self> {
        let pool = model::db::pool(config.database_url.expose(), config.db_pool_size)?;
        let kafka = ClientConfig::new().set("bootstrap.servers", &config.kafka_brokers).create()?;
        Ok(Self { pool, kafka: Arc::new(kafka) })
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
