//! The client end to end against localstripe, a stateful fake Stripe: what is written can be read back.
//! localstripe differs from Stripe in places (GET after delete is 404, no email filter, oldest first); the
//! assertions accept Stripe's behaviour and localstripe's where they differ.

use std::collections::HashSet;

use model::CustomerFields;
use model::ExternalCustomer;
use stripe_client::{CustomerParams, ListParams, Retrieved, StripeCustomer};
use uuid::Uuid;

use crate::helpers::{client, key, localstripe_url, unique_email};

fn fields(email: &str) -> CustomerFields {
    CustomerFields { name: "Grace Hopper".into(), email: email.into(), phone: Some("+1 555 0100".into()) }
}

#[tokio::test]
async fn a_customer_created_updated_and_deleted_through_the_client_reads_back_each_time() {
    let client = client(&localstripe_url());
    let local_id = Uuid::now_v7();
    let email = unique_email();
    let created = client
        .create_customer(&CustomerParams::from_fields(&fields(&email), local_id), &key("create"))
        .await
        .expect("created")
        .body;
    assert_eq!(created.local_id(), Some(local_id));
    assert_eq!(created.fields(), fields(&email));

    let update = CustomerParams { name: Some("Grace B. Hopper".into()), ..Default::default() };
    client.update_customer(&created.id, &update, &key("update")).await.expect("updated");
    let Retrieved::Active(read) = client.retrieve_customer(&created.id).await.expect("read").body else {
        panic!("the customer is not deleted yet");
    };
    assert_eq!(read.name.as_deref(), Some("Grace B. Hopper"));
    assert_eq!(read.email.as_deref(), Some(email.as_str()), "fields not sent are kept");
    assert_eq!(read.local_id(), Some(local_id), "metadata merges");

    let deleted = client.delete_customer(&created.id, &key("delete")).await.expect("deleted");
    assert!(deleted.body.deleted);
    match client.retrieve_customer(&created.id).await {
        Ok(res) => assert_eq!(res.body, Retrieved::Deleted { id: created.id.clone() }),
        Err(e) => assert!(e.is_not_found(), "{e}"),
    }
}

#[tokio::test]
async fn listing_every_page_returns_each_customer_exactly_once() {
    let client = client(&localstripe_url());
    let mut ours = HashSet::new();
    for _ in 0..5 {
        let params = CustomerParams::from_fields(&fields(&unique_email()), Uuid::now_v7());
        let c: StripeCustomer = client.create_customer(&params, &key("create")).await.expect("created").body;
        ours.insert(c.id);
    }
    let all = client.list_all_customers(&ListParams { limit: Some(2), ..Default::default() }).await.expect("listed");
    let ids: Vec<&String> = all.iter().map(|c| &c.id).collect();
    let unique: HashSet<&String> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "no customer appears twice across pages");
    assert!(ours.iter().all(|id| unique.contains(id)), "every created customer is listed");
}

#[tokio::test]
async fn an_unknown_customer_is_a_not_found_error() {
    let err = client(&localstripe_url()).retrieve_customer("cus_doesnotexist").await.expect_err("no such customer");
    assert!(err.is_not_found(), "{err}");
}
