//! The product under failure, end to end: poison messages and dead letters, concurrent edits, a flaky
//! Salesforce and a frozen Stripe.

use std::process::{Command, Stdio};
use std::time::Duration;

use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION, Topic};
use model::ExternalCustomer;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;
use stripe_client::{CustomerParams, IdempotencyKey};
use uuid::Uuid;

use crate::e2e::{Inbound, System, email, eventually};

fn salesforce_event(contact_id: &str, name: &str, address: &str) -> CustomerEvent {
    CustomerEvent {
        event_id: Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action: Action::Created,
        origin: Origin::System(sync_salesforce::SALESFORCE),
        customer_id: None,
        external_id: Some(contact_id.to_owned()),
        customer: Some(CustomerSnapshot { name: name.into(), email: address.into(), phone: None, version: None }),
        occurred_at: chrono::Utc::now(),
        delivery_id: None,
    }
}

/// Runs `syncctl` (the operators' CLI) over the system's database; returns what it printed.
fn syncctl(system: &System, args: &[&str]) -> String {
    let out = Command::new(crate::e2e::binary("syncctl"))
        .args(args)
        .env("SYNCCTL_DATABASE_URL", &system.db.url)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "syncctl {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_the_others_flow_and_a_replay_delivers_it_once_fixed() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    // An undecodable message on a Salesforce topic.
    let producer: FutureProducer = system.kafka.producer_config().create().unwrap();
    let topic = system.kafka.topic_name(Topic::new(sync_salesforce::SALESFORCE, Action::Updated));
    producer.send(FutureRecord::to(&topic).key("poison").payload("{not json"), Duration::from_secs(10)).await.unwrap();
    // An event that fails for good: its email belongs to a customer already linked to another Contact.
    let address = email("conflict");
    let mut conn = system.db.connect().await.unwrap();
    let taken = system.create("Already Here", &address).await;
    let taken_id = taken["id"].as_str().unwrap().to_owned();
    eventually("the first customer is linked in Salesforce", t, || async { system.contact(&taken_id).await.is_some() })
        .await;
    let conflicting = salesforce_event("003Sm00000000ZZAAA", "Someone Else", &address);
    let conflict_topic = Topic::new(sync_salesforce::SALESFORCE, Action::Created);
    store::outbox::enqueue(&mut conn, conflict_topic, &conflicting, None).await.unwrap();
    // And ordinary traffic behind them.
    let after = system.create("After The Poison", &email("after")).await;
    let after_id = after["id"].as_str().unwrap().to_owned();
    eventually("later events keep flowing", t, || async { system.contact(&after_id).await.is_some() }).await;

    let letters = testkit::kafka::read_named(&system.kafka, &["salesforce-customer-dlq".to_owned()], 2, t).await;
    assert_eq!(letters.len(), 2, "both on the dead-letter topic");
    let poison = letters.iter().find(|m| m.key == "poison").expect("the poison message");
    assert!(poison.headers["dlq-reason"].contains("undecodable"), "{:?}", poison.headers);
    assert_eq!(poison.headers["dlq-original-topic"], "salesforce-customer-updated");
    let conflict = letters.iter().find(|m| m.key != "poison").expect("the conflicting event");
    assert!(conflict.headers["dlq-reason"].contains("already linked"), "{:?}", conflict.headers);
    let listed = syncctl(&system, &["dlq", "list", "--integration", "salesforce"]);
    assert_eq!(listed.lines().count(), 3, "a header and the two letters: {listed}");

    // Fix the cause (the other customer is deleted), then replay: the event is applied.
    let r = system.http.delete(format!("{}/v1/customers/{taken_id}", system.api_url)).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let replayed = syncctl(&system, &["dlq", "replay", "--integration", "salesforce"]);
    assert!(replayed.contains("replayed 1"), "the event is replayed, the garbage stays: {replayed}");
    eventually("the replayed Contact reaches the catalog", t, || async {
        system.customers().await.iter().any(|c| c["email"] == address.as_str() && c["name"] == "Someone Else")
    })
    .await;
    system.silence().await;
}

