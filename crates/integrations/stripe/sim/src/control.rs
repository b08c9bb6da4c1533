//! [`SimControl`]: what tests change on a running simulator in process (the same knobs as the `/_sim/`
//! endpoints), and the operations both share.

use actix_web::web;
use serde_json::{Value, json};

use crate::app::Sim;
use crate::config::{Faults, RateLimit};
use crate::deliveries::{Attempt, Counters};
use crate::event::Endpoint;

/// The id of the endpoint configured by `STRIPESIM_WEBHOOK_URL` / [`crate::SimConfig::webhook`].
pub const CONFIGURED_ENDPOINT_ID: &str = "we_configured";

#[derive(Clone)]
pub struct SimControl {
    pub(crate) sim: web::Data<Sim>,
}

impl SimControl {
    pub fn faults(&self) -> Faults {
        self.sim.faults()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.sim.set_faults(faults);
    }

    pub fn set_rate_limit(&self, limit: RateLimit) {
        self.sim.set_rate_limit(limit);
    }

    /// Adds (or replaces) a webhook endpoint receiving `events` (`*`: all), signed with `secret`.
    pub fn add_webhook(&self, id: &str, url: &str, secret: &str, events: &[&str]) {
        let events = events.iter().map(|e| (*e).to_owned()).collect();
        upsert_endpoint(&self.sim, id, url, secret, events);
    }

    /// Every delivery attempt logged so far, oldest first.
    pub fn deliveries(&self) -> Vec<Attempt> {
        self.sim.store.read(|st| st.deliveries.log.iter().cloned().collect())
    }

    pub fn delivery_counters(&self) -> Counters {
        self.sim.store.read(|st| st.deliveries.counters.clone())
    }

    /// Deliveries waiting for an attempt, and in flight.
    pub fn pending_deliveries(&self) -> usize {
        self.sim.store.read(|st| st.deliveries.queue.len() + st.deliveries.in_flight)
    }

    /// Counts of customers, events, endpoints, saved keys and deliveries (`GET /_sim/state`).
    pub fn state(&self) -> Value {
        state(&self.sim)
    }

    /// Forgets every customer, event, key and delivery; endpoints too unless `keep_endpoints`.
    pub fn reset(&self, keep_endpoints: bool) {
        reset(&self.sim, keep_endpoints);
    }
}

pub(crate) fn state(sim: &Sim) -> Value {
    sim.store.read(|st| {
        json!({
            "customers": st.customer_index.len(),
            "deleted_customers": st.customers.len() - st.customer_index.len(),
            "events": st.events.len(),
            "webhook_endpoints": st.endpoints.len(),
            "idempotency_keys": st.idempotency.len(),
            "deliveries": {"pending": st.deliveries.queue.len(), "in_flight": st.deliveries.in_flight, "counters": st.deliveries.counters},
            "faults": sim.faults(),
            "rate_limit": sim.rate_limit(),
        })
    })
}

pub(crate) fn reset(sim: &Sim, keep_endpoints: bool) {
    sim.store.write(|st| {
        let endpoints = std::mem::take(&mut st.endpoints);
        st.clear();
        if keep_endpoints {
            st.endpoints = endpoints;
        }
    });
    if !keep_endpoints {
        configure_static(sim);
    }
}

pub(crate) fn upsert_endpoint(sim: &Sim, id: &str, url: &str, secret: &str, events: Vec<String>) {
    sim.store.write(|st| {
        let endpoint = Endpoint {
            id: id.to_owned(),
            url: url.to_owned(),
            secret: secret.to_owned(),
            enabled_events: events,
            disabled: false,
            created: crate::ids::now_secs(),
            description: None,
            metadata: Default::default(),
            api_version: None,
        };
        match st.endpoints.iter_mut().find(|e| e.id == id) {
            Some(e) => *e = endpoint,
            None => st.endpoints.push(endpoint),
        }
    });
}

/// Puts the configured endpoint (if any) in place, replacing the one a snapshot held.
pub(crate) fn configure_static(sim: &Sim) {
    if let Some(w) = sim.config.webhook.clone() {
        upsert_endpoint(sim, CONFIGURED_ENDPOINT_ID, &w.url, &w.secret, w.enabled_events);
    }
}
