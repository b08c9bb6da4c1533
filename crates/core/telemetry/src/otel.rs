//! Optional export of the spans over OTLP/HTTP (protobuf), in batches, when `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; without it nothing here runs. The exported spans carry
//! the product's own trace ids: [`set_parent`] makes a span the child of a W3C `traceparent` (the api's
//! request span, the worker's span per event), so that a trace in the collector has the id the logs carry.
//!
//! Also read: `OTEL_SERVICE_NAME` (instead of the binary's name), `OTEL_SDK_DISABLED=true` (no export),
//! `OTEL_EXPORTER_OTLP_HEADERS`/`_TIMEOUT`, `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_BSP_*` (batching), as the
//! OpenTelemetry SDK reads them. Spans pass the same `RUST_LOG` filter as the logs: a span below its level
//! is not exported. They are sent as they close, every 5 s, and the last ones when `init`'s guard drops.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::{LevelFilter, Targets};

use crate::TraceParent;

/// Whether this process exports its spans (set once by `init`).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether this process exports its spans.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Where and as what the spans go, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportConfig {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub endpoint: String,
    pub service_name: String,
}

impl ExportConfig {
    /// `None` (no export) unless an OTLP endpoint is configured. `var` looks a variable up (the process's
    /// environment in `init`); `service` is the binary's name, used unless `OTEL_SERVICE_NAME` is set.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, service: &str) -> anyhow::Result<Option<Self>> {
        let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if set("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let (variable, endpoint) = if let Some(url) = set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url) // the signal's own URL is used as it is
        } else if let Some(base) = set("OTEL_EXPORTER_OTLP_ENDPOINT") {
            ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{}/v1/traces", base.trim_end_matches('/')))
        } else {
            return Ok(None);
        };
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            anyhow::bail!("{variable} must be an http:// or https:// URL (OTLP over HTTP), got {endpoint:?}");
        }
        let service_name = set("OTEL_SERVICE_NAME").unwrap_or_else(|| service.to_owned());
        Ok(Some(Self { endpoint, service_name }))
    }
}

/// `url` without a `user:password@` part, for logs.
pub(crate) fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The batch exporter's provider: spans are queued and posted by a thread of the SDK's own, with a blocking
/// HTTP client (so no async runtime is needed, and shutting down from `main` cannot wait on itself).
pub(crate) fn provider(config: &ExportConfig) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(config.endpoint.clone())
        .build()
        .map_err(|e| anyhow::anyhow!("the OTLP exporter for {}: {e}", config.endpoint))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(config.service_name.clone()).build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

/// The tracing layer that turns spans into OpenTelemetry spans. The HTTP stack's own spans are left out: at
/// `RUST_LOG=trace`, the exporter's requests would otherwise be exported, and export more of themselves.
pub(crate) fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S> + Send + Sync + 'static
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    use tracing_subscriber::Layer;
    let quiet = ["h2", "hyper", "hyper_util", "reqwest", "tonic", "tower", "opentelemetry", "opentelemetry_sdk"];
    let filter = quiet
        .iter()
        .fold(Targets::new().with_default(LevelFilter::TRACE), |f, target| f.with_target(*target, LevelFilter::OFF));
    tracing_opentelemetry::layer().with_tracer(provider.tracer("customer-sync")).with_filter(filter)
}

pub(crate) fn set_exporting(on: bool) {
    EXPORTING.store(on, Ordering::Relaxed);
}

/// Makes `traceparent` (a W3C header value) the OpenTelemetry parent of `span`, so that the span is exported
/// in that trace. Call right after creating the span, before it is entered. A no-op when nothing is
/// exported, and for a malformed value.
pub fn set_parent(span: &tracing::Span, traceparent: &str) {
    if exporting() {
        parent(span, traceparent);
    }
}

