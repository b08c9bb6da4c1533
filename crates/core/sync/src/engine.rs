//! The engine: one per integration, holding the connector and a database pool.

use std::sync::Arc;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use events::Integration;

use crate::connector::Connector;

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The change was made (in the system, or in the catalog).
    Applied,
    /// Nothing to do: the system or the catalog already holds this state (duplicates, echoes, no-ops).
    UpToDate,
    /// Older than what was already applied, or about a deleted customer: dropped.
    Stale,
}

/// Why an event could not be handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// Try again later.
    #[error("{0}")]
    Retryable(String),
    /// Will not succeed as it is: dead-letter it.
    #[error("{0}")]
    Permanent(String),
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Retryable(format!("database: {e}"))
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Failure {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Failure::Retryable(format!("database pool: {e}"))
    }
}

/// Syncs one integration: outbound pushes through the connector, inbound changes into the catalog.
#[derive(Clone)]
pub struct Engine {
    pub(crate) pool: Pool<AsyncPgConnection>,
    pub(crate) connector: Arc<dyn Connector>,
}

impl Engine {
    pub fn new(pool: Pool<AsyncPgConnection>, connector: Arc<dyn Connector>) -> Self {
        Self { pool, connector }
    }

    pub fn integration(&self) -> Integration {
        self.connector.integration()
    }

    pub(crate) fn name(&self) -> &'static str {
        self.integration().as_str()
    }

    pub(crate) async fn conn(&self) -> Result<Object<AsyncPgConnection>, Failure> {
        Ok(self.pool.get().await?)
    }

    /// `t` cut to the connector's timestamp precision, for last-writer-wins comparisons.
    pub(crate) fn at_precision(&self, t: chrono::DateTime<chrono::Utc>) -> i64 {
        let step = self.connector.source_precision().num_milliseconds().max(1);
        t.timestamp_millis().div_euclid(step)
    }
}
