//! The Salesforce poller against salesforce-sim and PostgreSQL.

use std::sync::Arc;

use consumer_worker::poller::poll_once;

async fn topics(db: &testkit::db::TestDb) -> Vec<String> {
    store::outbox::lane_batch_all(&mut db.connect().await.unwrap()).await
}

use testkit::systems::new_contact as contact;

#[tokio::test]
async fn the_poller_publishes_creates_updates_and_deletes_once_each_even_after_a_long_stop() {
    let db = crate::fresh_db().await;
    let pool = store::db::pool(&db.url, 2).unwrap();
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let sf = testkit::systems::salesforce(&sim);
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "the first poll only sets the cursor");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;

    let a = sf.create_contact(&contact("Ada", "Lovelace")).await.unwrap();
    let carl = sf.create_contact(&contact("Carl", "Sagan")).await.unwrap();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 2);
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "the overlapping window publishes nothing twice");

    // The poller is stopped for a minute while Contacts change.
    let mut changed = contact("Ada", "King");
    changed.email = Some(format!("{}@example.com", uuid::Uuid::new_v4().simple()));
    sf.update_contact(&a, &changed).await.unwrap();
    sim.control.set_clock_offset_secs(30);
    sf.create_contact(&contact("Grace", "Hopper")).await.unwrap();
    sim.control.set_clock_offset_secs(60);
    sf.delete_contact(&carl).await.unwrap();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 3, "every change arrives");
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "none twice");
    assert_eq!(
        topics(&db).await,
        [
            "salesforce-customer-created",
            "salesforce-customer-created",
            "salesforce-customer-updated",
            "salesforce-customer-created",
            "salesforce-customer-deleted"
        ]
    );
}

#[tokio::test]
async fn the_products_own_writes_are_not_published_by_the_poller() {
    let db = crate::fresh_db().await;
    let pool = store::db::pool(&db.url, 2).unwrap();
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let sf = testkit::systems::salesforce(&sim);
    poll_once(&pool, &sf).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // A local customer, pushed to Salesforce by the engine.
    let fields = model::CustomerFields {
        name: "Local Customer".into(),
        email: format!("{}@example.com", uuid::Uuid::new_v4().simple()),
        phone: None,
    };
    let c = store::catalog::create(&mut db.connect().await.unwrap(), &fields, &store::ChangeContext::local(None))
        .await
        .unwrap();
    let engine = sync_core::Engine::new(pool.clone(), Arc::new(sync_salesforce::SalesforceConnector::new(sf.clone())));
    engine.reconcile(&[c.id]).await[&c.id].clone().unwrap();
    let before = topics(&db).await.len();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "the product's own write is not news");
    assert_eq!(topics(&db).await.len(), before);
}

#[tokio::test]
async fn an_earlier_own_write_read_by_a_poll_after_a_later_one_was_synced_is_not_published() {
    let db = crate::fresh_db().await;
    let pool = store::db::pool(&db.url, 2).unwrap();
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let sf = testkit::systems::salesforce(&sim);
    poll_once(&pool, &sf).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let fields = model::CustomerFields { name: "First Write".into(), email, phone: None };
    let mut conn = db.connect().await.unwrap();
    let c = store::catalog::create(&mut conn, &fields, &store::ChangeContext::local(None)).await.unwrap();
    let engine = sync_core::Engine::new(pool.clone(), Arc::new(sync_salesforce::SalesforceConnector::new(sf.clone())));
    engine.reconcile(&[c.id]).await[&c.id].clone().unwrap();
    // The next local change is synced as far as the link goes (another worker is pushing it) while the
    // Contact still holds the first write: a poll now reads our first write, not the synced fields.
    let later = model::CustomerFields { name: "Second Write".into(), ..fields.clone() };
    let link = store::links::links(&mut conn, "salesforce", &[c.id]).await.unwrap().remove(0);
    let pushed = store::links::Pushed::Upserted {
        external_id: link.external_id.clone().unwrap(),
        fields: later,
        version: c.version + 1,
    };
    store::links::record_push(&mut conn, "salesforce", c.id, &pushed).await.unwrap();
    let before = topics(&db).await.len();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "our own earlier write is not news");
    assert_eq!(topics(&db).await.len(), before);
}

