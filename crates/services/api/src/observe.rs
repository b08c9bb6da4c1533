//! Every request: its trace context (the valid `traceparent` header, or a new trace; with spans exported,
//! the request span's own context in that trace) left in the request's extensions for the auth guard, the
//! handlers and the events they write; one log line at the end, in a span that carries the trace id; and the
//! request metrics, by route pattern (never the raw path, whose ids would make the label set unbounded).
//!
//! Metrics: `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use telemetry::TraceParent;
use tracing::Instrument;

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let incoming = req.headers().get("traceparent").and_then(|v| v.to_str().ok()).and_then(TraceParent::parse);
    let method = req.method().as_str().to_owned();
    let span = tracing::info_span!("request", method = %method, trace_id = tracing::field::Empty);
    // Spans exported (OTLP): the request's span continues the caller's trace, and what the request writes
    // carries the span's own context, so that the worker's spans become its children.
    if let Some(incoming) = &incoming {
        telemetry::otel::set_parent(&span, incoming.as_str());
    }
    let trace = telemetry::otel::traceparent(&span).or(incoming).unwrap_or_else(TraceParent::generate);
    span.record("trace_id", trace.trace_id());
    req.extensions_mut().insert(trace.clone());
    let result = next.call(req).instrument(span.clone()).await;
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    let seconds = started.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route.clone()).record(seconds);
    span.in_scope(|| {
        tracing::info!(route = %route, status, latency_ms = (seconds * 1000.0).round() as u64, "request");
    });
    result
}

/// `GET /metrics`: the process's metrics in Prometheus' text format.
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(telemetry::metrics::handle().render())
}
