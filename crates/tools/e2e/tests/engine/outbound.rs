use model::ExternalCustomer;
use store::catalog::{self, ChangeContext, CustomerPatch};
use sync_core::{Outcome, PushRequest, Upsert};

use super::*;

#[tokio::test]
async fn a_local_create_update_and_delete_reach_salesforce_and_stripe() {
    let w = world().await;
    let c = w.create_locally(&fields("Ada Lovelace", &unique_email("ada"))).await;
    for engine in [&w.salesforce, &w.stripe] {
        assert_eq!(engine.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    }
    let contact = w.contact_of(c.id).await.expect("the contact exists");
    assert_eq!((contact.first_name.as_deref(), contact.last_name.as_deref()), (Some("Ada"), Some("Lovelace")));
    let stripe = testkit::systems::stripe();
    assert_eq!(testkit::systems::stripe_customers_of(&stripe, c.id).await[0].fields(), c.fields());

    let patch = CustomerPatch { name: Some("Ada King".into()), ..Default::default() };
    let (c2, _) = catalog::update(&mut w.conn().await, c.id, &patch, None, &ChangeContext::local(None)).await.unwrap();
    for engine in [&w.salesforce, &w.stripe] {
        assert_eq!(engine.reconcile(&[c.id, c.id]).await[&c.id], Ok(Outcome::Applied));
        assert_eq!(engine.reconcile(&[c.id]).await[&c.id], Ok(Outcome::UpToDate), "a second event changes nothing");
    }
    assert_eq!(w.contact_of(c.id).await.unwrap().fields(), c2.fields());
    assert_eq!(testkit::systems::stripe_customers_of(&stripe, c.id).await[0].fields(), c2.fields());

    catalog::delete(&mut w.conn().await, c.id, None, &ChangeContext::local(None)).await.unwrap();
    for engine in [&w.salesforce, &w.stripe] {
        assert_eq!(engine.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
        assert_eq!(engine.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Stale), "deleted stays deleted");
    }
    assert!(w.contact_of(c.id).await.is_none(), "the contact is in the recycle bin");
    assert!(testkit::systems::stripe_customers_of(&stripe, c.id).await.is_empty());
}

#[tokio::test]
async fn a_create_replayed_after_the_worker_died_before_storing_the_link_makes_no_twin() {
    let w = world().await;
    let c = w.create_locally(&fields("Grace Hopper", &unique_email("grace"))).await;
    let stripe = testkit::systems::stripe();
    // The worker records its intent, Stripe creates the customer, and the worker dies before storing the link.
    let link =
        store::links::intend_create(&mut w.conn().await, "stripe", c.id, &c.fields(), c.version, uuid::Uuid::now_v7())
            .await
            .unwrap();
    let (key, f, version) = link.pending().unwrap();
    let connector = sync_stripe::StripeConnector::new(&testkit::systems::stripe_config(), 1).unwrap();
    let request =
        PushRequest::Upsert(Upsert { customer_id: c.id, external_id: None, fields: f, version, key, replay: false });
    let first = sync_core::Connector::push(&connector, &[request]).await;
    assert!(first[0].is_ok());
    // The event is delivered again, now coalesced with an update.
    let patch = CustomerPatch { phone: Some(Some("+1 555 0100".into())), ..Default::default() };
    catalog::update(&mut w.conn().await, c.id, &patch, None, &ChangeContext::local(None)).await.unwrap();
    assert_eq!(w.stripe.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let twins = testkit::systems::stripe_customers_of(&stripe, c.id).await;
    assert_eq!(twins.len(), 1, "one Stripe customer, not two");
    assert_eq!(twins[0].phone.as_deref(), Some("+1 555 0100"), "and it holds the latest state");
}

#[tokio::test]
async fn two_hundred_customers_go_to_salesforce_in_one_collection_call() {
    let w = world().await;
    let mut ids = Vec::new();
    for i in 0..200 {
        ids.push(w.create_locally(&fields(&format!("Customer {i}"), &unique_email("bulk"))).await.id);
    }
    let (before, _) = w.sim.control.api_usage();
    let done = w.salesforce.reconcile(&ids).await;
    let (after, _) = w.sim.control.api_usage();
    assert!(done.values().all(|r| *r == Ok(Outcome::Applied)));
    // One upsert collection, plus the token request which is not an API call.
    assert_eq!(after - before, 1, "200 records, one API call");
}

#[tokio::test]
async fn a_name_too_long_for_salesforce_is_split_by_the_documented_rule() {
    let w = world().await;
    let name = format!("{} {} Lovelace", "A".repeat(30), "B".repeat(20));
    let c = w.create_locally(&fields(&name, &unique_email("long"))).await;
    assert_eq!(w.salesforce.reconcile(&[c.id]).await[&c.id], Ok(Outcome::Applied));
    let contact = w.contact_of(c.id).await.unwrap();
    assert_eq!(contact.first_name.as_deref(), Some("A".repeat(30).as_str()));
    assert_eq!(contact.fields().name, name);
}

#[tokio::test]
async fn one_record_refused_by_salesforce_fails_alone() {
    let w = world().await;
    let good = w.create_locally(&fields("Good One", &unique_email("good"))).await;
    let bad = w.create_locally(&fields("Bad One", &unique_email("bad"))).await;
    // Another record already holds the external id value of `bad` with different casing rules? Simplest
    // refusal: make the contact's email invalid for Salesforce by editing the catalog row directly.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE customers SET email = 'not an email' WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(bad.id),
        &mut w.conn().await,
    )
    .await
    .unwrap();
    let done = w.salesforce.reconcile(&[good.id, bad.id]).await;
    assert_eq!(done[&good.id], Ok(Outcome::Applied));
    assert!(
        matches!(&done[&bad.id], Err(sync_core::Failure::Permanent(m)) if m.contains("INVALID_EMAIL_ADDRESS")),
        "{:?}",
        done[&bad.id]
    );
    let links = store::links::links_of(&mut w.conn().await, bad.id).await.unwrap();
    assert!(links[0].last_error.as_deref().is_some_and(|e| e.contains("INVALID_EMAIL_ADDRESS")));
}
