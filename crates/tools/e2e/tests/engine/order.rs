//! Created, updated and deleted travel on three topics, so one customer's events arrive in any order and
//! more than once. Whatever the order, every side ends in the same state.

use chrono::Duration;
use model::ExternalCustomer;
use proptest::prelude::*;
use sync_core::Outcome;

use super::*;

/// A Salesforce Contact's history: created, `updates` edits, maybe deleted; one event per change, a
/// second apart.
fn history(updates: usize, deleted: bool, email: &str) -> Vec<CustomerEvent> {
    let start = Utc::now() - Duration::seconds(100);
    let ext = "003000000000099AAA";
    let mut events =
        vec![inbound(sync_salesforce::SALESFORCE, Action::Created, ext, &fields("Version Zero", email), start)];
    for i in 1..=updates {
        let at = start + Duration::seconds(i64::try_from(i).unwrap());
        events.push(inbound(
            sync_salesforce::SALESFORCE,
            Action::Updated,
            ext,
            &fields(&format!("Version {i}"), email),
            at,
        ));
    }
    if deleted {
        let at = start + Duration::seconds(i64::try_from(updates + 1).unwrap());
        events.push(inbound(sync_salesforce::SALESFORCE, Action::Deleted, ext, &fields("Deleted", email), at));
    }
    events
}

async fn run(order: Vec<usize>, updates: usize, deleted: bool) {
    let w = world().await;
    let email = unique_email("order");
    let events = history(updates, deleted, &email);
    for i in &order {
        let outcome = w.salesforce.apply_inbound(&events[*i]).await;
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    let mut conn = w.conn().await;
    let customers = store::customer::list(&mut conn, None, 10).await.unwrap();
    let stripe = testkit::systems::stripe();
    if deleted {
        assert!(customers.is_empty(), "a deletion is final whatever came after it");
    } else {
        assert_eq!(customers.len(), 1, "one customer, however often the created event came");
        let c = &customers[0];
        assert_eq!(c.name, format!("Version {updates}").replace("Version 0", "Version Zero"));
        // And Stripe, fed from the catalog, ends with the same.
        let done = w.stripe.reconcile(&[c.id]).await;
        assert!(matches!(done[&c.id], Ok(Outcome::Applied | Outcome::UpToDate)));
        let in_stripe = testkit::systems::stripe_customers_of(&stripe, c.id).await;
        assert_eq!(in_stripe.len(), 1);
        assert_eq!(in_stripe[0].fields(), c.fields());
    }
}

fn orders() -> impl Strategy<Value = (Vec<usize>, usize, bool)> {
    (1usize..5, any::<bool>()).prop_flat_map(|(updates, deleted)| {
        let n = updates + 1 + usize::from(deleted);
        // Every event at least once, some twice, in any order.
        (proptest::collection::vec(0..n, 0..n), Just((updates, deleted))).prop_flat_map(move |(dups, (u, d))| {
            let mut all: Vec<usize> = (0..n).collect();
            all.extend(dups);
            (Just(all).prop_shuffle(), Just(u), Just(d))
        })
    })
}

#[test]
fn shuffled_and_duplicated_events_end_in_the_same_final_state() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |((order, updates, deleted) in orders())| {
        runtime.block_on(run(order, updates, deleted));
    });
}