/// Salesforce as the engine sees it when a push lands but its outcome cannot be recorded (PostgreSQL
/// restarting, the worker killed right after the call): the push is carried out (`lands`) and reported as
/// failed, so the link keeps the older synced fields. With `lands` false the push fails before it is sent.
struct UnrecordedPushes {
    inner: sync_salesforce::SalesforceConnector,
    lands: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl sync_core::Connector for UnrecordedPushes {
    fn integration(&self) -> events::Integration {
        self.inner.integration()
    }

    fn normalize(&self, fields: &model::CustomerFields) -> model::CustomerFields {
        self.inner.normalize(fields)
    }

    async fn push(&self, requests: &[sync_core::PushRequest]) -> Vec<sync_core::PushResult> {
        if self.lands.load(std::sync::atomic::Ordering::SeqCst) {
            self.inner.push(requests).await;
        }
        let lost = || Err(sync_core::PushError::Retryable("the outcome could not be recorded".into()));
        requests.iter().map(|_| lost()).collect()
    }
}

#[tokio::test]
async fn a_push_that_landed_while_it_could_not_be_recorded_is_not_published_even_after_a_later_one_was_planned() {
    let db = crate::fresh_db().await;
    let pool = store::db::pool(&db.url, 2).unwrap();
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let sf = testkit::systems::salesforce(&sim);
    poll_once(&pool, &sf).await.unwrap();
    let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
    let fields = model::CustomerFields { name: "First Write".into(), email, phone: None };
    let mut conn = db.connect().await.unwrap();
    let local = store::ChangeContext::local(None);
    let c = store::catalog::create(&mut conn, &fields, &local).await.unwrap();
    let engine = sync_core::Engine::new(pool.clone(), Arc::new(sync_salesforce::SalesforceConnector::new(sf.clone())));
    engine.reconcile(&[c.id]).await[&c.id].clone().unwrap();
    let patch = |name: &str| store::CustomerPatch { name: Some(name.into()), ..Default::default() };

    // Version 2 reaches Salesforce, later than the slack after the last recorded push, and is not recorded.
    sim.control.set_clock_offset_secs(5);
    store::catalog::update(&mut conn, c.id, &patch("Second Write"), None, &local).await.unwrap();
    let connector =
        Arc::new(UnrecordedPushes { inner: sync_salesforce::SalesforceConnector::new(sf.clone()), lands: true.into() });
    let unrecorded = sync_core::Engine::new(pool.clone(), connector.clone());
    assert!(unrecorded.reconcile(&[c.id]).await[&c.id].is_err(), "the engine saw the push fail");
    let contact = sf.find_contact_by_customer_id(&c.id.to_string()).await.unwrap().unwrap();
    assert_eq!(contact.last_name.as_deref(), Some("Write"), "version 2 is in Salesforce");
    assert_eq!(contact.first_name.as_deref(), Some("Second"));
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "our unrecorded write is not news");

    // Version 3 is planned (its intent recorded) but not sent yet: Salesforce still holds version 2.
    store::catalog::update(&mut conn, c.id, &patch("Third Write"), None, &local).await.unwrap();
    connector.lands.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(unrecorded.reconcile(&[c.id]).await[&c.id].is_err());
    sf.update_contact(&contact.id.clone().unwrap(), &contact).await.unwrap(); // modified again, same fields
    let before = topics(&db).await.len();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 0, "still ours while a later push is pending");
    assert_eq!(topics(&db).await.len(), before);

    // Someone else's change is still news.
    let mut theirs = contact.clone();
    theirs.first_name = Some("Someone's".into());
    sf.update_contact(&contact.id.clone().unwrap(), &theirs).await.unwrap();
    assert_eq!(poll_once(&pool, &sf).await.unwrap(), 1, "a foreign change is published");

    // Once a push is recorded, the intents are gone.
    engine.reconcile(&[c.id]).await[&c.id].clone().unwrap();
    let link = store::links::links(&mut conn, "salesforce", &[c.id]).await.unwrap().remove(0);
    assert_eq!(link.push_intents, None);
}
