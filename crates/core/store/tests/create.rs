//! A create is one prepared statement, kept per connection: the customer, its events and the audit row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use model::fields::CustomerFields;
use store::access::NewAuditEvent;
use store::{ChangeContext, catalog};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).await.unwrap().n
}

/// Every change goes to each registered system; the store names none, so its tests make up two.
fn two_systems() {
    events::Integration::register(&[events::Integration::new("alpha"), events::Integration::new("beta")]).unwrap();
}

fn fields(email: &str) -> CustomerFields {
    CustomerFields { name: "Ada Lovelace".into(), email: email.into(), phone: Some("+44 20 7946 0000".into()) }
}

#[tokio::test]
async fn creates_on_one_connection_share_one_prepared_statement_and_write_customer_events_and_audit_row() {
    two_systems();
    let db = testkit::db::fresh().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let audit = NewAuditEvent {
        actor: "key:test".into(),
        role: Some("editor".into()),
        action: "POST /v1/customers".into(),
        target: None,
        status: 201,
        outcome: "ok".into(),
        remote_addr: Some("127.0.0.1".into()),
        forwarded_for: None,
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
    };
    let with_audit = ChangeContext { audit: Some(audit), ..ChangeContext::local(None) };
    let first = catalog::create(&mut conn, &fields("ada@example.com"), &with_audit).await.unwrap();
    let second = catalog::create(&mut conn, &fields("ada.l@example.com"), &ChangeContext::local(None)).await.unwrap();

    assert_eq!((first.version, first.phone.as_deref()), (1, Some("+44 20 7946 0000")));
    assert_ne!(first.id, second.id);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM customers").await, 2);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM outbox").await, 4, "two events per create");
    // Only the create that carried an audit row wrote one, naming the new customer.
    let audited =
        format!("SELECT count(*) AS n FROM audit_events WHERE target = 'id={}' AND trace_id IS NOT NULL", first.id);
    assert_eq!(count(&mut conn, &audited).await, 1);
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM audit_events").await, 1);
    // Both creates ran the same statement, prepared once on this connection (an uncached statement is closed
    // after its use and would not be listed).
    let prepared =
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'WITH c AS (INSERT INTO customers%'";
    assert_eq!(count(&mut conn, prepared).await, 1);
}

#[tokio::test]
async fn a_create_with_a_taken_email_is_refused_and_writes_nothing() {
    two_systems();
    let db = testkit::db::fresh().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    catalog::create(&mut conn, &fields("grace@example.com"), &ChangeContext::local(None)).await.unwrap();
    let err = catalog::create(&mut conn, &fields("grace@example.com"), &ChangeContext::local(None)).await.unwrap_err();
    assert!(matches!(err, catalog::CatalogError::EmailTaken), "{err:?}");
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM outbox").await, 2);
}
