//! Span export over OTLP/HTTP, on the real binaries: a collector of the test's own receives the api's and
//! the worker's spans, in the traces that the JSON logs name, and the last of them arrive when SIGTERM stops
//! the binaries (the batch delay is set far beyond the test, so only the flush at shutdown can send them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::e2e::{Inbound, System};

/// What the collector was sent: (path, content type, body) per request.
type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A bare OTLP/HTTP receiver on a free port: stores every request, answers 200 with an empty export
/// response. Requests carry a Content-Length (the exporter posts whole protobuf bodies).
async fn collector() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let mut conn = BufReader::new(socket);
                loop {
                    let mut request_line = String::new();
                    if conn.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                    let (mut length, mut content_type) = (0usize, String::new());
                    loop {
                        let mut line = String::new();
                        if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            match name.trim().to_ascii_lowercase().as_str() {
                                "content-length" => length = value.trim().parse().unwrap_or(0),
                                "content-type" => content_type = value.trim().to_owned(),
                                _ => {}
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if conn.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    store.lock().unwrap().push((path, content_type, body));
                    let ok = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if conn.get_mut().write_all(ok.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, received)
}

/// An exported span, with its resource's `service.name`.
#[derive(Debug, Clone)]
struct Exported {
    service: String,
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    attributes: HashMap<String, String>,
}

fn decode(received: &Received) -> Vec<Exported> {
    let mut spans = Vec::new();
    for (path, content_type, body) in received.lock().unwrap().iter() {
        assert_eq!(path, "/v1/traces");
        assert_eq!(content_type, "application/x-protobuf");
        let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP protobuf export");
        for resource_spans in request.resource_spans {
            let attributes = resource_spans.resource.map(|r| r.attributes).unwrap_or_default();
            let service = strings(&attributes).remove("service.name").unwrap_or_default();
            for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
                spans.push(Exported {
                    service: service.clone(),
                    name: span.name,
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    attributes: strings(&span.attributes),
                });
            }
        }
    }
    spans
}

fn strings(attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue]) -> HashMap<String, String> {
    attributes
        .iter()
        .filter_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some((kv.key.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

/// Ids as the logs and `traceparent` write them: lowercase hex (empty for no parent).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_api_and_the_worker_export_their_spans_in_the_trace_the_logs_carry() {
    let (endpoint, received) = collector().await;
    let mut overrides: Vec<(String, String)> =
        ["API_LOG_JSON", "WORKER_LOG_JSON"].map(|k| (k.to_owned(), "true".to_owned())).to_vec();
    overrides.push(("OTEL_EXPORTER_OTLP_ENDPOINT".into(), endpoint));
    overrides.push(("OTEL_BSP_SCHEDULE_DELAY".into(), "600000".into()));
    let inbound = Inbound { outbound_messages: true, ..Default::default() };
    let mut system = System::start_with(inbound, overrides).await;
    // A change made through the api in the caller's trace, and one made in Salesforce: its Outbound Message,
    // a webhook without a traceparent, starts a trace.
    let trace = "5af7183fb1d4cf5f2f3c0e8d7a6b5c4d";
    let caller_span = "00f067aa0ba902b7";
    system.traced_changes(&format!("00-{trace}-{caller_span}-01"), "otlp").await;
    system.silence().await;
    // Fewer spans than a batch (512) so far, and the delay is 10 minutes: nothing is sent before SIGTERM.
    assert!(received.lock().unwrap().is_empty(), "nothing is exported before the batch delay or a shutdown");

    for name in ["api", "consumer-worker", "producer-relay"] {
        let status = system.terminate(name).await;
        assert!(status.success(), "{name} stops cleanly on SIGTERM, got {status}");
    }
    let spans = decode(&received);
    assert!(!spans.is_empty(), "the spans were flushed at shutdown");

    // The api's request span continues the caller's trace; the worker's spans continue the api's.
    let request = spans
        .iter()
        .find(|s| s.service == "api" && s.name == "request" && s.trace_id == trace)
        .unwrap_or_else(|| panic!("the api's request span in the caller's trace: {spans:#?}"));
    assert_eq!(request.parent_span_id, caller_span, "the caller's span is its parent");
    assert_eq!(request.attributes.get("trace_id").map(String::as_str), Some(trace));
    let mut pushed: Vec<&str> = spans
        .iter()
        .filter(|s| s.service == "consumer-worker" && s.name == "event" && s.trace_id == trace)
        .inspect(|s| assert_eq!(s.parent_span_id, request.span_id, "the worker's span is a child of the request's"))
        .map(|s| s.attributes["integration"].as_str())
        .collect();
    pushed.sort();
    assert_eq!(pushed, ["salesforce", "stripe"], "one span per event, in the request's trace: {spans:#?}");

    // The Outbound Message's trace: the api's root span, the worker's inbound span under it, and the push to
    // Stripe that the inbound change caused under that; its id is the one the logs carry.
    let lines: Vec<Value> = system.logs().lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let om_trace = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/webhooks/salesforce/outbound-messages/{token}")
        .and_then(|l| l["span"]["trace_id"].as_str())
        .expect("the Outbound Message's request line")
        .to_owned();
    let om = spans
        .iter()
        .find(|s| s.service == "api" && s.name == "request" && s.trace_id == om_trace)
        .unwrap_or_else(|| panic!("the Outbound Message's request span in the logged trace {om_trace}: {spans:#?}"));
    assert_eq!(om.parent_span_id, "", "a webhook without a traceparent starts a trace");
    let worker_span = |integration: &str, parent: &str| {
        spans.iter().find(|s| {
            s.service == "consumer-worker"
                && s.name == "event"
                && s.trace_id == om_trace
                && s.attributes.get("integration").map(String::as_str) == Some(integration)
                && s.parent_span_id == parent
        })
    };
    let applied = worker_span("salesforce", &om.span_id)
        .unwrap_or_else(|| panic!("the worker's inbound span under the Outbound Message's: {spans:#?}"));
    assert!(worker_span("stripe", &applied.span_id).is_some(), "the push to Stripe under the inbound span: {spans:#?}");
    assert!(
        lines.iter().any(|l| l["message"] == "pushed to the system"
            && l["integration"] == "stripe"
            && l["trace_id"] == om_trace.as_str()),
        "and the worker logged that push in the same trace"
    );
}
