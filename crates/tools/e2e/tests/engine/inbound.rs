use chrono::Duration;
use model::ExternalCustomer;
use store::catalog::{self, ChangeContext, CustomerPatch};
use sync_core::{Failure, Outcome};

use super::*;

const SF: Integration = sync_salesforce::SALESFORCE;

#[tokio::test]
async fn a_salesforce_created_contact_becomes_a_customer_that_fans_out_to_stripe_only() {
    let w = world().await;
    let f = fields("Katherine Johnson", &unique_email("kj"));
    let event = inbound(SF, Action::Created, "003000000000001AAA", &f, Utc::now());
    assert_eq!(w.salesforce.apply_inbound(&event).await, Ok(Outcome::Applied));
    let mut conn = w.conn().await;
    let c = store::customer::list(&mut conn, None, 10).await.unwrap().pop().unwrap();
    assert_eq!(c.fields(), f);
    let rows = store::outbox::lane_batch_all(&mut conn).await;
    assert_eq!(rows, ["stripe-customer-created"], "the change goes to Stripe, never back to Salesforce");
    assert_eq!(w.salesforce.apply_inbound(&event).await, Ok(Outcome::UpToDate), "a redelivery changes nothing");
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let stripe = testkit::systems::stripe_customers_of(&testkit::systems::stripe(), c.id).await;
    assert_eq!(stripe[0].fields(), f);
}

#[tokio::test]
async fn an_inbound_contact_with_a_known_email_links_the_customer_instead_of_creating_a_twin() {
    let w = world().await;
    let email = unique_email("twin");
    let c = w.create_locally(&fields("Mary Jackson", &email)).await;
    let event =
        inbound(SF, Action::Created, "003000000000002AAA", &fields("Mary Jackson", &email.to_uppercase()), Utc::now());
    assert_eq!(w.salesforce.apply_inbound(&event).await, Ok(Outcome::Applied));
    assert_eq!(store::customer::count(&mut w.conn().await).await.unwrap(), 1);
    let links = store::links::links_of(&mut w.conn().await, c.id).await.unwrap();
    assert_eq!(links[0].external_id.as_deref(), Some("003000000000002AAA"));
}

