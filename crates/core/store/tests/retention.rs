//! Inbound delivery ids are forgotten after the retention, so the log cannot grow without bound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;

#[tokio::test]
async fn deliveries_older_than_the_retention_are_pruned_in_batches_and_newer_ones_kept() {
    let db = testkit::db::fresh().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    diesel::sql_query(
        "INSERT INTO inbound_deliveries (source, delivery_id, received_at) \
         SELECT 'stripe', 'evt_old_' || n, now() - interval '10 days' FROM generate_series(1, 25) n \
         UNION ALL SELECT 'salesforce', 'om_new_' || n, now() - interval '1 hour' FROM generate_series(1, 5) n",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert!(store::inbound::record_delivery(&mut conn, "stripe", "evt_now").await.unwrap());

    let before = Utc::now() - Duration::days(7);
    let mut rounds = Vec::new();
    loop {
        let n = store::inbound::prune_inbound_deliveries(&mut conn, before, 10).await.unwrap();
        if n == 0 {
            break;
        }
        rounds.push(n);
    }
    assert_eq!(rounds, vec![10, 10, 5], "batches of at most 10");
    assert_eq!(store::inbound::count_inbound_deliveries(&mut conn).await.unwrap(), 6, "the recent ones stay");
    assert!(!store::inbound::record_delivery(&mut conn, "stripe", "evt_now").await.unwrap(), "and still dedupe");
}
