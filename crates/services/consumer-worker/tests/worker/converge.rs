//! What keeps the sync converging when something slipped through: the group lag that shows partitions
//! nobody consumes, and the anti-entropy pass that repairs drift however it was caused.

use std::time::Duration;

use consumer_worker::WorkerConfig;
use events::Topic;
use model::ExternalCustomer;
use rdkafka::producer::{FutureProducer, FutureRecord};
use stripe_client::{CustomerParams, IdempotencyKey};
use uuid::Uuid;

use crate::e2e::{Inbound, System, email, eventually};

#[tokio::test]
async fn the_group_lag_counts_messages_on_partitions_that_no_consumer_holds() {
    let db = crate::fresh_db().await;
    let kafka = testkit::kafka::settings();
    kafka.ensure_all_topics().await.unwrap();
    let producer: FutureProducer = kafka.producer_config().create().unwrap();
    let topic = kafka.topic_name(Topic::new(sync_stripe::STRIPE, events::Action::Updated));
    for i in 0..7 {
        let key = format!("customer-{i}");
        producer.send(FutureRecord::to(&topic).key(&key).payload("{}"), Duration::from_secs(10)).await.unwrap();
    }
    let mut config = WorkerConfig::new(&db.url, &kafka);
    config.group_prefix = format!("lag{}", uuid::Uuid::new_v4().simple());
    let topics: Vec<String> = Topic::of(sync_stripe::STRIPE).map(|t| kafka.topic_name(t)).collect();
    let consumer = config.consumer_config(sync_stripe::STRIPE);
    let lags =
        tokio::task::spawn_blocking(move || consumer_worker::lag::read_once(consumer, &topics)).await.unwrap().unwrap();
    let partitions = lags.iter().filter(|(t, _, _)| *t == topic).count();
    assert_eq!(partitions as i32, kafka.partitions, "every partition is reported, assigned or not: {lags:?}");
    let total: i64 = lags.iter().filter(|(t, _, _)| *t == topic).map(|(_, _, lag)| lag).sum();
    assert_eq!(total, 7, "nobody consumed the seven messages: {lags:?}");
}

#[tokio::test]
async fn drift_made_behind_the_syncs_back_is_repaired_by_the_anti_entropy_pass() {
    let overrides = vec![("WORKER_ANTI_ENTROPY_SECS".to_owned(), "1".to_owned())];
    let system = System::start_with(Inbound::default(), overrides).await;
    let t = Duration::from_secs(30);
    let created = system.create("Ada Lovelace", &email("drift")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("the customer reaches both systems", t, || async {
        system.contact(&id).await.is_some() && system.stripe(&id).await.len() == 1
    })
    .await;
    // A change that bypasses the outbox (a hand-made UPDATE, a restored backup): nothing announces it.
    let mut conn = system.db.connect().await.unwrap();
    let sql = format!("UPDATE customers SET name = 'Ada King' WHERE id = '{id}'");
    diesel_async::RunQueryDsl::execute(diesel::sql_query(sql), &mut conn).await.unwrap();
    eventually("the anti-entropy pass pushes the catalog's state to both systems", t, || async {
        let contact = system.contact(&id).await;
        let stripe = system.stripe(&id).await;
        contact.is_some_and(|c| c.last_name.as_deref() == Some("King") && c.first_name.as_deref() == Some("Ada"))
            && stripe.first().and_then(|c| c.name.clone()).as_deref() == Some("Ada King")
    })
    .await;
    let metrics = reqwest::get(&system.worker_metrics).await.unwrap().text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("anti_entropy_repairs_total{") && l.contains("kind=\"different\"")),
        "the repair is counted"
    );
}

#[tokio::test]
async fn stripe_changes_made_while_the_api_is_down_for_a_minute_and_never_delivered_reach_the_catalog_and_salesforce() {
    let mut system = System::start().await;
    let t = Duration::from_secs(30);
    let kept = system.create("Ada Lovelace", &email("kept")).await["id"].as_str().unwrap().to_owned();
    let gone = system.create("Alan Turing", &email("gone")).await["id"].as_str().unwrap().to_owned();
    eventually("both reach both systems", t, || async {
        let mut ok = true;
        for id in [&kept, &gone] {
            ok &= system.contact(id).await.is_some() && system.stripe(id).await.len() == 1;
        }
        ok
    })
    .await;
    // The api goes down, and Stripe's webhooks are lost for good (the endpoint points nowhere): only the
    // catch-up can bring these changes.
    system.kill("api");
    let api_down = std::time::Instant::now();
    system.silence().await;
    let stripe = system.stripe_client();
    let foreign = || IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    let cus = system.stripe(&kept).await.remove(0);
    let params = CustomerParams { name: Some("Ada King".into()), ..Default::default() };
    stripe.update_customer(&cus.id, &params, &foreign()).await.unwrap();
    let cus = system.stripe(&gone).await.remove(0);
    stripe.delete_customer(&cus.id, &foreign()).await.unwrap();
    let new_email = email("made-in-stripe");
    let params =
        CustomerParams { name: Some("Grace Hopper".into()), email: Some(new_email.clone()), ..Default::default() };
    stripe.create_customer(&params, &foreign()).await.unwrap();
    eventually("the update reaches Salesforce with the api down", t, || async {
        system.contact(&kept).await.is_some_and(|c| c.fields().name == "Ada King")
    })
    .await;
    eventually("the deletion reaches Salesforce", t, || async { system.contact(&gone).await.is_none() }).await;
    // The api stays down for a minute, as in an outage, before it comes back.
    tokio::time::sleep(Duration::from_secs(60).saturating_sub(api_down.elapsed())).await;
    system.spawn("api");
    let made = system.id_by_email(&new_email, t, "the customer made in Stripe is in the catalog").await;
    eventually("and in Salesforce", t, || async { system.contact(&made).await.is_some() }).await;
    assert_eq!(system.get(&kept).await.unwrap()["name"], "Ada King");
    assert!(system.get(&gone).await.is_none(), "the deletion reached the catalog");
    let webhooks = system.stripe_sim().control.delivery_counters();
    println!("webhook deliveries while silenced: {webhooks:?}");
}
