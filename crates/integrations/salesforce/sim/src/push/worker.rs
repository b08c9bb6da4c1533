//! The delivery loop of one push channel: take due notifications, send them, and on failure reschedule
//! them with exponential backoff (dropping them after the maximum age).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::push::outbound::{Envelope, envelope, is_ack};
use crate::push::{Pending, PushQueue, backoff, callout};
use crate::record::to_api;
use crate::state::State;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Outbound,
    Callout,
}

/// Where and how one channel delivers.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub channel: Channel,
    pub url: String,
    pub secret: Option<String>,
    pub org_id: String,
    pub action_id: String,
    pub instance_url: String,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub max_age: Duration,
}

impl PushTarget {
    fn queue<'a>(&self, state: &'a mut State) -> &'a mut PushQueue {
        match self.channel {
            Channel::Outbound => &mut state.push.outbound,
            Channel::Callout => &mut state.push.callout,
        }
    }

    fn batch_size(&self) -> usize {
        match self.channel {
            Channel::Outbound => 100,
            Channel::Callout => 1,
        }
    }
}

/// Delivers until the task is aborted.
pub async fn run(store: Arc<Store>, target: PushTarget) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap_or_default();
    loop {
        let batch = take_due(&store, &target);
        if batch.is_empty() {
            let wake = match target.channel {
                Channel::Outbound => &store.wake_outbound,
                Channel::Callout => &store.wake_callout,
            };
            let _ = tokio::time::timeout(next_wait(&store, &target), wake.notified()).await;
            continue;
        }
        let ok = send(&http, &store, &target, &batch).await;
        settle(&store, &target, &batch, ok);
    }
}

fn take_due(store: &Store, target: &PushTarget) -> Vec<Pending> {
    let now = Utc::now();
    store.read(|state| {
        let queue = match target.channel {
            Channel::Outbound => &state.push.outbound,
            Channel::Callout => &state.push.callout,
        };
        queue.pending.iter().filter(|p| p.next_attempt <= now).take(target.batch_size()).cloned().collect()
    })
}

fn next_wait(store: &Store, target: &PushTarget) -> Duration {
    let now = Utc::now();
    store.read(|state| {
        let queue = match target.channel {
            Channel::Outbound => &state.push.outbound,
            Channel::Callout => &state.push.callout,
        };
        queue
            .pending
            .iter()
            .map(|p| (p.next_attempt - now).to_std().unwrap_or_default())
            .min()
            .unwrap_or(Duration::from_secs(60))
            .max(Duration::from_millis(10))
    })
}

async fn send(http: &reqwest::Client, store: &Store, target: &PushTarget, batch: &[Pending]) -> bool {
    let result = match target.channel {
        Channel::Outbound => send_outbound(http, store, target, batch).await,
        Channel::Callout => send_callout(http, store, target, batch).await,
    };
    result.unwrap_or_else(|e| {
        tracing::info!(channel = ?target.channel, error = %e, "push delivery failed; will retry");
        false
    })
}

async fn send_outbound(
    http: &reqwest::Client,
    store: &Store,
    target: &PushTarget,
    batch: &[Pending],
) -> reqwest::Result<bool> {
    let items: Vec<_> =
        store.read(|state| batch.iter().map(|p| (p.clone(), state.contacts.get(&p.record_id).cloned())).collect());
    let env = Envelope {
        org_id: &target.org_id,
        action_id: &target.action_id,
        instance_url: &target.instance_url,
        api_version: crate::API_VERSION_NUMBER,
    };
    let xml = envelope(&env, &store.schema, &items);
    let response = http
        .post(&target.url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(xml)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    Ok(status.is_success() && is_ack(&body))
}

async fn send_callout(
    http: &reqwest::Client,
    store: &Store,
    target: &PushTarget,
    batch: &[Pending],
) -> reqwest::Result<bool> {
    let Some(pending) = batch.first() else { return Ok(true) };
    let version = format!("v{}", crate::API_VERSION_NUMBER);
    let record =
        store.read(|state| state.contacts.get(&pending.record_id).map(|r| to_api(&store.schema, r, None, &version)));
    let body = serde_json::to_vec(&callout::body(pending, record)).unwrap_or_default();
    let mut request = http.post(&target.url).header("Content-Type", "application/json");
    if let Some(secret) = &target.secret {
        request = request.header("Salesforce-Signature", callout::sign(secret, Utc::now().timestamp(), &body));
    }
    Ok(request.body(body).send().await?.status().is_success())
}

/// Removes delivered notifications, or reschedules them (dropping those older than the maximum age).
fn settle(store: &Store, target: &PushTarget, batch: &[Pending], ok: bool) {
    let now = Utc::now();
    store.write(|state, _| {
        let queue = target.queue(state);
        queue.requests += 1;
        let in_batch = |p: &Pending| batch.iter().any(|b| b.notification_id == p.notification_id);
        if ok {
            queue.pending.retain(|p| !in_batch(p));
            queue.delivered += batch.len() as u64;
            return;
        }
        let max_age = chrono::Duration::from_std(target.max_age).unwrap_or(chrono::Duration::MAX);
        let before = queue.pending.len();
        queue.pending.retain(|p| !in_batch(p) || now - p.at < max_age);
        queue.dropped += (before - queue.pending.len()) as u64;
        for p in queue.pending.iter_mut().filter(|p| in_batch(p)) {
            p.attempts += 1;
            let delay = backoff(target.retry_initial, target.retry_max, p.attempts);
            p.next_attempt = now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        }
    });
}