fn parent(span: &tracing::Span, traceparent: &str) {
    let carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
    let context = TraceContextPropagator::new().extract(&carrier);
    if context.span().span_context().is_valid() {
        // Fails only when the span is disabled (by RUST_LOG) or already started: then it is not exported in
        // this trace, and nothing else changes.
        let _ = span.set_parent(context);
    }
}

/// `span`'s own W3C context (its trace id, its span id), when it is exported: what the next hop should carry
/// as its `traceparent`, so that its spans become children of `span`. `None` when nothing is exported.
pub fn traceparent(span: &tracing::Span) -> Option<TraceParent> {
    if !exporting() {
        return None;
    }
    own(span)
}

fn own(span: &tracing::Span) -> Option<TraceParent> {
    let context = span.context();
    let sc = context.span().span_context().clone();
    if !sc.is_valid() {
        return None;
    }
    TraceParent::parse(&format!("00-{}-{}-{:02x}", sc.trace_id(), sc.span_id(), sc.trace_flags().to_u8()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn without_an_endpoint_nothing_is_exported() {
        assert_eq!(ExportConfig::from_vars(vars(&[]), "api").unwrap(), None);
        assert_eq!(ExportConfig::from_vars(vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]), "api").unwrap(), None);
        let disabled = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_SDK_DISABLED", "true")];
        assert_eq!(ExportConfig::from_vars(vars(&disabled), "api").unwrap(), None);
    }

    #[test]
    fn the_endpoint_and_service_name_come_from_the_standard_variables() {
        let base = ExportConfig::from_vars(vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]), "api");
        let base = base.unwrap().unwrap();
        assert_eq!(base.endpoint, "http://collector:4318/v1/traces");
        assert_eq!(base.service_name, "api");
        let traces = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://wrong:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector/custom/path"),
            ("OTEL_SERVICE_NAME", "customer-sync-api"),
        ];
        let config = ExportConfig::from_vars(vars(&traces), "api").unwrap().unwrap();
        assert_eq!(config.endpoint, "https://collector/custom/path");
        assert_eq!(config.service_name, "customer-sync-api");
        assert!(ExportConfig::from_vars(vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]), "api").is_err());
        assert_eq!(without_userinfo("https://u:secret@collector/v1/traces"), "https://collector/v1/traces");
        assert_eq!(without_userinfo("http://collector:4318/v1/traces?a=b@c"), "http://collector:4318/v1/traces?a=b@c");
    }

    #[test]
    fn a_span_continues_the_trace_of_its_traceparent() {
        // A provider without an exporter: spans are made and sampled, sent nowhere.
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry().with(layer(&provider));
        tracing::subscriber::with_default(subscriber, || {
            let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            let span = tracing::info_span!("request");
            parent(&span, incoming);
            let continued = own(&span).expect("the span has an OpenTelemetry context");
            assert_eq!(continued.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
            assert_ne!(continued.as_str(), incoming, "its own span id");
            assert!(continued.as_str().ends_with("-01"), "sampled, as its parent");

            let unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
            let span = tracing::info_span!("request");
            parent(&span, unsampled);
            let unrecorded = own(&span).expect("a context, not recorded");
            assert_eq!(unrecorded.trace_id(), "0af7651916cd43dd8448eb211c80319c");
            assert!(unrecorded.as_str().ends_with("-00"), "the caller's decision not to sample is kept");

            let root = tracing::info_span!("request");
            parent(&root, "not a traceparent");
            assert_eq!(own_trace(&root).len(), 32, "a malformed value leaves a root span of its own trace");
        });
        let _ = provider.shutdown();
    }

    fn own_trace(span: &tracing::Span) -> String {
        own(span).map(|t| t.trace_id().to_owned()).unwrap_or_default()
    }

    #[test]
    fn without_export_setting_a_parent_does_nothing() {
        // No OpenTelemetry layer at all, as when the variable is not set: nothing to extract into, no panic.
        let span = tracing::info_span!("request");
        set_parent(&span, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(traceparent(&span), None);
        assert_eq!(own(&span), None);
    }
}
