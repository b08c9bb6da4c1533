//! What the worker does with an event. Handlers must be idempotent: an event may arrive more than once.

use async_trait::async_trait;
use events::{CustomerEvent, Integration};

/// How handling an event failed.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Worth trying again (the other system is down, rate-limited, a lock timed out): the event is retried with
    /// backoff and its offset is not stored meanwhile.
    #[error("retryable: {0:#}")]
    Retryable(anyhow::Error),
    /// Will never succeed as it is: logged and skipped.
    #[error("permanent: {0:#}")]
    Permanent(anyhow::Error),
}

#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(&self, integration: Integration, event: &CustomerEvent) -> Result<(), HandleError>;
}

/// Logs each event. The sync handlers (outbound calls to Stripe and Salesforce, inbound application to the
/// catalog) replace it when they land.
pub struct LogHandler;

#[async_trait]
impl Handler for LogHandler {
    async fn handle(&self, integration: Integration, event: &CustomerEvent) -> Result<(), HandleError> {
        tracing::info!(
            integration = integration.as_str(),
            event_id = %event.event_id,
            event_type = event.action.event_type(),
            origin = event.origin.as_str(),
            "event received"
        );
        Ok(())
    }
}
