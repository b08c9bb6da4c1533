//! `syncctl` as an operator runs it: a real process over a real database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn syncctl(db: &testkit::db::TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syncctl"))
        .args(args)
        .env("SYNCCTL_DATABASE_URL", &db.url)
        .env("USER", "ops-alice")
        .output()
        .expect("syncctl runs")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "syncctl failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[tokio::test]
async fn keys_are_created_listed_and_revoked_from_the_command_line_and_audited() {
    let db = testkit::db::fresh().await.unwrap();
    let key =
        stdout(&syncctl(&db, &["keys", "create", "--name", "billing", "--role", "editor", "--expires-in-days", "30"]));
    let key = key.trim();
    assert!(store::access::key_prefix(key).is_some(), "a well-formed key is printed: {key}");

    let listed = stdout(&syncctl(&db, &["keys", "list"]));
    let line = listed.lines().find(|l| l.contains("billing")).expect("the key is listed");
    assert!(line.contains(&key[..12]) && line.contains("editor") && line.contains("active"), "{line}");
    assert!(!listed.contains(&key[13..]), "the secret is never listed");
    let id = line.split_whitespace().next().unwrap();

    assert!(stdout(&syncctl(&db, &["keys", "revoke", id])).contains("revoked"));
    let listed = stdout(&syncctl(&db, &["keys", "list"]));
    assert!(listed.lines().any(|l| l.contains("billing") && l.contains("revoked")), "{listed}");

    let mut conn = db.connect().await.unwrap();
    let trail = store::access::list_audit(&mut conn, &Default::default()).await.unwrap();
    let actions: Vec<_> = trail.iter().rev().map(|e| (e.actor.as_str(), e.action.as_str())).collect();
    assert_eq!(actions, [("cli:ops-alice", "syncctl keys create"), ("cli:ops-alice", "syncctl keys revoke")]);
}

#[tokio::test]
async fn bad_arguments_are_refused_with_a_clear_message_and_change_nothing() {
    let db = testkit::db::fresh().await.unwrap();
    let o = syncctl(&db, &["keys", "create", "--name", "x", "--role", "root"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown role"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = syncctl(&db, &["keys", "revoke", &uuid::Uuid::new_v4().to_string()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no key with id"));
    let o = syncctl(&db, &["dlq", "list", "--integration", "quickbooks"]);
    assert!(!o.status.success());
    assert_eq!(db.count("api_keys").await.unwrap(), 0);
    assert_eq!(db.count("audit_events").await.unwrap(), 0);
}

#[tokio::test]
async fn migrate_brings_an_empty_database_up_to_date() {
    let db = testkit::db::empty().await.unwrap();
    assert!(db.count("api_keys").await.is_err());
    assert!(stdout(&syncctl(&db, &["migrate"])).contains("migrations applied"));
    assert_eq!(db.count("api_keys").await.unwrap(), 0);
}

#[tokio::test]
async fn an_integration_is_paused_and_resumed_from_the_command_line_and_status_shows_it() {
    let db = testkit::db::fresh().await.unwrap();
    let out = stdout(&syncctl(&db, &["pause", "stripe", "--reason", "Stripe maintenance"]));
    assert!(out.contains("paused stripe"), "{out}");
    let mut conn = db.connect().await.unwrap();
    let paused = store::controls::paused(&mut conn).await.unwrap();
    assert_eq!(paused.len(), 1);
    assert_eq!((paused[0].integration.as_str(), paused[0].paused_by.as_str()), ("stripe", "cli:ops-alice"));
    let status = stdout(&syncctl(&db, &["status"]));
    let line = status.lines().find(|l| l.starts_with("stripe")).unwrap();
    assert!(line.contains("paused since") && line.contains("cli:ops-alice: Stripe maintenance"), "{status}");
    assert!(status.lines().any(|l| l.starts_with("salesforce") && l.contains("running")), "{status}");

    assert!(stdout(&syncctl(&db, &["resume", "stripe"])).contains("resumed stripe"));
    assert!(stdout(&syncctl(&db, &["resume", "stripe"])).contains("was not paused"));
    assert!(store::controls::paused(&mut conn).await.unwrap().is_empty());
    assert!(!syncctl(&db, &["pause", "quickbooks"]).status.success(), "an unknown integration is refused");
}

#[tokio::test]
async fn a_dead_letter_is_shown_in_full() {
    let db = testkit::db::fresh().await.unwrap();
    let mut conn = db.connect().await.unwrap();
    let letter = store::dead_letters::NewDeadLetter {
        integration: "stripe".into(),
        topic: "stripe-customer-updated".into(),
        partition_key: "k1".into(),
        customer_id: None,
        event_id: None,
        headers: serde_json::json!({"origin": "local"}),
        payload: r#"{"not":"an event"}"#.into(),
        reason: "undecodable event: missing field `type`".into(),
        attempts: 1,
    };
    store::dead_letters::add_dead_letters(&mut conn, &[letter]).await.unwrap();
    let listed = stdout(&syncctl(&db, &["dlq", "list"]));
    let id = listed.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let shown = stdout(&syncctl(&db, &["dlq", "show", &id]));
    for expected in [
        "(open)",
        "stripe-customer-updated (key k1)",
        "undecodable event",
        "\"origin\":\"local\"",
        "\"not\": \"an event\"",
    ] {
        assert!(shown.contains(expected), "{expected:?} in {shown}");
    }
    assert!(!syncctl(&db, &["dlq", "show", "999999"]).status.success());
}
