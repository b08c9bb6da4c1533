//! Prometheus metrics: one recorder per process (the `metrics` facade; record with `metrics::counter!` and
//! friends anywhere), rendered by the api at `/metrics` on its own port and by the relay and the worker on a
//! separate port (`*_METRICS_LISTEN`), which also answers `/health`. Histograms of `*_seconds` share one
//! set of buckets, from 1 ms to 30 s.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new().set_buckets(&BUCKETS).unwrap_or_else(|_| PrometheusBuilder::new())
}

/// The process's recorder, installed on first use (without a listener: the caller serves `render()`).
/// Call from within a tokio runtime: it starts the recorder's upkeep task there.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = builder().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; this one records nothing");
        }
        let upkeep = handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    upkeep.run_upkeep();
                }
            });
        }
        handle
    })
}

/// Installs the recorder and serves it on `listen` (`/metrics`, `/health`), for the relay and the worker.
/// Fails if the address cannot be bound. Call once, from within the tokio runtime.
pub fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let (recorder, exporter) = builder().with_http_listener(listen).build()?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| anyhow::anyhow!("installing the metrics recorder: {e}"))?;
    let _ = HANDLE.set(handle);
    tokio::spawn(async move {
        if let Err(e) = exporter.await {
            tracing::error!(error = ?e, "the metrics listener stopped");
        }
    });
    tracing::info!(%listen, "metrics listening");
    Ok(())
}

/// A `*_METRICS_LISTEN` value: an address to serve metrics on, or empty for none.
pub fn listen_addr(variable: &str, value: &str) -> anyhow::Result<Option<SocketAddr>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|e| anyhow::anyhow!("{variable} must be host:port or empty ({value:?}: {e})"))
}
