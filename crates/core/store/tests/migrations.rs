//! Migrations are reversible: up, down, up again on a real database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    let db = testkit::db::empty().await.unwrap();
    store::db::migrate(&db.url).await.unwrap();
    assert_eq!(db.count("customers").await.unwrap(), 0, "tables exist after up");
    store::db::revert_all(&db.url).await.unwrap();
    assert!(db.count("customers").await.is_err(), "tables are gone after down");
    store::db::migrate(&db.url).await.unwrap();
    assert_eq!(db.count("outbox").await.unwrap(), 0, "tables exist after up again");
}
