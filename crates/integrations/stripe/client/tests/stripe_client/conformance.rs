//! Every call against stripe-mock, which validates requests against Stripe's OpenAPI spec and rejects what
//! Stripe would reject (unknown parameters, malformed bodies, bad credentials).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use stripe_client::{ApiKey, CustomerParams, ErrorType, ListParams, Retrieved, StripeClient, StripeError};

use crate::helpers::{client, fast_config, key, stripe_mock_url};

fn full_params() -> CustomerParams {
    CustomerParams {
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        phone: Some("+44 20 7946 0000".into()),
        description: Some("first programmer".into()),
        metadata: BTreeMap::from([
            ("customer_sync_id".into(), uuid::Uuid::now_v7().to_string()),
            ("source".into(), "conformance".into()),
        ]),
    }
}

#[tokio::test]
async fn creating_a_customer_with_every_field_and_metadata_is_accepted() {
    let res = client(&stripe_mock_url())
        .create_customer(&full_params(), &key("create"))
        .await
        .expect("stripe-mock accepts the create");
    assert_eq!(res.body.object, "customer");
    assert!(res.body.id.starts_with("cus_"), "{}", res.body.id);
    assert!(res.request_id.is_some_and(|id| id.starts_with("req_")));
}

#[tokio::test]
async fn retrieving_a_customer_returns_an_active_customer() {
    let res = client(&stripe_mock_url()).retrieve_customer("cus_123").await.expect("stripe-mock accepts the retrieve");
    assert!(matches!(res.body, Retrieved::Active(c) if c.id.starts_with("cus_")));
}

#[tokio::test]
async fn updating_fields_and_unsetting_a_metadata_key_is_accepted() {
    let params = CustomerParams {
        email: Some("ada@example.org".into()),
        phone: Some(String::new()),
        metadata: BTreeMap::from([("source".into(), String::new())]),
        ..Default::default()
    };
    let res = client(&stripe_mock_url())
        .update_customer("cus_123", &params, &key("update"))
        .await
        .expect("stripe-mock accepts the update");
    assert_eq!(res.body.object, "customer");
}

#[tokio::test]
async fn deleting_a_customer_returns_the_deleted_stub() {
    let res = client(&stripe_mock_url())
        .delete_customer("cus_123", &key("delete"))
        .await
        .expect("stripe-mock accepts the delete");
    assert_eq!(res.body.id, "cus_123");
    assert!(res.body.deleted);
}

#[tokio::test]
async fn listing_with_limit_cursor_and_email_filter_is_accepted() {
    let params =
        ListParams { limit: Some(100), starting_after: Some("cus_123".into()), email: Some("ada@example.com".into()) };
    let res = client(&stripe_mock_url()).list_customers(&params).await.expect("stripe-mock accepts the list");
    assert!(res.body.data.iter().all(|c| c.object == "customer"));
}

#[tokio::test]
async fn a_rejected_request_becomes_a_typed_error_without_the_key_in_it() {
    let config = config_with_key("sk_live_not_a_test_key_4242");
    let err = StripeClient::new(&config)
        .expect("valid config")
        .retrieve_customer("cus_123")
        .await
        .expect_err("stripe-mock accepts test keys only");
    let StripeError::Api { status, error, .. } = &err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(*status, 401);
    assert_eq!(error.kind, ErrorType::InvalidRequestError);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("sk_live_not_a_test_key_4242"), "{shown}");
}

fn config_with_key(key: &str) -> stripe_client::StripeConfig {
    stripe_client::StripeConfig { secret_key: ApiKey::new(key), ..fast_config(&stripe_mock_url()) }
}

#[tokio::test]
async fn ids_that_are_not_customer_ids_are_refused_before_sending() {
    let err =
        client(&stripe_mock_url()).retrieve_customer("../charges/ch_1").await.expect_err("path traversal is refused");
    assert!(matches!(err, StripeError::Invalid(_)));
}

#[tokio::test]
async fn the_rate_limiter_keeps_a_client_under_its_configured_rate() {
    let config = stripe_client::StripeConfig { rate_limit: 20.0, ..fast_config(&stripe_mock_url()) };
    let client = StripeClient::new(&config).expect("valid config");
    let start = Instant::now();
    for _ in 0..11 {
        client.retrieve_customer("cus_123").await.expect("accepted");
    }
    assert!(start.elapsed() >= Duration::from_millis(490), "{:?}", start.elapsed());
}
