//! Everything the simulated account holds: customers, events, webhook endpoints, saved idempotent answers
//! and the webhook delivery queue, with the ordered indexes that make newest-first listings cheap.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::customer::Customer;
use crate::deliveries::Deliveries;
use crate::event::{Endpoint, Event};
use crate::idempotency::Saved;
use crate::paging::Index;

#[derive(Default, Serialize, Deserialize)]
pub struct State {
    pub seq: u64,
    pub customers: HashMap<String, Customer>,
    pub events: HashMap<String, Event>,
    pub endpoints: Vec<Endpoint>,
    pub idempotency: HashMap<String, Saved>,
    pub deliveries: Deliveries,
    /// Live (not deleted) customers by (created, seq).
    #[serde(skip)]
    pub customer_index: Index,
    #[serde(skip)]
    pub event_index: Index,
}

impl State {
    /// A copy of what the data file keeps (everything but the indexes, which are rebuilt on load), so that a
    /// snapshot holds the lock only to copy, not to serialise.
    pub fn persisted(&self) -> State {
        State {
            seq: self.seq,
            customers: self.customers.clone(),
            events: self.events.clone(),
            endpoints: self.endpoints.clone(),
            idempotency: self.idempotency.clone(),
            deliveries: self.deliveries.clone(),
            customer_index: Index::default(),
            event_index: Index::default(),
        }
    }
}

/// The API call a change comes from, as events report it in `request`.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub request_id: String,
    pub idempotency_key: Option<String>,
    pub api_version: String,
}

impl State {
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Rebuilds the indexes after loading a snapshot; in-flight idempotent requests did not survive.
    pub fn reindex(&mut self) {
        self.customer_index =
            self.customers.values().filter(|c| !c.deleted).map(|c| ((c.created, c.seq), c.id.clone())).collect();
        self.event_index = self.events.values().map(|e| ((e.created, e.seq), e.id.clone())).collect();
        self.idempotency.retain(|_, s| s.outcome.is_some());
    }

    /// Records an event and queues its deliveries; true when some endpoint wants it.
    pub fn emit(
        &mut self,
        kind: &str,
        object: serde_json::Value,
        previous: Option<serde_json::Value>,
        origin: &Origin,
    ) -> bool {
        let seq = self.next_seq();
        let created = crate::ids::now_secs();
        let id = crate::ids::event();
        let targets: Vec<String> = self.endpoints.iter().filter(|e| e.wants(kind)).map(|e| e.id.clone()).collect();
        for endpoint in &targets {
            self.deliveries.enqueue(&id, endpoint, crate::ids::now_ms());
        }
        let event = Event {
            id: id.clone(),
            created,
            seq,
            kind: kind.to_owned(),
            object: object.to_string(),
            previous_attributes: previous.map(|p| p.to_string()),
            request_id: Some(origin.request_id.clone()),
            idempotency_key: origin.idempotency_key.clone(),
            api_version: origin.api_version.clone(),
            pending_webhooks: u32::try_from(targets.len()).unwrap_or(u32::MAX),
        };
        self.event_index.insert((created, seq), id.clone());
        self.events.insert(id, event);
        !targets.is_empty()
    }

    /// Drops events created before `cutoff` (Unix seconds), and idempotent answers saved before `cutoff_ms`.
    pub fn prune(&mut self, cutoff: i64, cutoff_ms: i64) {
        let old: Vec<_> = self.event_index.range(..(cutoff, 0)).map(|(k, id)| (*k, id.clone())).collect();
        for (k, id) in old {
            self.event_index.remove(&k);
            self.events.remove(&id);
        }
        self.idempotency.retain(|_, s| s.outcome.is_none() || s.created_ms >= cutoff_ms);
    }

    /// Forgets everything (`POST /_sim/reset`, `DELETE /_config/data`), endpoints included.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}
