//! The whole system run with every secret configured and debug logging: the captured logs of all three
//! binaries hold none of the secrets and none of the customers' email addresses.

use std::time::Duration;

use serde_json::json;

use crate::e2e::{CALLOUT_SECRET, Inbound, OM_TOKEN, SECRET, System, email, eventually};

#[tokio::test]
async fn the_logs_of_every_binary_hold_no_secret_and_no_customer_email() {
    let debug = "info,api=debug,producer_relay=debug,consumer_worker=debug,sync_core=debug,sync_stripe=debug,\
                 sync_salesforce=debug,stripe_client=debug,salesforce_client=debug,model=debug,events=debug";
    let inbound = Inbound { outbound_messages: true, ..Default::default() };
    let system = System::start_with(inbound, vec![("RUST_LOG".into(), debug.into())]).await;
    let t = Duration::from_secs(30);

    // A local customer reaches both systems, and is changed.
    let local = email("secret-local");
    let created = system.create("Ada Lovelace", &local).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("the customer reaches Salesforce", t, || async { system.contact(&id).await.is_some() }).await;
    eventually("the customer reaches Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;
    let changed = email("secret-changed");
    let r = system.http.patch(format!("{}/v1/customers/{id}", system.api_url)).json(&json!({"email": changed}));
    assert_eq!(r.send().await.unwrap().status(), 200);
    eventually("the change reaches Stripe", t, || async {
        system.stripe(&id).await.first().is_some_and(|c| c.email.as_deref() == Some(changed.as_str()))
    })
    .await;

    // A Contact made in Salesforce reaches the catalog through an Outbound Message.
    let mut contact = testkit::systems::new_contact("Katherine", "Johnson");
    let remote = email("secret-remote");
    contact.email = Some(remote.clone());
    testkit::systems::salesforce_as(&system.sim, "sales-team-app").create_contact(&contact).await.unwrap();
    let remote_id = system.id_by_email(&remote, t, "the Contact did not reach the catalog").await;
    eventually("the Contact reaches Stripe", t, || async { system.stripe(&remote_id).await.len() == 1 }).await;

    // Refused and invalid requests carrying personal data and credentials.
    let bad_key = format!("csk_Ab12Cd34_{}", "S".repeat(40));
    let refused = testkit::http_as(&bad_key).post(format!("{}/v1/customers", system.api_url));
    let r = refused.json(&json!({"name": "Eve", "email": "eve-refused@example.com"})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let invalid = system.http.post(format!("{}/v1/customers", system.api_url));
    let r = invalid.json(&json!({"name": "Eve\n{\"level\":\"ERROR\"}", "email": "eve@invalid"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    eventually("the outbox drains", t, || async { system.db.count("outbox").await.unwrap() == 0 }).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let logs = system.logs();
    assert!(logs.lines().count() > 20, "the binaries logged: {logs}");
    for debug_line in ["stripe answered", "Salesforce call", "request refused"] {
        assert!(logs.contains(debug_line), "the logs are at debug level and cover the calls: no {debug_line:?}");
    }
    let private_key = std::fs::read_to_string(testkit::systems::workspace_file(
        "crates/integrations/salesforce/sim/fixtures/jwt-test-key.pem",
    ))
    .unwrap();
    let key_line = private_key.lines().nth(2).unwrap().to_owned();
    let secrets = [
        ("the bootstrap admin key", testkit::ADMIN_KEY.to_owned()),
        ("the rejected API key", bad_key.clone()),
        ("the Stripe webhook secret", SECRET.to_owned()),
        ("the Outbound Message token", OM_TOKEN.to_owned()),
        ("the callout secret", CALLOUT_SECRET.to_owned()),
        ("the Stripe secret key", "sk_test_e2e".to_owned()),
        ("the Salesforce private key", key_line),
    ];
    for (what, secret) in secrets {
        assert!(!logs.contains(&secret), "{what} is in the logs");
    }
    for address in [&local, &changed, &remote, &"eve-refused@example.com".to_owned(), &"eve@invalid".to_owned()] {
        assert!(!logs.contains(address.as_str()), "a customer's email ({address}) is in the logs");
        let local_part = address.split('@').next().unwrap();
        if local_part.len() > 20 {
            // The unique part of a generated address: not even the local part may appear.
            assert!(!logs.contains(local_part), "a customer's email ({address}) is in the logs");
        }
    }
    assert!(!logs.lines().any(|l| l.trim_start().starts_with("{\"level\":\"ERROR\"}")), "a log line was forged");
    system.silence().await;
}
