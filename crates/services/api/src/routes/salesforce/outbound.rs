//! POST /webhooks/salesforce/outbound-messages/{token}: Salesforce Outbound Messages about Contacts.
//!
//! - The token in the path must be `API_SALESFORCE_OUTBOUND_TOKEN` (403 otherwise) and the message's
//!   `OrganizationId` the configured org (403): Salesforce does not sign Outbound Messages, so the secret URL
//!   (over HTTPS) and the org id are the proof. Unconfigured: 503. Nothing is stored when refused.
//! - The SOAP body (`notifications`, up to 100 `Notification`s) is read with an XML parser. A body that is not
//!   such a message gets a SOAP fault (500, as SOAP 1.1 prescribes) and changes nothing.
//! - Each notification is recorded by its Id and its Contact enqueued (created when CreatedDate equals
//!   LastModifiedDate, else updated; source time SystemModstamp) in one transaction; `<Ack>true</Ack>` is
//!   answered only after the commit, so Salesforce redelivers anything not stored. A redelivered notification
//!   is acknowledged and writes nothing.
//! - Outbound Messages do not say who made the change: the org's rule excludes the integration user (README),
//!   and a change equal to what the product last synced is a no-op downstream.

use actix_web::{HttpResponse, web};
use roxmltree::{Document, Node};
use salesforce_client::SalesforceContact;
use serde_json::{Map, Value};

use super::{SalesforceInbound, store};
use crate::extract::Trace;
use crate::routes::stripe_webhook::read_body_limited;
use crate::state::AppState;

/// 100 notifications of a Contact are about 150 KiB.
const MAX_BODY: usize = 1024 * 1024;
const MAX_NOTIFICATIONS: usize = 100;
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A SOAP Outbound Message about Contacts.
///
/// Every answer is SOAP: `<Ack>true</Ack>` once stored, a fault otherwise.
#[utoipa::path(
    post,
    path = "/webhooks/salesforce/outbound-messages/{token}",
    tag = "webhooks",
    params(("token" = String, Path, description = "The secret of the URL (`API_SALESFORCE_OUTBOUND_TOKEN`)")),
    request_body(content = String, description = "An Outbound Message of up to 100 notifications",
        content_type = "text/xml"),
    responses(
        (status = 200, description = "Stored (or a redelivery): `<Ack>true</Ack>`", body = String,
            content_type = "text/xml"),
        (status = 403, description = "An unknown token, or a message from another org", body = String,
            content_type = "text/xml"),
        (status = 413, description = "The message is over 1 MiB", body = String, content_type = "text/xml"),
        (status = 500, description = "Not an Outbound Message, or it could not be stored (a SOAP fault is a 500 in \
            SOAP 1.1; Salesforce redelivers)", body = String, content_type = "text/xml"),
        (status = 503, description = "Outbound Messages are not configured", body = String,
            content_type = "text/xml"),
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), notifications))]
pub async fn receive(
    state: web::Data<AppState>,
    settings: web::Data<SalesforceInbound>,
    token: web::Path<String>,
    payload: web::Payload,
    trace: Trace,
) -> HttpResponse {
    match settings.token_matches(&token) {
        None => return fault(503, "Outbound Messages are not configured"),
        Some(false) => return fault(403, "unknown endpoint token"),
        Some(true) => {}
    }
    let Ok(body) = read_body_limited(payload, MAX_BODY).await else {
        return fault(413, "the message is too large");
    };
    let message = match std::str::from_utf8(&body).map_err(|e| e.to_string()).and_then(|t| parse(t, &settings)) {
        Ok(m) => m,
        Err(reason) => return fault(500, &reason),
    };
    match settings.org_matches(&message.org_id) {
        None => return fault(503, "the Salesforce org id is not configured"),
        Some(false) => return fault(403, "the message is from another org"),
        Some(true) => {}
    }
    tracing::Span::current().record("notifications", message.deliveries.len());
    let stored = match state.conn().await {
        Ok(mut conn) => store(&mut conn, &message.deliveries, trace.0.as_str()).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok(first) => {
            tracing::info!(new = first, "salesforce outbound message stored");
            let result = if first > 0 { "published" } else { "duplicate" };
            metrics::counter!("inbound_deliveries_total", "source" => "salesforce_outbound_message", "result" => result)
                .increment(1);
            HttpResponse::Ok().content_type("text/xml; charset=utf-8").body(ACK)
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store an outbound message; Salesforce will redeliver");
            fault(500, "not stored; retry later")
        }
    }
}

