//! Logging set-up (and the optional export of spans, [`otel`]), W3C trace context and shutdown signals,
//! shared by the three binaries so that they log and stop alike. It must never hold business logic.

pub mod metrics;
pub mod otel;

use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Starts logging: `RUST_LOG` filter (default `info`), human-readable or JSON lines; and, when an OTLP
/// endpoint is configured (see [`otel`]), the export of the spans as `service` (the binary's name, unless
/// `OTEL_SERVICE_NAME` says otherwise). Call once from `main`, and hold what it returns until `main` ends:
/// dropping it flushes the spans still queued. Fails on a malformed endpoint.
pub fn init(json: bool, service: &str) -> anyhow::Result<Telemetry> {
    init_with(json, service, |name| std::env::var(name).ok())
}

fn init_with(json: bool, service: &str, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Telemetry> {
    let export = otel::ExportConfig::from_vars(var, service)?;
    let provider = export.as_ref().map(otel::provider).transpose()?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let plain = (!json).then(|| tracing_subscriber::fmt::layer().with_span_events(FmtSpan::NONE));
    let json = json.then(|| {
        tracing_subscriber::fmt::layer()
            .with_span_events(FmtSpan::NONE)
            .json()
            .flatten_event(true)
            .with_current_span(true)
    });
    let spans = provider.as_ref().map(otel::layer);
    let installed = tracing_subscriber::registry().with(filter).with(plain).with(json).with(spans).try_init();
    if let Err(e) = installed {
        if let Some(provider) = provider {
            let _ = provider.shutdown();
        }
        anyhow::bail!("logging was already set up: {e}");
    }
    if let Some(export) = &export {
        otel::set_exporting(true);
        let endpoint = otel::without_userinfo(&export.endpoint);
        tracing::info!(%endpoint, service = %export.service_name, "exporting spans over OTLP");
    }
    Ok(Telemetry { provider })
}

/// Held by `main` for as long as the process runs; dropping it (when `main` returns, after SIGTERM too)
/// exports the spans still queued, waiting up to 5 s for the collector.
#[must_use = "dropping it at once stops the span export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            otel::set_exporting(false);
            // Blocks this thread until the SDK's own export thread has sent the last batch (it needs no async
            // runtime, so this cannot wait on itself).
            if let Err(e) = provider.shutdown() {
                tracing::warn!(error = %e, "the last spans may not have been exported");
            }
        }
    }
}

/// Makes text that came from outside (an external system's error message, a dead letter's reason) safe to
/// log: control characters become spaces, so it cannot forge log lines, and email addresses become `[email]`,
/// so that no customer's address reaches the logs.
pub fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let local = |c: char| c.is_alphanumeric() || "._%+-'".contains(c);
    let domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let start = out.chars().rev().take_while(|c| local(*c)).count();
            let mut end = chars[i + 1..].iter().take_while(|c| domain(**c)).count();
            while end > 0 && chars[i + end] == '.' {
                end -= 1; // a sentence's full stop is not part of the address
            }
            let host: String = chars[i + 1..i + 1 + end].iter().collect();
            if start > 0 && host.trim_matches('.').contains('.') {
                let keep = out.chars().count() - start;
                out = out.chars().take(keep).collect();
                out.push_str("[email]");
                i += 1 + end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A W3C `traceparent` (`00-<trace id>-<span id>-01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent(String);

impl TraceParent {
    /// A new trace.
    pub fn generate() -> Self {
        let trace: u128 = rand::random::<u128>().max(1);
        let span: u64 = rand::random::<u64>().max(1);
        Self(format!("00-{trace:032x}-{span:016x}-01"))
    }

    /// Accepts a well-formed header value, rejects anything else.
    pub fn parse(value: &str) -> Option<Self> {
        let parts: Vec<&str> = value.trim().split('-').collect();
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        let ok = parts.len() == 4
            && hex(parts[0], 2)
            && parts[0] != "ff"
            && hex(parts[1], 32)
            && parts[1].bytes().any(|b| b != b'0')
            && hex(parts[2], 16)
            && parts[2].bytes().any(|b| b != b'0')
            && hex(parts[3], 2);
        ok.then(|| Self(value.trim().to_ascii_lowercase()))
    }

    /// The trace id, logged so that one change can be followed through every binary.
    pub fn trace_id(&self) -> &str {
        &self.0[3..35]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutdown signal received");
}

/// A receiver that turns true once SIGTERM or Ctrl-C arrives (spawns the waiting task on the current runtime).
pub fn shutdown_receiver() -> tokio::sync::watch::Receiver<bool> {
    let (stop, receiver) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_masks_email_addresses_and_neutralises_control_characters() {
        assert_eq!(scrub("Invalid email address: ada.k+1@example.co.uk"), "Invalid email address: [email]");
        assert_eq!(scrub("a@b.c and x_y@z.io."), "[email] and [email].");
        assert_eq!(scrub("line\n{\"level\":\"ERROR\"}"), "line {\"level\":\"ERROR\"}");
        assert_eq!(scrub("user@localhost stays, @ alone stays"), "user@localhost stays, @ alone stays");
        assert_eq!(scrub("no data here"), "no data here");
    }

    #[test]
    fn without_an_otlp_endpoint_init_installs_no_exporter() {
        let telemetry = init_with(false, "test", |_| None).unwrap();
        assert!(!telemetry.exporting());
        assert!(!otel::exporting());
        let span = tracing::info_span!("request");
        otel::set_parent(&span, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(otel::traceparent(&span), None);
        assert!(
            !std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten().any(|task| {
                std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.starts_with("OpenTelemetry"))
            }),
            "no export thread runs"
        );
    }

    #[test]
    fn a_generated_traceparent_parses_back() {
        let tp = TraceParent::generate();
        assert_eq!(TraceParent::parse(tp.as_str()), Some(tp.clone()));
        assert_eq!(tp.trace_id().len(), 32);
    }

    #[test]
    fn malformed_traceparents_are_rejected() {
        for bad in [
            "",
            "00-abc-def-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad}");
        }
        assert!(TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_some());
    }
}
