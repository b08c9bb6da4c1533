use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use reqwest::Method;
use salesforce_sim::SimConfig;
use serde_json::json;

use crate::helpers::{config, eventually, start_with};

const ACK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;

/// (Salesforce-Signature header, body) of each request received.
type Received = Arc<Mutex<Vec<(Option<String>, String)>>>;

/// A listener that records each request (headers of interest and body) and refuses the first `refuse` Acks.
#[derive(Clone, Default)]
struct Listener {
    received: Received,
    refuse: Arc<Mutex<usize>>,
}

impl Listener {
    async fn start(&self) -> String {
        let me = self.clone();
        let server = HttpServer::new(move || {
            let me = me.clone();
            App::new().default_service(web::to(move |req: actix_web::HttpRequest, body: String| {
                let me = me.clone();
                async move {
                    let sig = req.headers().get("Salesforce-Signature").and_then(|h| h.to_str().ok()).map(String::from);
                    me.received.lock().unwrap().push((sig, body));
                    let mut refuse = me.refuse.lock().unwrap();
                    if *refuse > 0 {
                        *refuse -= 1;
                        return HttpResponse::InternalServerError().body("busy");
                    }
                    HttpResponse::Ok().content_type("text/xml").body(ACK)
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        tokio::spawn(server.run());
        format!("http://{addr}/listener")
    }

    fn bodies(&self) -> Vec<String> {
        self.received.lock().unwrap().iter().map(|(_, b)| b.clone()).collect()
    }
}

/// sObject field name → text, or None for `xsi:nil`.
type Fields = Vec<(String, Option<String>)>;

/// The OrganizationId, and (notification id, fields) of each Notification.
fn parse(xml: &str) -> (String, Vec<(String, Fields)>) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let out_ns = "http://soap.sforce.com/2005/09/outbound";
    let xsi = "http://www.w3.org/2001/XMLSchema-instance";
    let notifications = doc.descendants().find(|n| n.has_tag_name((out_ns, "notifications"))).expect("notifications");
    let org = notifications
        .children()
        .find(|n| n.has_tag_name((out_ns, "OrganizationId")))
        .and_then(|n| n.text())
        .unwrap()
        .to_owned();
    let items = notifications
        .children()
        .filter(|n| n.has_tag_name((out_ns, "Notification")))
        .map(|n| {
            let id = n.children().find(|c| c.has_tag_name((out_ns, "Id"))).and_then(|c| c.text()).unwrap().to_owned();
            let sobject = n.children().find(|c| c.has_tag_name((out_ns, "sObject"))).unwrap();
            assert_eq!(sobject.attribute((xsi, "type")), Some("sf:Contact"));
            let fields = sobject
                .children()
                .filter(|c| c.is_element())
                .map(|c| {
                    assert_eq!(c.tag_name().namespace(), Some("urn:sobject.enterprise.soap.sforce.com"));
                    let nil = c.attribute((xsi, "nil")) == Some("true");
                    (c.tag_name().name().to_owned(), if nil { None } else { Some(c.text().unwrap_or("").to_owned()) })
                })
                .collect();
            (id, fields)
        })
        .collect();
    (org, items)
}

fn field<'a>(fields: &'a [(String, Option<String>)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
}

#[tokio::test]
async fn an_outbound_message_parses_into_the_fields_sent_and_is_redelivered_until_acked() {
    let listener = Listener::default();
    *listener.refuse.lock().unwrap() = 1;
    let url = listener.start().await;
    let t =
        start_with(SimConfig { outbound_url: Some(url), push_retry_initial: Duration::from_millis(100), ..config() })
            .await;
    let id = t.create(json!({"FirstName": "Ada", "LastName": "Lovelace & Co <1>", "Email": "ada@example.com", "Customer_Id__c": "c-42"})).await;
    eventually("a redelivery after the refused Ack", || async { listener.bodies().len() >= 2 }).await;
    eventually("the queue drained", || async { t.sim.control.snapshot()["outbound"]["delivered"] == 1 }).await;
    let bodies = listener.bodies();
    let (org, first) = parse(&bodies[0]);
    let (_, second) = parse(&bodies[1]);
    assert_eq!(org, t.sim.control.org_id());
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0, second[0].0, "the same Notification Id on redelivery");
    assert!(first[0].0.starts_with("04l"));
    let fields = &second[0].1;
    assert_eq!(field(fields, "Id"), Some(id.as_str()));
    assert_eq!(field(fields, "FirstName"), Some("Ada"));
    assert_eq!(field(fields, "LastName"), Some("Lovelace & Co <1>"));
    assert_eq!(field(fields, "Email"), Some("ada@example.com"));
    assert_eq!(field(fields, "Customer_Id__c"), Some("c-42"));
    assert_eq!(field(fields, "Phone"), None);
    assert!(field(fields, "SystemModstamp").is_some_and(|s| s.ends_with("+0000")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listener.bodies().len(), 2, "no delivery after the Ack");
}

#[tokio::test]
async fn changes_are_batched_up_to_100_per_message_and_the_excluded_client_is_not_pushed() {
    let listener = Listener::default();
    *listener.refuse.lock().unwrap() = 1;
    let url = listener.start().await;
    let t = start_with(SimConfig {
        outbound_url: Some(url),
        exclude_client: Some("customer-sync".into()),
        push_retry_initial: Duration::from_millis(300),
        ..config()
    })
    .await;
    t.create_many(150, "Batch").await;
    let own = t
        .http
        .post(format!("{}/sobjects/Contact", t.base))
        .bearer_auth(&t.token)
        .header("Sforce-Call-Options", "client=customer-sync")
        .json(&json!({"LastName": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 201);
    eventually("all 150 delivered", || async { t.sim.control.snapshot()["outbound"]["delivered"] == 150 }).await;
    let counts: Vec<usize> = listener.bodies().iter().map(|b| parse(b).1.len()).collect();
    assert!(counts.iter().all(|&c| c <= 100), "{counts:?}");
    let names: Vec<String> = listener
        .bodies()
        .iter()
        .skip(1)
        .flat_map(|b| parse(b).1)
        .filter_map(|(_, f)| field(&f, "LastName").map(String::from))
        .collect();
    assert_eq!(names.len(), 150);
    assert!(!names.iter().any(|n| n == "Mine"));
}

#[tokio::test]
async fn the_json_callout_is_signed_and_covers_deletes() {
    let listener = Listener::default();
    let url = listener.start().await;
    let t = start_with(SimConfig { callout_url: Some(url), callout_secret: Some("s3cret".into()), ..config() }).await;
    let id = t.create(json!({"LastName": "Callout"})).await;
    t.json(Method::DELETE, &format!("/sobjects/Contact/{id}"), None).await;
    eventually("two callouts", || async { listener.received.lock().unwrap().len() >= 2 }).await;
    let received = listener.received.lock().unwrap().clone();
    let types: Vec<String> = received
        .iter()
        .map(|(sig, body)| {
            let sig = sig.clone().expect("signed");
            let t: i64 = sig.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
            assert_eq!(sig, salesforce_sim::sign_callout("s3cret", t, body.as_bytes()));
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["recordId"], id.as_str());
            v["changeType"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(types, ["CREATE", "DELETE"]);
}