const ACK: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
    r#"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>"#,
    r#"</notificationsResponse></soapenv:Body></soapenv:Envelope>"#
);

fn fault(status: u16, reason: &str) -> HttpResponse {
    // Only unavailability is the server's fault; a refused or malformed message is the client's.
    let code = if status > 500 { "soapenv:Server" } else { "soapenv:Client" };
    let body = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<soapenv:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring></soapenv:Fault>"#,
            r#"</soapenv:Body></soapenv:Envelope>"#
        ),
        code,
        escape(reason)
    );
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).content_type("text/xml; charset=utf-8").body(body)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A parsed message: the org and each notification's id with the event to publish.
pub struct Message {
    org_id: String,
    deliveries: Vec<(String, Option<events::CustomerEvent>)>,
}

/// Reads an Outbound Message (public for the fuzz harness, crates/tools/fuzz).
pub fn parse(text: &str, settings: &SalesforceInbound) -> Result<Message, String> {
    let doc = Document::parse(text).map_err(|e| format!("not XML: {e}"))?;
    let notifications = doc
        .descendants()
        .find(|n| n.has_tag_name("notifications"))
        .ok_or("not an Outbound Message: no notifications element")?;
    let org_id = child_text(notifications, "OrganizationId").ok_or("no OrganizationId")?;
    let items: Vec<Node<'_, '_>> = notifications.children().filter(|n| n.has_tag_name("Notification")).collect();
    if items.is_empty() || items.len() > MAX_NOTIFICATIONS {
        return Err(format!("a message carries 1 to {MAX_NOTIFICATIONS} notifications, not {}", items.len()));
    }
    let mut deliveries = Vec::with_capacity(items.len());
    for item in items {
        let id = child_text(item, "Id").ok_or("a notification without an Id")?;
        let object = item.children().find(|n| n.has_tag_name("sObject")).ok_or("a notification without an sObject")?;
        let contact = SalesforceContact::from_json(Value::Object(fields(object)), &settings.external_id_field)
            .map_err(|e| format!("notification {id}: {e}"))?;
        let action = match sync_salesforce::inbound::action_of(&contact) {
            events::Action::Deleted => events::Action::Updated,
            a => a,
        };
        let event = sync_salesforce::inbound::contact_event(&contact, action, &id, chrono::Utc::now())
            .ok_or_else(|| format!("notification {id}: the sObject has no Id"))?;
        deliveries.push((id, Some(event)));
    }
    Ok(Message { org_id, deliveries })
}

fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name).and_then(|n| n.text()).map(str::to_owned)
}

/// The sObject's fields as Salesforce JSON: nil elements as null, booleans as booleans.
fn fields(object: Node<'_, '_>) -> Map<String, Value> {
    object
        .children()
        .filter(Node::is_element)
        .map(|n| {
            let value = if n.attribute((XSI, "nil")) == Some("true") {
                Value::Null
            } else {
                match n.text().unwrap_or_default() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    t => Value::String(t.to_owned()),
                }
            };
            (n.tag_name().name().to_owned(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by scripts/fuzz: roxmltree before 0.21.2 recursed once per level of nesting, so a body of about
    /// 30 KB of `<a>` overflowed the stack of an actix worker thread (2 MiB) and aborted the whole process.
    #[test]
    fn deeply_nested_xml_is_refused_without_exhausting_a_worker_threads_stack() {
        let settings = SalesforceInbound::from_config(&crate::config::ApiConfig::for_database("postgres://unused"));
        let depth = 100_000; // 300 and 700 KB, within MAX_BODY
        let open_only = format!("<notifications>{}", "<a>".repeat(depth));
        let closed = format!(
            "<notifications><OrganizationId>00D</OrganizationId><Notification><Id>04l</Id><sObject><Id>003</Id>\
             <LastName>{}x{}</LastName></sObject></Notification></notifications>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        let worker = std::thread::Builder::new().stack_size(2 * 1024 * 1024);
        let parsed = worker
            .spawn(move || (parse(&open_only, &settings).err(), parse(&closed, &settings).map(|m| m.deliveries.len())))
            .expect("a thread")
            .join()
            .expect("no stack overflow, no panic");
        assert!(parsed.0.as_deref().is_some_and(|e| e.starts_with("not XML")), "{:?}", parsed.0);
        assert_eq!(parsed.1, Ok(1), "a nested field is read as empty text");
    }
}
