use reqwest::Method;
use serde_json::json;

use crate::helpers::{KEY, TestSim, start};

#[tokio::test]
async fn a_created_customer_has_stripes_fields_and_can_be_retrieved() {
    let t = start().await;
    let a = t
        .post(
            "/v1/customers",
            &[
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("phone", "+1 555"),
                ("description", "d"),
                ("metadata[k]", "v"),
            ],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let c = &a.body;
    assert!(c["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(c["object"], "customer");
    assert_eq!(c["livemode"], false);
    assert_eq!(c["balance"], 0);
    assert_eq!(c["tax_exempt"], "none");
    assert_eq!(c["preferred_locales"], json!([]));
    assert_eq!(c["address"], json!(null));
    assert_eq!(c["metadata"], json!({"k": "v"}));
    assert!(c["created"].as_i64().unwrap() > 1_600_000_000);
    assert!(a.header("request-id").unwrap().starts_with("req_"));
    let got = t.get(&format!("/v1/customers/{}", c["id"].as_str().unwrap())).await;
    assert_eq!(got.status, 200);
    assert_eq!(&got.body, c);
}

#[tokio::test]
async fn an_update_changes_only_the_fields_sent_merges_metadata_and_clears_empty_values() {
    let t = start().await;
    let id = t
        .create(&[("name", "Ada"), ("email", "a@x.com"), ("phone", "1"), ("metadata[a]", "1"), ("metadata[b]", "2")])
        .await;
    let a = t
        .post(
            &format!("/v1/customers/{id}"),
            &[("email", "b@x.com"), ("phone", ""), ("metadata[a]", ""), ("metadata[c]", "3")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["name"], "Ada");
    assert_eq!(a.body["email"], "b@x.com");
    assert_eq!(a.body["phone"], json!(null));
    assert_eq!(a.body["metadata"], json!({"b": "2", "c": "3"}));
}

#[tokio::test]
async fn a_deleted_customer_answers_its_stub_on_delete_and_on_a_later_get() {
    let t = start().await;
    let id = t.create(&[("name", "Ada")]).await;
    let stub = json!({"id": id, "object": "customer", "deleted": true});
    let d = t.delete(&format!("/v1/customers/{id}")).await;
    assert_eq!((d.status, &d.body), (200, &stub));
    let g = t.get(&format!("/v1/customers/{id}")).await;
    assert_eq!((g.status, &g.body), (200, &stub));
    let again = t.delete(&format!("/v1/customers/{id}")).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.body["error"]["code"], "resource_missing");
    let update = t.post(&format!("/v1/customers/{id}"), &[("name", "x")]).await;
    assert_eq!(update.status, 404);
    assert!(!TestSim::ids(&t.get("/v1/customers").await.body).contains(&id));
}

#[tokio::test]
async fn an_unknown_customer_is_a_404_resource_missing() {
    let t = start().await;
    let a = t.get("/v1/customers/cus_nope").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["error"]["type"], "invalid_request_error");
    assert_eq!(a.body["error"]["code"], "resource_missing");
    assert_eq!(a.body["error"]["param"], "id");
}

#[tokio::test]
async fn calls_without_a_test_key_are_refused_with_401() {
    let t = start().await;
    let url = format!("{}/v1/customers", t.sim.url);
    let none = TestSim::send(t.http.get(&url)).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.body["error"]["type"], "invalid_request_error");
    assert!(none.header("request-id").is_some());
    let live = TestSim::send(t.http.get(&url).bearer_auth("sk_live_123")).await;
    assert_eq!(live.status, 401);
    let basic = TestSim::send(t.http.get(&url).basic_auth(KEY, Some(""))).await;
    assert_eq!(basic.status, 200);
}

#[tokio::test]
async fn unknown_parameters_are_a_400_parameter_unknown() {
    let t = start().await;
    let a = t.post("/v1/customers", &[("name", "Ada"), ("nickname", "A")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error"]["code"], "parameter_unknown");
    assert_eq!(a.body["error"]["param"], "nickname");
    let l = t.get("/v1/customers?colour=red").await;
    assert_eq!(l.body["error"]["code"], "parameter_unknown");
}

#[tokio::test]
async fn the_stripe_version_sent_is_echoed_and_a_default_is_reported_otherwise() {
    let t = start().await;
    let a = TestSim::send(t.request(Method::GET, "/v1/customers").header("Stripe-Version", "2023-10-16")).await;
    assert_eq!(a.header("stripe-version"), Some("2023-10-16"));
    let b = t.get("/v1/customers").await;
    assert_eq!(b.header("stripe-version"), Some(stripe_sim::DEFAULT_API_VERSION));
}

#[tokio::test]
async fn lists_are_newest_first_and_page_both_ways() {
    let t = start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(t.create(&[("email", &format!("p{i}@x.com"))]).await);
    }
    ids.reverse();
    let first = t.get("/v1/customers?limit=2").await.body;
    assert_eq!(first["object"], "list");
    assert_eq!(first["url"], "/v1/customers");
    assert_eq!(first["has_more"], true);
    assert_eq!(TestSim::ids(&first), ids[..2]);
    let second = t.get(&format!("/v1/customers?limit=2&starting_after={}", ids[1])).await.body;
    assert_eq!(TestSim::ids(&second), ids[2..4]);
    let last = t.get(&format!("/v1/customers?limit=2&starting_after={}", ids[3])).await.body;
    assert_eq!((TestSim::ids(&last), last["has_more"].clone()), (ids[4..].to_vec(), json!(false)));
    let back = t.get(&format!("/v1/customers?limit=2&ending_before={}", ids[4])).await.body;
    assert_eq!(TestSim::ids(&back), ids[2..4]);
    assert_eq!(back["has_more"], true);
}

#[tokio::test]
async fn lists_filter_by_email_and_created() {
    let t = start().await;
    let a = t.create(&[("email", "same@x.com")]).await;
    t.create(&[("email", "other@x.com")]).await;
    let b = t.create(&[("email", "same@x.com")]).await;
    let by_email = t.get("/v1/customers?email=same@x.com").await.body;
    assert_eq!(TestSim::ids(&by_email), vec![b.clone(), a]);
    let created = t.get(&format!("/v1/customers/{b}")).await.body["created"].as_i64().unwrap();
    let after = t.get(&format!("/v1/customers?created[gt]={created}")).await.body;
    assert!(TestSim::ids(&after).is_empty());
    let at = t.get(&format!("/v1/customers?created={created}&limit=100")).await.body;
    assert!(TestSim::ids(&at).contains(&b));
}

#[tokio::test]
async fn a_limit_outside_1_to_100_is_refused() {
    let t = start().await;
    for bad in ["0", "101", "x"] {
        let a = t.get(&format!("/v1/customers?limit={bad}")).await;
        assert_eq!(a.status, 400, "{bad}");
        assert_eq!(a.body["error"]["param"], "limit");
    }
}

#[tokio::test]
async fn unknown_urls_get_stripes_404() {
    let t = start().await;
    let a = t.get("/v1/charges").await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["error"]["type"], "invalid_request_error");
}
