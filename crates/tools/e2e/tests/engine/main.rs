//! The engine against real PostgreSQL, localstripe and salesforce-sim.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod inbound;
mod order;
mod outbound;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use events::{Action, CustomerEvent, CustomerSnapshot, Integration, SCHEMA_VERSION};
use model::CustomerFields;
use salesforce_sim::RunningSim;
use store::catalog::{self, ChangeContext};
use store::customer::Customer;
use sync_core::Engine;
use testkit::db::TestDb;
use uuid::Uuid;

pub struct World {
    pub db: TestDb,
    pub sim: RunningSim,
    pub stripe: Engine,
    pub salesforce: Engine,
}

pub async fn world() -> World {
    registry::register().unwrap();
    let db = testkit::db::fresh().await.unwrap();
    let pool = store::db::pool(&db.url, 4).unwrap();
    let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
    let stripe = Engine::new(
        pool.clone(),
        Arc::new(sync_stripe::StripeConnector::new(&testkit::systems::stripe_config(), 4).unwrap()),
    );
    let salesforce =
        Engine::new(pool, Arc::new(sync_salesforce::SalesforceConnector::new(testkit::systems::salesforce(&sim))));
    World { db, sim, stripe, salesforce }
}

pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", Uuid::new_v4().simple())
}

pub fn fields(name: &str, email: &str) -> CustomerFields {
    CustomerFields { name: name.to_owned(), email: email.to_owned(), phone: None }
}

impl World {
    pub async fn conn(&self) -> AsyncPgConnection {
        self.db.connect().await.unwrap()
    }

    pub async fn create_locally(&self, f: &CustomerFields) -> Customer {
        catalog::create(&mut self.conn().await, f, &ChangeContext::local(None)).await.unwrap()
    }

    pub async fn customer(&self, id: Uuid) -> Option<Customer> {
        store::customer::find(&mut self.conn().await, id).await.unwrap()
    }

    pub async fn contact_of(&self, id: Uuid) -> Option<salesforce_client::SalesforceContact> {
        testkit::systems::salesforce(&self.sim).find_contact_by_customer_id(&id.to_string()).await.unwrap()
    }
}

/// An event as the inbound receivers put it on `integration`'s topics.
pub fn inbound(
    integration: Integration,
    action: Action,
    external_id: &str,
    f: &CustomerFields,
    at: DateTime<Utc>,
) -> CustomerEvent {
    CustomerEvent {
        event_id: Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action,
        origin: integration.origin(),
        customer_id: None,
        external_id: Some(external_id.to_owned()),
        customer: Some(CustomerSnapshot {
            name: f.name.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            version: None,
        }),
        occurred_at: at,
        delivery_id: None,
    }
}
