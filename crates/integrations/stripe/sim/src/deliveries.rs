//! The webhook delivery queue and its log: each (event, endpoint) pair waits for its next attempt, due at
//! a time; every attempt is logged with its outcome and the time of the next one.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

/// How many attempts the log keeps (the oldest go first).
const LOG_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub id: u64,
    pub event_id: String,
    pub endpoint_id: String,
    /// Attempts made so far.
    pub attempts: u32,
    pub first_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub delivery_id: u64,
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: String,
    pub url: String,
    pub attempt: u32,
    /// The endpoint's HTTP status; None when it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at_ms: i64,
    pub duration_ms: u64,
    pub next_attempt_ms: Option<i64>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Delivered,
    Retrying,
    GaveUp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub attempts: u64,
    pub delivered: u64,
    pub failed_attempts: u64,
    pub given_up: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deliveries {
    next_id: u64,
    /// Waiting deliveries by (due time in ms, id).
    pub queue: BTreeMap<(i64, u64), Pending>,
    /// Taken by the worker and not finished yet.
    #[serde(default)]
    pub in_flight: usize,
    pub log: VecDeque<Attempt>,
    pub counters: Counters,
}

impl Deliveries {
    pub fn enqueue(&mut self, event_id: &str, endpoint_id: &str, now_ms: i64) {
        self.next_id += 1;
        let p = Pending {
            id: self.next_id,
            event_id: event_id.to_owned(),
            endpoint_id: endpoint_id.to_owned(),
            attempts: 0,
            first_at_ms: now_ms,
        };
        self.queue.insert((now_ms, p.id), p);
    }

    pub fn requeue(&mut self, p: Pending, due_ms: i64) {
        self.queue.insert((due_ms, p.id), p);
    }

    /// Removes and returns up to `max` deliveries due at `now_ms`.
    pub fn take_due(&mut self, now_ms: i64, max: usize) -> Vec<Pending> {
        let keys: Vec<_> = self.queue.range(..(now_ms + 1, 0)).take(max).map(|(k, _)| *k).collect();
        let taken: Vec<Pending> = keys.iter().filter_map(|k| self.queue.remove(k)).collect();
        self.in_flight += taken.len();
        taken
    }

    /// When the earliest waiting delivery is due.
    pub fn next_due(&self) -> Option<i64> {
        self.queue.keys().next().map(|k| k.0)
    }

    pub fn record(&mut self, attempt: Attempt) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.counters.attempts += 1;
        match attempt.outcome {
            Outcome::Delivered => self.counters.delivered += 1,
            Outcome::Retrying => self.counters.failed_attempts += 1,
            Outcome::GaveUp => {
                self.counters.failed_attempts += 1;
                self.counters.given_up += 1;
            }
        }
        if self.log.len() >= LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(attempt);
    }

    /// Drops waiting deliveries to an endpoint (deleted or disabled: Stripe stops retrying them).
    pub fn drop_endpoint(&mut self, endpoint_id: &str) {
        self.queue.retain(|_, p| p.endpoint_id != endpoint_id);
    }
}
