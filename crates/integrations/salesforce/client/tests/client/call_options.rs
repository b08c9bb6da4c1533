//! `Sforce-Call-Options: client=<name>` reaches Salesforce: the simulator, configured like an admin would to
//! exclude the integration's own changes, pushes changes by other clients only.

use crate::helpers::{CLIENT_NAME, capture_server, client_config, client_with, contact, sim_config, spawn_sim};
use salesforce_client::AuthKind;
use std::time::Duration;

#[tokio::test]
async fn writes_carry_the_client_name_so_the_org_can_exclude_them_from_push() {
    let mut capture = capture_server().await;
    let sim = spawn_sim(salesforce_sim::SimConfig {
        callout_url: Some(capture.url.clone()),
        callout_secret: Some("test-callout-secret".into()),
        exclude_client: Some(CLIENT_NAME.into()),
        ..sim_config()
    })
    .await;
    let own = client_with(&client_config(&sim, AuthKind::Jwt));
    let mut other_config = client_config(&sim, AuthKind::Jwt);
    other_config.client_name = "someone-else".into();
    let other = client_with(&other_config);

    let own_id = own.create_contact(&contact("Own Write")).await.expect("own create");
    let other_id = other.create_contact(&contact("Other Write")).await.expect("other create");

    let mut seen = String::new();
    let wait = tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains(&other_id) {
            seen.push_str(&capture.requests.recv().await.expect("capture server alive"));
        }
    });
    wait.await.expect("the other client's change is pushed");
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(more) = capture.requests.try_recv() {
        seen.push_str(&more);
    }
    assert!(!seen.contains(&own_id), "the integration's own write was pushed");
}

#[tokio::test]
async fn every_response_updates_the_api_usage() {
    let sim = spawn_sim(salesforce_sim::SimConfig { daily_api_limit: 15_000, ..sim_config() }).await;
    let client = client_with(&client_config(&sim, AuthKind::Jwt));
    assert_eq!(client.api_usage(), None, "nothing seen yet");
    client.describe_contact().await.expect("describe");
    let first = client.api_usage().expect("parsed");
    assert_eq!(first.allowed, 15_000);
    client.create_contact(&contact("Usage Counter")).await.expect("create");
    let second = client.api_usage().expect("parsed");
    assert_eq!(second.used, first.used + 1);
}
