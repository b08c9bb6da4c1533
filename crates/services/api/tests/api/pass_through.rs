//! /v1/salesforce/contacts and /v1/stripe/customers against salesforce-sim and localstripe.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

async fn app_with_systems(sim: &salesforce_sim::RunningSim) -> TestApp {
    let salesforce =
        salesforce_client::Config::from_iter("SALESFORCE_", testkit::systems::salesforce_env(sim)).unwrap();
    spawn_app_with(|c| {
        c.salesforce = Some(salesforce);
        c.stripe = Some(testkit::systems::stripe_config());
    })
    .await
}

fn email() -> String {
    format!("{}@example.com", uuid::Uuid::new_v4().simple())
}

async fn json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn salesforce_contacts_are_created_read_listed_changed_and_deleted_there_and_announced_as_salesforces() {
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let app = app_with_systems(&sim).await;
    let address = email();
    let body = json!({"FirstName": "Katherine", "LastName": "Johnson", "Email": address});
    let (status, created) =
        json(app.client.post(app.url("/v1/salesforce/contacts")).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["Id"].as_str().unwrap().to_owned();
    assert_eq!(created["attributes"]["type"], "Contact");
    assert_eq!(created["LastName"], "Johnson");
    let in_sim = testkit::systems::salesforce(&sim).get_contact(&id, None).await.unwrap();
    assert_eq!(in_sim.email.as_deref(), Some(address.as_str()), "the Contact is in Salesforce");

    let (status, got) =
        json(app.client.get(app.url(&format!("/v1/salesforce/contacts/{id}"))).send().await.unwrap()).await;
    assert_eq!((status, got["Id"].as_str()), (200, Some(id.as_str())));
    let (status, list) = json(app.client.get(app.url("/v1/salesforce/contacts?limit=5")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(list["records"].as_array().unwrap().iter().any(|r| r["Id"] == id.as_str()));

    let patch = json!({"LastName": "Goble"});
    let (status, updated) =
        json(app.client.patch(app.url(&format!("/v1/salesforce/contacts/{id}"))).json(&patch).send().await.unwrap())
            .await;
    assert_eq!(
        (status, updated["LastName"].as_str(), updated["FirstName"].as_str()),
        (200, Some("Goble"), Some("Katherine"))
    );
    let r = app.client.delete(app.url(&format!("/v1/salesforce/contacts/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 204);

    let rows = app.outbox_rows().await;
    let topics: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(topics, ["salesforce-customer-created", "salesforce-customer-updated", "salesforce-customer-deleted"]);
    for (_, payload, headers) in &rows {
        assert_eq!((payload["origin"].as_str(), headers["origin"].as_str()), (Some("salesforce"), Some("salesforce")));
        assert_eq!(payload["external_id"], id.as_str());
    }
    assert_eq!(rows[1].1["customer"]["name"], "Katherine Goble");

    // Salesforce's own errors keep their code.
    let (status, err) =
        json(app.client.get(app.url(&format!("/v1/salesforce/contacts/{id}"))).send().await.unwrap()).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("ENTITY_IS_DELETED")), "{err}");
    let (status, err) =
        json(app.client.get(app.url("/v1/salesforce/contacts/003Sm0000009999AAA")).send().await.unwrap()).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{err}");
}

#[tokio::test]
async fn refused_salesforce_and_stripe_writes_change_nothing_anywhere() {
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let app = app_with_systems(&sim).await;
    let before = sim.control.snapshot()["contacts"].clone();
    for body in [json!({"FirstName": "No", "Email": email()}), json!({"LastName": "Bad", "Email": "not-an-email"})] {
        let (status, err) =
            json(app.client.post(app.url("/v1/salesforce/contacts")).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 422, "{err}");
    }
    let (status, _) = json(
        app.client
            .post(app.url("/v1/stripe/customers"))
            .json(&json!({"name": "", "email": email()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) =
        json(app.client.post(app.url("/v1/stripe/customers")).json(&json!({"nickname": "x"})).send().await.unwrap())
            .await;
    assert_eq!(status, 422, "unknown fields are refused");
    assert_eq!(sim.control.snapshot()["contacts"], before);
    assert_eq!(app.outbox().await, 0);
    let unconfigured = spawn_app_with(|_| {}).await;
    let r = unconfigured.client.get(unconfigured.url("/v1/stripe/customers")).send().await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn stripe_customers_are_created_read_listed_changed_and_deleted_there_and_announced_as_stripes() {
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let app = app_with_systems(&sim).await;
    let address = email();
    let (status, created) = json(
        app.client
            .post(app.url("/v1/stripe/customers"))
            .json(&json!({"name": "Grace Hopper", "email": address}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["object"], "customer");
    let (status, got) =
        json(app.client.get(app.url(&format!("/v1/stripe/customers/{id}"))).send().await.unwrap()).await;
    assert_eq!((status, got["email"].as_str()), (200, Some(address.as_str())));
    let (status, list) = json(app.client.get(app.url("/v1/stripe/customers?limit=100")).send().await.unwrap()).await;
    assert_eq!((status, list["object"].as_str()), (200, Some("list")));
    let (status, updated) = json(
        app.client
            .patch(app.url(&format!("/v1/stripe/customers/{id}")))
            .json(&json!({"phone": "+1 555 0100"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, updated["phone"].as_str(), updated["name"].as_str()),
        (200, Some("+1 555 0100"), Some("Grace Hopper"))
    );
    assert_eq!(app.client.delete(app.url(&format!("/v1/stripe/customers/{id}"))).send().await.unwrap().status(), 204);
    let (status, err) =
        json(app.client.get(app.url(&format!("/v1/stripe/customers/{id}"))).send().await.unwrap()).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("resource_missing")), "{err}");
    let (status, err) =
        json(app.client.get(app.url("/v1/stripe/customers/cus_doesnotexist")).send().await.unwrap()).await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("resource_missing")), "{err}");

    let rows = app.outbox_rows().await;
    let topics: Vec<&str> = rows.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(topics, ["stripe-customer-created", "stripe-customer-updated", "stripe-customer-deleted"]);
    assert!(rows.iter().all(|(_, p, _)| p["origin"] == "stripe" && p["external_id"] == id.as_str()));
}