#[tokio::test]
async fn an_inbound_change_equal_to_the_catalog_writes_nothing_and_emits_nothing() {
    let w = world().await;
    let c = w.create_locally(&fields("Dorothy Vaughan", &unique_email("dv"))).await;
    assert_eq!(w.salesforce.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let contact = w.contact_of(c.id).await.unwrap();
    let outbox_before = w.db.count("outbox").await.unwrap();
    // The echo of the product's own write.
    let echo = inbound(SF, Action::Updated, contact.id.as_deref().unwrap(), &contact.fields(), Utc::now());
    assert_eq!(w.salesforce.apply_inbound(&echo).await, Ok(Outcome::UpToDate));
    assert_eq!(w.customer(c.id).await.unwrap().version, c.version);
    assert_eq!(w.db.count("outbox").await.unwrap(), outbox_before);
}

#[tokio::test]
async fn an_older_inbound_change_is_dropped_as_stale() {
    let w = world().await;
    let email = unique_email("stale");
    let now = Utc::now();
    let newer = inbound(SF, Action::Updated, "003000000000003AAA", &fields("New Name", &email), now);
    let older =
        inbound(SF, Action::Updated, "003000000000003AAA", &fields("Old Name", &email), now - Duration::seconds(5));
    assert_eq!(w.salesforce.apply_inbound(&newer).await, Ok(Outcome::Applied));
    assert_eq!(w.salesforce.apply_inbound(&older).await, Ok(Outcome::Stale));
    let c = store::customer::list(&mut w.conn().await, None, 1).await.unwrap().pop().unwrap();
    assert_eq!(c.name, "New Name");
}

#[tokio::test]
async fn a_change_older_than_the_catalogs_latest_local_change_is_stale() {
    let w = world().await;
    let c = w.create_locally(&fields("Local Wins", &unique_email("lww"))).await;
    let event = inbound(
        SF,
        Action::Updated,
        "003000000000004AAA",
        &fields("Remote Loses", &c.email),
        c.changed_at - Duration::seconds(2),
    );
    assert_eq!(w.salesforce.apply_inbound(&event).await, Ok(Outcome::Stale));
    assert_eq!(w.customer(c.id).await.unwrap().name, "Local Wins");
}

#[tokio::test]
async fn a_deleted_customer_never_comes_back_from_a_late_event() {
    let w = world().await;
    let email = unique_email("gone");
    let created = inbound(SF, Action::Created, "003000000000005AAA", &fields("Gone Soon", &email), Utc::now());
    w.salesforce.apply_inbound(&created).await.unwrap();
    let deleted = inbound(SF, Action::Deleted, "003000000000005AAA", &fields("Gone Soon", &email), Utc::now());
    assert_eq!(w.salesforce.apply_inbound(&deleted).await, Ok(Outcome::Applied));
    assert_eq!(store::customer::count(&mut w.conn().await).await.unwrap(), 0);
    let late = inbound(SF, Action::Updated, "003000000000005AAA", &fields("Back Again", &email), Utc::now());
    assert_eq!(w.salesforce.apply_inbound(&late).await, Ok(Outcome::Stale));
    assert_eq!(store::customer::count(&mut w.conn().await).await.unwrap(), 0);
}

#[tokio::test]
async fn inbound_fields_get_the_apis_validation_and_a_refusal_is_permanent() {
    let w = world().await;
    let event = inbound(SF, Action::Created, "003000000000006AAA", &fields("No Email", "not-an-address"), Utc::now());
    assert!(matches!(w.salesforce.apply_inbound(&event).await, Err(Failure::Permanent(m)) if m.contains("email")));
    assert_eq!(store::customer::count(&mut w.conn().await).await.unwrap(), 0);
    assert_eq!(w.db.count("processed_events").await.unwrap(), 0, "the refusal rolled back: a replay may try again");
}

#[tokio::test]
async fn a_change_made_in_stripe_before_the_product_overwrote_it_wins_and_goes_back_to_stripe() {
    let w = world().await;
    let c = w.create_locally(&fields("Original Name", &unique_email("race"))).await;
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let stripe = testkit::systems::stripe();
    let cus = testkit::systems::stripe_customers_of(&stripe, c.id).await.remove(0);
    // Someone edits in Stripe; a moment later a local edit is pushed over it (the worker saw it first).
    let edited_in_stripe_at = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let patch = CustomerPatch { name: Some("Local Edit".into()), ..Default::default() };
    catalog::update(&mut w.conn().await, c.id, &patch, None, &ChangeContext::local(None)).await.unwrap();
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    // Now the Stripe edit's webhook arrives. It is older than the local edit: stale, Stripe already holds the
    // local edit, and everything agrees.
    let mut event =
        inbound(sync_stripe::STRIPE, Action::Updated, &cus.id, &fields("Stripe Edit", &c.email), edited_in_stripe_at);
    event.customer_id = Some(c.id);
    assert_eq!(w.stripe.apply_inbound(&event).await, Ok(Outcome::Stale));
    assert_eq!(w.customer(c.id).await.unwrap().name, "Local Edit");

    // A Stripe edit newer than the local change but older than the product's push: it wins in the catalog and
    // is sent back to Stripe, which the push had overwritten.
    let patch = CustomerPatch { name: Some("Second Local Edit".into()), ..Default::default() };
    catalog::update(&mut w.conn().await, c.id, &patch, None, &ChangeContext::local(None)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let stripe_edit_at = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let mut event =
        inbound(sync_stripe::STRIPE, Action::Updated, &cus.id, &fields("Stripe Edit", &c.email), stripe_edit_at);
    event.customer_id = Some(c.id);
    assert_eq!(w.stripe.apply_inbound(&event).await, Ok(Outcome::Applied));
    assert_eq!(w.customer(c.id).await.unwrap().name, "Stripe Edit");
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied), "sent back to Stripe");
    let now_in_stripe = testkit::systems::stripe_customers_of(&stripe, c.id).await.remove(0);
    assert_eq!(now_in_stripe.name.as_deref(), Some("Stripe Edit"));
}

#[tokio::test]
async fn two_stripe_changes_within_one_second_end_in_what_stripe_holds_whichever_arrives_last() {
    let w = world().await;
    let sim = stripe_sim::spawn(stripe_sim::SimConfig::default()).await.unwrap();
    let config = stripe_client::StripeConfig {
        rate_limit: 1000.0,
        ..stripe_client::StripeConfig::new(sim.url.clone(), stripe_client::ApiKey::new("sk_test_1"))
    };
    let engine = Engine::new(
        store::db::pool(&w.db.url, 2).unwrap(),
        Arc::new(sync_stripe::StripeConnector::new(&config, 2).unwrap()),
    );
    let client = stripe_client::StripeClient::new(&config).unwrap();
    let email = unique_email("same-second");
    let key = || stripe_client::IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    let params = stripe_client::CustomerParams {
        name: Some("First Name".into()),
        email: Some(email.clone()),
        ..Default::default()
    };
    let cus = client.create_customer(&params, &key()).await.unwrap().body;
    let params = stripe_client::CustomerParams { name: Some("Second Name".into()), ..Default::default() };
    client.update_customer(&cus.id, &params, &key()).await.unwrap();
    // Stripe's times are whole seconds: both events carry the same one, and the update's arrives first.
    let at = DateTime::from_timestamp(cus.created, 0).unwrap();
    let updated = inbound(sync_stripe::STRIPE, Action::Updated, &cus.id, &fields("Second Name", &email), at);
    let created = inbound(sync_stripe::STRIPE, Action::Created, &cus.id, &fields("First Name", &email), at);
    assert_eq!(engine.apply_inbound(&updated).await, Ok(Outcome::Applied));
    engine.apply_inbound(&created).await.unwrap();
    let all = store::customer::list(&mut w.conn().await, None, 10).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "Second Name", "the late created event did not bring the first name back");
}
