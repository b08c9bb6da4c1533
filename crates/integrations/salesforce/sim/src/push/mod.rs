//! Push delivery of Contact changes, as an org admin would configure it: Outbound Messages (SOAP, creates
//! and updates, up to 100 notifications per message, retried with backoff until the listener Acks) and an
//! optional JSON callout signed with HMAC-SHA256 (creates, updates and deletes, retried until a 2xx).
//! Changes made with the excluded `Sforce-Call-Options` client name are not pushed. Both carry the
//! record's values at send time (the latest), and keep their notification id across retries.

mod callout;
mod outbound;
mod worker;

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::state::{ChangeEvent, ChangeType, State};

pub use callout::sign as sign_callout;
pub use worker::{Channel, PushTarget, run as run_worker};

/// Outbound Message notification ids start with this key prefix.
const NOTIFICATION_PREFIX: &str = "04l";

/// A queued notification of one change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub notification_id: String,
    pub record_id: String,
    pub change: ChangeType,
    pub client: Option<String>,
    pub at: DateTime<Utc>,
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
}

/// One channel's queue and counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushQueue {
    pub pending: VecDeque<Pending>,
    /// Notifications delivered (Acked).
    pub delivered: u64,
    /// HTTP requests made, successful or not.
    pub requests: u64,
    /// Notifications given up after the maximum age.
    pub dropped: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PushQueues {
    pub outbound: PushQueue,
    pub callout: PushQueue,
}

/// Which channels are configured and which client's changes they skip.
#[derive(Debug, Clone, Default)]
pub struct PushSettings {
    pub outbound: bool,
    pub callout: bool,
    pub exclude_client: Option<String>,
}

impl PushSettings {
    /// Queues `event` on the configured channels; returns whether (outbound, callout) gained work.
    pub fn enqueue(&self, state: &mut State, event: &ChangeEvent) -> (bool, bool) {
        if self.exclude_client.is_some() && event.client == self.exclude_client {
            return (false, false);
        }
        let outbound = self.outbound && event.change != ChangeType::Delete;
        if outbound {
            let p = pending(state, event);
            state.push.outbound.pending.push_back(p);
        }
        if self.callout {
            let p = pending(state, event);
            state.push.callout.pending.push_back(p);
        }
        (outbound, self.callout)
    }
}

fn pending(state: &mut State, event: &ChangeEvent) -> Pending {
    Pending {
        notification_id: state.next_id(NOTIFICATION_PREFIX),
        record_id: event.record_id.clone(),
        change: event.change,
        client: event.client.clone(),
        at: event.at,
        attempts: 0,
        next_attempt: event.at,
    }
}

/// Delay before retry number `attempts` (1-based): `initial` doubled per attempt, capped at `max`.
pub fn backoff(initial: Duration, max: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(31));
    initial.saturating_mul(factor).min(max)
}