#[tokio::test]
async fn concurrent_edits_locally_and_in_stripe_converge_on_all_three() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    let created = system.create("Before Both Edits", &email("both")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("linked in Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;
    eventually("linked in Salesforce", t, || async { system.contact(&id).await.is_some() }).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let cus = system.stripe(&id).await.remove(0);
    let stripe = system.stripe_client();
    let params = CustomerParams { name: Some("Edited In Stripe".into()), ..Default::default() };
    let key = IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    let (local, remote) = tokio::join!(
        system
            .http
            .patch(format!("{}/v1/customers/{id}", system.api_url))
            .json(&json!({"name": "Edited Locally"}))
            .send(),
        stripe.update_customer(&cus.id, &params, &key),
    );
    assert_eq!(local.unwrap().status(), 200);
    remote.unwrap();
    eventually("all three agree", Duration::from_secs(40), || async {
        let catalog = system.get(&id).await.unwrap()["name"].as_str().unwrap().to_owned();
        let in_stripe = system.stripe(&id).await.first().and_then(|c| c.name.clone());
        let in_salesforce = system.contact(&id).await.map(|c| c.fields().name);
        in_stripe.as_deref() == Some(catalog.as_str()) && in_salesforce.as_deref() == Some(catalog.as_str())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = system.get(&id).await.unwrap();
    assert!(["Edited Locally", "Edited In Stripe"].contains(&settled["name"].as_str().unwrap()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(system.get(&id).await.unwrap()["version"], settled["version"], "and stays put");
    system.silence().await;
}

#[tokio::test]
async fn a_flaky_salesforce_with_expiring_tokens_and_a_frozen_stripe_converge_once_the_faults_stop() {
    let overrides = vec![
        ("STRIPE_TIMEOUT_MS".to_owned(), "1000".to_owned()),
        ("STRIPE_MAX_RETRIES".to_owned(), "1".to_owned()),
        ("WORKER_MAX_ATTEMPTS".to_owned(), "1000".to_owned()),
    ];
    let system = System::start_with(Inbound::default(), overrides).await;
    system.sim.control.set_faults(salesforce_sim::Faults {
        server_unavailable_rate: 0.1,
        unable_to_lock_row_rate: 0.1,
        ..Default::default()
    });
    let frozen = stripe_sim::Faults { frozen: true, ..Default::default() };
    system.stripe_sim().control.set_faults(frozen);
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(system.create(&format!("Faulty {i}"), &email("faulty")).await["id"].as_str().unwrap().to_owned());
        if i == 20 {
            system.sim.control.expire_tokens();
        }
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    system.stripe_sim().control.set_faults(stripe_sim::Faults::default());
    system.sim.control.set_faults(salesforce_sim::Faults::default());
    let stripe = system.stripe_client();
    eventually("every customer reaches both systems", Duration::from_secs(90), || async {
        let all = stripe.list_all_customers(&Default::default()).await.unwrap_or_default();
        let in_stripe = ids
            .iter()
            .filter(|id| all.iter().any(|c| c.local_id().map(|u| u.to_string()).as_ref() == Some(*id)))
            .count();
        let mut in_salesforce = 0;
        for id in &ids {
            if system.contact(id).await.is_some() {
                in_salesforce += 1;
            }
        }
        in_stripe == ids.len() && in_salesforce == ids.len()
    })
    .await;
    let all = stripe.list_all_customers(&Default::default()).await.unwrap();
    assert_eq!(all.len(), ids.len(), "no Stripe customer twice");
    assert_eq!(system.db.count("dead_letters").await.unwrap(), 0, "nothing had to be dead-lettered");
}

#[tokio::test]
async fn killing_the_relay_and_the_api_mid_delivery_loses_nothing_and_duplicates_nothing() {
    let inbound = Inbound { outbound_messages: true, callouts: true, poll: false };
    let mut system = System::start_with(inbound, Vec::new()).await;
    let t = Duration::from_secs(60);
    // Local creates while the relay is killed and restarted.
    let mut local = Vec::new();
    for i in 0..30 {
        local.push(
            system.create(&format!("Relay Crash {i}"), &email("relaycrash")).await["id"].as_str().unwrap().to_owned(),
        );
        if i == 10 {
            system.kill("producer-relay");
        }
        if i == 20 {
            system.spawn("producer-relay");
        }
    }
    // Contacts made in Salesforce while the api is killed mid-delivery and restarted.
    let someone = testkit::systems::salesforce_as(&system.sim, "sales-team-app");
    let mut emails = Vec::new();
    for i in 0..20 {
        let address = email("apicrash");
        let contact = salesforce_client::SalesforceContact {
            first_name: Some("Api".into()),
            last_name: Some(format!("Crash{i}")),
            email: Some(address.clone()),
            ..Default::default()
        };
        someone.create_contact(&contact).await.unwrap();
        emails.push(address);
        if i == 5 {
            system.kill("api");
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    system.spawn("api");
    let stripe = system.stripe_client();
    eventually("every change reaches every system", t, || async {
        let data = system.customers().await;
        let from_salesforce = emails.iter().filter(|e| data.iter().any(|c| c["email"] == e.as_str())).count();
        let all = stripe.list_all_customers(&Default::default()).await.unwrap();
        let ids: Vec<String> = data.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
        let in_stripe = ids
            .iter()
            .filter(|id| all.iter().any(|c| c.local_id().map(|u| u.to_string()).as_ref() == Some(*id)))
            .count();
        from_salesforce == emails.len() && data.len() == local.len() + emails.len() && in_stripe == ids.len()
    })
    .await;
    let all = stripe.list_all_customers(&Default::default()).await.unwrap();
    for c in &system.customers().await {
        let id = c["id"].as_str().unwrap();
        let twins = all.iter().filter(|s| s.local_id().map(|u| u.to_string()).as_deref() == Some(id)).count();
        assert_eq!(twins, 1, "one Stripe customer for {id}");
        assert!(system.contact(id).await.is_some() || emails.contains(&c["email"].as_str().unwrap().to_owned()));
    }
    for address in &emails {
        assert_eq!(someone.find_contacts_by_email(address).await.unwrap().len(), 1, "one Contact for {address}");
    }
    for id in &local {
        assert!(system.contact(id).await.is_some(), "{id} reached Salesforce");
    }
    system.silence().await;
}
