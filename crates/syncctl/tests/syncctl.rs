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
    assert!(model::access::key_prefix(key).is_some(), "a well-formed key is printed: {key}");

    let listed = stdout(&syncctl(&db, &["keys", "list"]));
    let line = listed.lines().find(|l| l.contains("billing")).expect("the key is listed");
    assert!(line.contains(&key[..12]) && line.contains("editor") && line.contains("active"), "{line}");
    assert!(!listed.contains(&key[13..]), "the secret is never listed");
    let id = line.split_whitespace().next().unwrap();

    assert!(stdout(&syncctl(&db, &["keys", "revoke", id])).contains("revoked"));
    let listed = stdout(&syncctl(&db, &["keys", "list"]));
    assert!(listed.lines().any(|l| l.contains("billing") && l.contains("revoked")), "{listed}");

    let mut conn = db.connect().await.unwrap();
    let trail = model::access::list_audit(&mut conn, &Default::default()).await.unwrap();
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
