//! The Outbound Message SOAP envelope and the listener's Ack.

use serde_json::Value;

use crate::push::Pending;
use crate::record::Record;
use crate::schema::Schema;

/// Identity of the org and action that the envelope names.
pub struct Envelope<'a> {
    pub org_id: &'a str,
    pub action_id: &'a str,
    pub instance_url: &'a str,
    pub api_version: &'a str,
}

/// Builds `<notifications>` with one `<Notification>` per pending item, each carrying the record's
/// current values (every Contact field; null values as `xsi:nil="true"`).
pub fn envelope(env: &Envelope<'_>, schema: &Schema, items: &[(Pending, Option<Record>)]) -> String {
    let org15 = &env.org_id[..env.org_id.len().min(15)];
    let mut xml = String::with_capacity(1024 + items.len() * 1500);
    xml.push_str(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" "#,
        r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
        r#"<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">"#
    ));
    push_el(&mut xml, "OrganizationId", env.org_id);
    push_el(&mut xml, "ActionId", env.action_id);
    xml.push_str(r#"<SessionId xsi:nil="true"/>"#);
    let base = format!("{}/services/Soap", env.instance_url);
    push_el(&mut xml, "EnterpriseUrl", &format!("{base}/c/{}/{org15}", env.api_version));
    push_el(&mut xml, "PartnerUrl", &format!("{base}/u/{}/{org15}", env.api_version));
    for (pending, record) in items {
        notification(&mut xml, schema, pending, record.as_ref());
    }
    xml.push_str("</notifications></soapenv:Body></soapenv:Envelope>");
    xml
}

fn notification(xml: &mut String, schema: &Schema, pending: &Pending, record: Option<&Record>) {
    xml.push_str("<Notification>");
    push_el(xml, "Id", &pending.notification_id);
    xml.push_str(r#"<sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">"#);
    for field in &schema.fields {
        let value = record.and_then(|r| r.get(&field.name)).unwrap_or(&Value::Null);
        let name = format!("sf:{}", field.name);
        match value {
            Value::Null if field.name == "Id" => push_el(xml, &name, &pending.record_id),
            Value::Null => xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#)),
            Value::String(s) => push_el(xml, &name, s),
            other => push_el(xml, &name, &other.to_string()),
        }
    }
    xml.push_str("</sObject></Notification>");
}

fn push_el(xml: &mut String, name: &str, text: &str) {
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    escape_into(xml, text);
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

fn escape_into(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            c => xml.push(c),
        }
    }
}

/// Whether a listener's response body Acks the message (`<Ack>true</Ack>`, any namespace prefix).
pub fn is_ack(body: &str) -> bool {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("Ack>true</")
}
