use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use consumer_worker::{HandleError, Handler, WorkerConfig};
use events::{Action, CustomerEvent, Integration, Topic};
use kafka::KafkaSettings;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::watch;
use uuid::Uuid;

/// Records every event it is given; fails the ones listed (retryably or for good).
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(Integration, Uuid)>>,
    retry: Vec<Uuid>,
    reject: Vec<Uuid>,
}

#[async_trait]
impl Handler for Recorder {
    async fn handle(&self, integration: Integration, events: &[CustomerEvent]) -> Vec<Result<(), HandleError>> {
        events
            .iter()
            .map(|event| {
                self.seen.lock().unwrap().push((integration, event.event_id));
                if self.retry.contains(&event.event_id) {
                    return Err(HandleError::Retryable(anyhow::anyhow!("stripe is down")));
                }
                if self.reject.contains(&event.event_id) {
                    return Err(HandleError::Permanent(anyhow::anyhow!("invalid email")));
                }
                Ok(())
            })
            .collect()
    }
}

impl Recorder {
    fn ids(&self) -> Vec<Uuid> {
        self.seen.lock().unwrap().iter().map(|(_, id)| *id).collect()
    }
}

fn event(customer: Uuid) -> CustomerEvent {
    testkit::event::update_event(customer, 1)
}

async fn produce(kafka: &KafkaSettings, topic: Topic, events: &[CustomerEvent]) {
    kafka.ensure_topics(Topic::all()).await.unwrap();
    let producer: FutureProducer = kafka.producer_config().create().unwrap();
    for e in events {
        let name = kafka.topic_name(topic);
        let payload = serde_json::to_string(e).unwrap();
        let key = e.partition_key();
        producer.send(FutureRecord::to(&name).key(&key).payload(&payload), Duration::from_secs(10)).await.unwrap();
    }
}

struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn start(kafka: &KafkaSettings, db: &testkit::db::TestDb, group_prefix: &str, handler: Arc<Recorder>) -> Running {
    let mut config = WorkerConfig::new(&db.url, kafka);
    config.group_prefix = group_prefix.into();
    config.retry_max_ms = 200;
    config.max_attempts = 1000;
    // These tests are about offsets and dead letters in the batch: nothing is parked.
    config.park_after_attempts = 1000;
    start_with(config, handler)
}

fn start_with(config: WorkerConfig, handler: Arc<dyn Handler>) -> Running {
    let (stop, shutdown) = watch::channel(false);
    Running { stop, task: tokio::spawn(consumer_worker::run(config, handler, shutdown)) }
}

