use stripe_sim::Faults;

use crate::helpers::{TestSim, start};

#[tokio::test]
async fn the_same_key_and_parameters_replay_the_first_answer_and_create_one_customer() {
    let t = start().await;
    let form = [("name", "Ada"), ("email", "ada@x.com")];
    let first = t.post_with_key("/v1/customers", &form, "key-1").await;
    let second = t.post_with_key("/v1/customers", &form, "key-1").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!((second.status, &second.body), (200, &first.body));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.header("original-request"), first.header("request-id"));
    assert_eq!(TestSim::ids(&t.get("/v1/customers").await.body).len(), 1);
    let events = t.get("/v1/events").await.body;
    assert_eq!(events["data"].as_array().unwrap().len(), 1);
    assert_eq!(events["data"][0]["request"]["idempotency_key"], "key-1");
}

#[tokio::test]
async fn the_same_key_with_other_parameters_is_a_400_idempotency_error() {
    let t = start().await;
    t.post_with_key("/v1/customers", &[("name", "Ada")], "key-2").await;
    let other = t.post_with_key("/v1/customers", &[("name", "Bob")], "key-2").await;
    assert_eq!(other.status, 400);
    assert_eq!(other.body["error"]["type"], "idempotency_error");
    let other_path = t.post_with_key("/v1/webhook_endpoints", &[("name", "Ada")], "key-2").await;
    assert_eq!(other_path.body["error"]["type"], "idempotency_error");
}

#[tokio::test]
async fn a_key_whose_first_request_is_in_flight_is_a_409() {
    let t = start().await;
    t.sim.control.set_faults(Faults { added_latency_ms: 400, ..Faults::default() });
    let first = t.post_with_key("/v1/customers", &[("name", "Ada")], "key-3");
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        t.post_with_key("/v1/customers", &[("name", "Ada")], "key-3").await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 409);
    assert_eq!(second.body["error"]["code"], "idempotency_key_in_use");
    t.sim.control.set_faults(Faults::default());
    let third = t.post_with_key("/v1/customers", &[("name", "Ada")], "key-3").await;
    assert_eq!(third.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn validation_failures_are_not_saved_so_the_key_can_be_used_again() {
    let t = start().await;
    let bad = t.post_with_key("/v1/customers", &[("bogus", "1")], "key-4").await;
    assert_eq!(bad.status, 400);
    let good = t.post_with_key("/v1/customers", &[("name", "Ada")], "key-4").await;
    assert_eq!(good.status, 200);
    assert_eq!(good.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn a_500_is_saved_and_replayed_like_any_answer() {
    let t = start().await;
    t.sim.control.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let failed = t.post_with_key("/v1/customers", &[("name", "Ada")], "key-5").await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.body["error"]["type"], "api_error");
    t.sim.control.set_faults(Faults::default());
    let replay = t.post_with_key("/v1/customers", &[("name", "Ada")], "key-5").await;
    assert_eq!(replay.status, 500);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn deletes_are_idempotent_too() {
    let t = start().await;
    let id = t.create(&[("name", "Ada")]).await;
    let del = |k: &'static str| {
        TestSim::send(t.request(reqwest::Method::DELETE, &format!("/v1/customers/{id}")).header("Idempotency-Key", k))
    };
    let first = del("key-6").await;
    let second = del("key-6").await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
}
