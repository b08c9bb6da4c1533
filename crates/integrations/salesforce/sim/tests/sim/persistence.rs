use reqwest::Method;
use salesforce_sim::SimConfig;
use serde_json::json;

use crate::helpers::{config, start_with};

#[tokio::test]
async fn records_and_the_recycle_bin_survive_a_restart_with_a_data_file() {
    let dir = std::env::temp_dir().join(format!("sfsim-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = SimConfig { data_file: Some(dir.join("state.json")), ..config() };
    let t = start_with(cfg.clone()).await;
    let kept = t.create(json!({"LastName": "Kept", "Customer_Id__c": "k-1"})).await;
    let gone = t.create(json!({"LastName": "Gone"})).await;
    t.json(Method::DELETE, &format!("/sobjects/Contact/{gone}"), None).await;
    t.sim.stop().await.unwrap();

    let t = start_with(cfg).await;
    let (status, r) = t.json(Method::GET, "/sobjects/Contact/Customer_Id__c/k-1", None).await;
    assert_eq!((status, r["Id"].as_str()), (200, Some(kept.as_str())));
    assert_eq!(t.json(Method::GET, &format!("/sobjects/Contact/{gone}"), None).await.0, 404);
    let fresh = t.create(json!({"LastName": "New"})).await;
    assert!(fresh > gone, "the id sequence continues: {fresh} after {gone}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_sim_started_without_its_data_file_never_reissues_an_earlier_sims_ids() {
    let first = start_with(config()).await;
    let earlier = first.create(json!({"LastName": "Earlier"})).await;
    first.sim.stop().await.unwrap();

    let second = start_with(config()).await;
    let later = second.create(json!({"LastName": "Later"})).await;
    assert_ne!(later, earlier, "a new org's first Contact took the id of an earlier org's first one");
    assert!(later > earlier, "ids keep growing across sims: {later} after {earlier}");
}