impl Running {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

async fn until(timeout: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "condition not reached in {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const UPDATED: Topic = Topic { integration: sync_stripe::STRIPE, action: Action::Updated };

#[tokio::test]
async fn offsets_are_committed_only_after_a_batch_was_handled() {
    let kafka = testkit::kafka::settings();
    let db = crate::fresh_db().await;
    let group = format!("g{}", Uuid::new_v4().simple());
    let customer = Uuid::now_v7();
    let events: Vec<_> = (0..3).map(|_| event(customer)).collect();
    let failing = Arc::new(Recorder { retry: vec![events[1].event_id], ..Default::default() });
    produce(&kafka, UPDATED, &events[..1]).await;
    let worker = start(&kafka, &db, &group, failing.clone());
    until(Duration::from_secs(30), || failing.ids().contains(&events[0].event_id)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // auto-commit of the stored offset
    produce(&kafka, UPDATED, &events[1..]).await;
    until(Duration::from_secs(30), || failing.ids().iter().filter(|id| **id == events[1].event_id).count() >= 2).await;
    worker.stop().await;

    let healthy = Arc::new(Recorder::default());
    let worker = start(&kafka, &db, &group, healthy.clone());
    until(Duration::from_secs(30), || healthy.ids().contains(&events[2].event_id)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    worker.stop().await;
    assert!(!healthy.ids().contains(&events[0].event_id), "a handled batch is not redelivered");
    assert!(healthy.ids().contains(&events[1].event_id), "a batch still failing at shutdown comes back");
}

#[tokio::test]
async fn a_permanently_failing_event_is_dead_lettered_and_the_next_one_handled() {
    let kafka = testkit::kafka::settings();
    let db = crate::fresh_db().await;
    let group = format!("g{}", Uuid::new_v4().simple());
    let customer = Uuid::now_v7();
    let events: Vec<_> = (0..2).map(|_| event(customer)).collect();
    produce(&kafka, UPDATED, &events).await;
    let handler = Arc::new(Recorder { reject: vec![events[0].event_id], ..Default::default() });
    let worker = start(&kafka, &db, &group, handler.clone());
    until(Duration::from_secs(30), || handler.ids().len() >= 2).await;
    worker.stop().await;
    assert_eq!(handler.ids(), [events[0].event_id, events[1].event_id]);
    let mut conn = db.connect().await.unwrap();
    let letters = store::dead_letters::open_dead_letters(&mut conn, Some("stripe")).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_id, Some(events[0].event_id));
    assert!(letters[0].reason.contains("invalid email"), "{}", letters[0].reason);
    assert_eq!(db.count("outbox").await.unwrap(), 1, "the dead letter is on its way to the dead-letter topic");
}

#[tokio::test]
async fn each_integration_consumes_only_its_own_topics() {
    let kafka = testkit::kafka::settings();
    let group = format!("g{}", Uuid::new_v4().simple());
    let to_stripe = event(Uuid::now_v7());
    let to_salesforce = event(Uuid::now_v7());
    produce(&kafka, Topic::new(sync_stripe::STRIPE, Action::Created), std::slice::from_ref(&to_stripe)).await;
    produce(&kafka, Topic::new(sync_salesforce::SALESFORCE, Action::Deleted), std::slice::from_ref(&to_salesforce))
        .await;
    let db = crate::fresh_db().await;
    let handler = Arc::new(Recorder::default());
    let worker = start(&kafka, &db, &group, handler.clone());
    until(Duration::from_secs(30), || handler.ids().len() >= 2).await;
    worker.stop().await;
    let mut seen = handler.seen.lock().unwrap().clone();
    seen.sort_by_key(|(i, _)| *i == sync_salesforce::SALESFORCE);
    assert_eq!(
        seen,
        [(sync_stripe::STRIPE, to_stripe.event_id), (sync_salesforce::SALESFORCE, to_salesforce.event_id)]
    );
}

/// Fails retryably every event of one customer while `failing` is set; records what it was given.
struct Flaky {
    seen: Mutex<Vec<(Uuid, Uuid, bool)>>,
    customer: Uuid,
    failing: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl Handler for Flaky {
    async fn handle(&self, _: Integration, events: &[CustomerEvent]) -> Vec<Result<(), HandleError>> {
        let failing = self.failing.load(std::sync::atomic::Ordering::SeqCst);
        events
            .iter()
            .map(|e| {
                let fails = failing && e.customer_id == Some(self.customer);
                self.seen.lock().unwrap().push((e.customer_id.unwrap(), e.event_id, !fails));
                if fails { Err(HandleError::Retryable(anyhow::anyhow!("its row is locked"))) } else { Ok(()) }
            })
            .collect()
    }
}

impl Flaky {
    fn handled(&self, customer: Uuid) -> Vec<Uuid> {
        self.seen.lock().unwrap().iter().filter(|(c, _, ok)| *c == customer && *ok).map(|(_, e, _)| *e).collect()
    }
}

#[tokio::test]
async fn a_customer_that_keeps_failing_is_parked_the_others_go_on_and_it_resumes_in_order_by_itself() {
    let kafka = testkit::kafka::settings();
    let db = crate::fresh_db().await;
    let (stuck, other) = (Uuid::now_v7(), Uuid::now_v7());
    let handler = Arc::new(Flaky { seen: Mutex::default(), customer: stuck, failing: true.into() });
    let mut config = WorkerConfig::new(&db.url, &kafka);
    config.group_prefix = format!("g{}", Uuid::new_v4().simple());
    config.retry_max_ms = 300;
    let worker = start_with(config, handler.clone());
    let stuck_events: Vec<_> = (0..3).map(|_| event(stuck)).collect();
    produce(&kafka, UPDATED, &stuck_events[..1]).await;
    until(Duration::from_secs(30), || handler.seen.lock().unwrap().len() >= 3).await; // its attempts in the batch
    let started = Instant::now();
    let others: Vec<_> = (0..3).map(|_| event(other)).collect();
    produce(&kafka, UPDATED, &[others[0].clone(), stuck_events[1].clone(), others[1].clone()]).await;
    produce(&kafka, UPDATED, &[stuck_events[2].clone(), others[2].clone()]).await;
    let want_others: Vec<Uuid> = others.iter().map(|e| e.event_id).collect();
    until(Duration::from_secs(10), || handler.handled(other) == want_others).await;
    assert!(started.elapsed() < Duration::from_secs(5), "the others waited {:?}", started.elapsed());
    assert!(handler.handled(stuck).is_empty(), "nothing of the stuck customer got through out of order");
    let mut conn = db.connect().await.unwrap();
    assert_eq!(store::parked::customers(&mut conn, "stripe").await.unwrap(), 1, "the stuck customer is parked");
    handler.failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let want_stuck: Vec<Uuid> = stuck_events.iter().map(|e| e.event_id).collect();
    until(Duration::from_secs(15), || handler.handled(stuck) == want_stuck).await;
    until(Duration::from_secs(5), || true).await;
    worker.stop().await;
    assert_eq!(store::parked::customers(&mut conn, "stripe").await.unwrap(), 0, "nothing is left parked");
    let letters = store::dead_letters::open_dead_letters(&mut conn, Some("stripe")).await.unwrap();
    assert!(letters.is_empty(), "nothing was dead-lettered: {letters:?}");
}
