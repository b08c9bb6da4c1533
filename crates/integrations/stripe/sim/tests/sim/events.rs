use serde_json::json;

use crate::helpers::{TestSim, start};

#[tokio::test]
async fn every_change_makes_an_event_with_the_request_that_caused_it() {
    let t = start().await;
    let created = t.post_with_key("/v1/customers", &[("name", "Ada"), ("metadata[a]", "1")], "evt-key").await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    t.post(&format!("/v1/customers/{id}"), &[("name", "Ada L"), ("metadata[a]", "2"), ("metadata[b]", "x")]).await;
    t.delete(&format!("/v1/customers/{id}")).await;
    let list = t.get("/v1/events").await.body;
    let types: Vec<_> = list["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["customer.deleted", "customer.updated", "customer.created"]);
    let created_evt = &list["data"][2];
    assert!(created_evt["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(created_evt["object"], "event");
    assert_eq!(created_evt["api_version"], stripe_sim::DEFAULT_API_VERSION);
    assert_eq!(created_evt["livemode"], false);
    assert_eq!(created_evt["pending_webhooks"], 0);
    assert_eq!(created_evt["request"]["id"], created.header("request-id").unwrap());
    assert_eq!(created_evt["request"]["idempotency_key"], "evt-key");
    assert_eq!(created_evt["data"]["object"], created.body);
    assert!(created_evt["data"].get("previous_attributes").is_none());
    let updated = &list["data"][1];
    assert_eq!(updated["data"]["previous_attributes"], json!({"name": "Ada", "metadata": {"a": "1", "b": null}}));
    assert_eq!(updated["request"]["idempotency_key"], json!(null));
    let deleted = &list["data"][0]["data"]["object"];
    assert_eq!(deleted["name"], "Ada L");
    assert!(deleted.get("deleted").is_none(), "{deleted}");
}

#[tokio::test]
async fn an_update_that_changes_nothing_makes_no_event() {
    let t = start().await;
    let id = t.create(&[("name", "Ada")]).await;
    t.post(&format!("/v1/customers/{id}"), &[("name", "Ada")]).await;
    assert_eq!(t.get("/v1/events").await.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn events_filter_by_type_wildcard_and_types_and_page() {
    let t = start().await;
    for _ in 0..3 {
        let id = t.create(&[("name", "A")]).await;
        t.post(&format!("/v1/customers/{id}"), &[("name", "B")]).await;
    }
    let updated = t.get("/v1/events?type=customer.updated").await.body;
    assert_eq!(updated["data"].as_array().unwrap().len(), 3);
    let all = t.get("/v1/events?type=customer.*").await.body;
    assert_eq!(all["data"].as_array().unwrap().len(), 6);
    let none = t.get("/v1/events?type=invoice.*").await.body;
    assert!(none["data"].as_array().unwrap().is_empty());
    let types = t.get("/v1/events?types[]=customer.created&types[]=customer.deleted").await.body;
    assert_eq!(types["data"].as_array().unwrap().len(), 3);
    let every = TestSim::ids(&all);
    let page1 = t.get("/v1/events?type=customer.*&limit=4").await.body;
    assert_eq!((TestSim::ids(&page1), page1["has_more"].clone()), (every[..4].to_vec(), json!(true)));
    let page2 = t.get(&format!("/v1/events?type=customer.*&limit=4&starting_after={}", every[3])).await.body;
    assert_eq!((TestSim::ids(&page2), page2["has_more"].clone()), (every[4..].to_vec(), json!(false)));
    let before = t.get(&format!("/v1/events?limit=2&ending_before={}", every[4])).await.body;
    assert_eq!(TestSim::ids(&before), every[2..4]);
    let one = t.get(&format!("/v1/events/{}", every[0])).await;
    assert_eq!((one.status, one.body["id"].as_str()), (200, Some(every[0].as_str())));
    assert_eq!(t.get("/v1/events/evt_nope").await.status, 404);
}

#[tokio::test]
async fn events_past_their_retention_are_dropped() {
    let t = crate::helpers::start_with(stripe_sim::SimConfig {
        event_retention: std::time::Duration::ZERO,
        ..Default::default()
    })
    .await;
    t.create(&[("name", "A")]).await;
    crate::helpers::eventually("the event to be pruned", || async {
        t.get("/v1/events").await.body["data"].as_array().unwrap().is_empty()
    })
    .await;
}
