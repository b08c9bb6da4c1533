use stripe_sim::SimConfig;

use crate::helpers::start_with;

#[tokio::test]
async fn state_written_to_the_data_file_is_loaded_by_the_next_start() {
    let dir = std::env::temp_dir().join(format!("stripe-sim-test-{}", stripe_sim::ids::request()));
    let file = dir.join("state.json");
    let config = SimConfig { data_file: Some(file.clone()), ..SimConfig::default() };
    let first = start_with(config.clone()).await;
    let id = first.create(&[("name", "Ada"), ("metadata[k]", "v")]).await;
    first.post_with_key("/v1/customers", &[("name", "Bob")], "persisted-key").await;
    first.sim.stop().await.unwrap();
    assert!(file.exists());
    let second = start_with(config).await;
    let got = second.get(&format!("/v1/customers/{id}")).await;
    assert_eq!((got.status, got.body["metadata"]["k"].as_str()), (200, Some("v")));
    let replay = second.post_with_key("/v1/customers", &[("name", "Bob")], "persisted-key").await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.get("/v1/events").await.body["data"].as_array().unwrap().len(), 2);
    std::fs::remove_dir_all(dir).ok();
}
