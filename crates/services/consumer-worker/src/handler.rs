//! What the worker does with a batch of events. Handlers must be idempotent: an event may arrive more than
//! once, and a failed one is handed over again.

use std::collections::HashMap;

use async_trait::async_trait;
use events::{CustomerEvent, Integration};
use futures::StreamExt;
use sync_core::{Engine, Failure, Outcome};
use tracing::Instrument;
use uuid::Uuid;

/// How handling an event failed.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Worth trying again (the other system is down, rate-limited, a lock timed out): retried with backoff,
    /// then dead-lettered once the attempts are spent.
    #[error("retryable: {0:#}")]
    Retryable(anyhow::Error),
    /// Will never succeed as it is: dead-lettered.
    #[error("permanent: {0:#}")]
    Permanent(anyhow::Error),
}

/// Handles one integration's events. `events` are in the order they were consumed; one result per event.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(&self, integration: Integration, events: &[CustomerEvent]) -> Vec<Result<(), HandleError>>;

    /// Like [`Handler::handle`], with each event's trace context (`traceparent` from its Kafka headers), so
    /// that what the handler does continues the change's trace. By default the traces are ignored.
    async fn handle_traced(
        &self,
        integration: Integration,
        events: &[CustomerEvent],
        traces: &[Option<String>],
    ) -> Vec<Result<(), HandleError>> {
        let _ = traces;
        self.handle(integration, events).await
    }
}

/// The trace id of a valid `traceparent`, for log lines (empty when there is none).
fn trace_id(traceparent: Option<&String>) -> String {
    traceparent.and_then(|t| telemetry::TraceParent::parse(t)).map(|t| t.trace_id().to_owned()).unwrap_or_default()
}

/// Per-batch tallies, logged at debug level (never a line per event).
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub applied: usize,
    pub up_to_date: usize,
    pub stale: usize,
    pub failed: usize,
}

/// The sync: inbound events (origin = the integration) are applied to the catalog, one customer's in order
/// and different customers' concurrently; outbound ones are coalesced per customer and reconciled in one go.
pub struct SyncHandler {
    engines: HashMap<Integration, Engine>,
    inbound_concurrency: usize,
}

impl SyncHandler {
    pub fn new(engines: impl IntoIterator<Item = Engine>) -> Self {
        Self { engines: engines.into_iter().map(|e| (e.integration(), e)).collect(), inbound_concurrency: 8 }
    }
}

fn to_handle_error(f: Failure) -> HandleError {
    match f {
        Failure::Retryable(m) => HandleError::Retryable(anyhow::anyhow!(m)),
        Failure::Permanent(m) => HandleError::Permanent(anyhow::anyhow!(m)),
    }
}

#[async_trait]
impl Handler for SyncHandler {
    async fn handle(&self, integration: Integration, events: &[CustomerEvent]) -> Vec<Result<(), HandleError>> {
        self.handle_traced(integration, events, &[]).await
    }

    async fn handle_traced(
        &self,
        integration: Integration,
        events: &[CustomerEvent],
        traces: &[Option<String>],
    ) -> Vec<Result<(), HandleError>> {
        let Some(engine) = self.engines.get(&integration) else {
            let missing = || Err(HandleError::Retryable(anyhow::anyhow!("no connector for {}", integration.as_str())));
            return events.iter().map(|_| missing()).collect();
        };
        let system = integration.as_str();
        // A span per event, in the event's trace (its `traceparent`, when spans are exported): open while the
        // event is applied (inbound) or while the batch it is coalesced into is reconciled (outbound).
        let spans: Vec<tracing::Span> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let traceparent = traces.get(i).and_then(Option::as_ref);
                let trace = trace_id(traceparent);
                let span =
                    tracing::info_span!("event", integration = system, event_id = %e.event_id, trace_id = %trace);
                if let Some(traceparent) = traceparent {
                    telemetry::otel::set_parent(&span, traceparent);
                }
                span
            })
            .collect();
        let mut results: Vec<Option<Result<Outcome, Failure>>> = vec![None; events.len()];
        // Inbound first, per customer in order; then outbound reads the catalog as it now is.
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        let mut outbound: Vec<(usize, Uuid)> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.origin == integration.origin() {
                groups.entry(e.partition_key()).or_default().push(i);
            } else if let Some(id) = e.customer_id {
                outbound.push((i, id));
            } else {
                results[i] = Some(Err(Failure::Permanent("an outbound event without a customer id".into())));
            }
        }
        let applied: Vec<Vec<(usize, Result<Outcome, Failure>)>> = futures::stream::iter(groups.into_values())
            .map(|idx| {
                let spans = &spans;
                async move {
                    let mut out = Vec::with_capacity(idx.len());
                    for i in idx {
                        // Exported, what the change causes next continues from this event's span.
                        let own = telemetry::otel::traceparent(&spans[i]);
                        let traceparent = own.as_ref().map(|t| t.as_str()).or(traces.get(i).and_then(|t| t.as_deref()));
                        let applied = engine.apply_inbound_traced(&events[i], traceparent).instrument(spans[i].clone());
                        out.push((i, applied.await));
                    }
                    out
                }
            })
            .buffer_unordered(self.inbound_concurrency)
            .collect()
            .await;
        for (i, r) in applied.into_iter().flatten() {
            results[i] = Some(r);
        }
        if !outbound.is_empty() {
            let ids: Vec<Uuid> = outbound.iter().map(|(_, id)| *id).collect();
            let done = engine.reconcile(&ids).await;
            for (i, id) in outbound {
                results[i] = Some(done.get(&id).cloned().unwrap_or(Ok(Outcome::UpToDate)));
            }
        }
        let mut tally = Tally::default();
        let out: Vec<Result<(), HandleError>> = results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let event = &events[i];
                let direction = if event.origin == integration.origin() { "inbound" } else { "outbound" };
                let trace = trace_id(traces.get(i).and_then(Option::as_ref));
                let outcome = match r.unwrap_or(Err(Failure::Retryable("not handled".into()))) {
                    Ok(o) => {
                        let outcome = match o {
                            Outcome::Applied => {
                                tally.applied += 1;
                                "applied"
                            }
                            Outcome::UpToDate => {
                                tally.up_to_date += 1;
                                "unchanged"
                            }
                            Outcome::Stale => {
                                tally.stale += 1;
                                "stale"
                            }
                        };
                        Ok(outcome)
                    }
                    Err(f) => {
                        tally.failed += 1;
                        Err(to_handle_error(f))
                    }
                };
                let label = match &outcome {
                    Ok(o) => *o,
                    Err(_) => "failed",
                };
                metrics::counter!("sync_events_total", "integration" => system, "direction" => direction, "outcome" => label)
                    .increment(1);
                if label == "applied" {
                    // One line per change the sync made: pushed to the system (outbound) or applied to the
                    // catalog from it (inbound), with the trace id of the change that caused it.
                    let what = if direction == "outbound" { "pushed to the system" } else { "applied to the catalog" };
                    spans[i].in_scope(|| {
                        tracing::info!(
                            integration = system,
                            direction,
                            customer_id = ?event.customer_id,
                            event_id = %event.event_id,
                            trace_id = %trace,
                            "{what}"
                        )
                    });
                }
                outcome.map(drop)
            })
            .collect();
        tracing::debug!(integration = integration.as_str(), events = events.len(), ?tally, "batch handled");
        out
    }
}
