//! The delivery worker: takes due deliveries off the queue, sends each (bounded concurrency), logs the
//! attempt, and requeues failures after `initial · 2^(attempt-1)` capped at `max`, until `retry_for` has
//! passed since the first attempt (Stripe, live mode: up to 3 days with exponential backoff).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::app::Sim;
use crate::deliveries::{Attempt, Outcome, Pending};
use crate::ids::{now_ms, now_secs};

pub async fn run(sim: web::Data<Sim>) {
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(sim.config.webhook_timeout)
        .user_agent(super::USER_AGENT)
        .build()
    {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "stripe-sim cannot build its webhook client"),
    };
    let permits = Arc::new(Semaphore::new(sim.config.webhook_concurrency));
    loop {
        let now = now_ms();
        let free = permits.available_permits();
        let due = if free > 0 { sim.store.write(|st| st.deliveries.take_due(now, free)) } else { Vec::new() };
        for p in due {
            let Ok(permit) = permits.clone().acquire_owned().await else { return };
            tokio::spawn(attempt(sim.clone(), http.clone(), p, permit));
        }
        let next = sim.store.read(|st| st.deliveries.next_due());
        let wait = match next {
            Some(t) if permits.available_permits() > 0 => (t - now_ms()).clamp(1, 1000),
            _ => 1000,
        };
        tokio::select! {
            () = sim.store.wake_deliveries.notified() => {}
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(1000))) => {}
        }
    }
}

struct Target {
    body: Vec<u8>,
    kind: String,
    url: String,
    secret: String,
}

fn target(sim: &Sim, p: &Pending) -> Option<Target> {
    sim.store.read(|st| {
        let event = st.events.get(&p.event_id)?;
        let endpoint = st.endpoints.iter().find(|e| e.id == p.endpoint_id && !e.disabled)?;
        Some(Target {
            body: serde_json::to_vec_pretty(&event.to_json()).ok()?,
            kind: event.kind.clone(),
            url: endpoint.url.clone(),
            secret: endpoint.secret.clone(),
        })
    })
}

async fn attempt(sim: web::Data<Sim>, http: reqwest::Client, mut p: Pending, _permit: OwnedSemaphorePermit) {
    let Some(t) = target(&sim, &p) else {
        // The event was pruned or the endpoint removed or disabled: Stripe stops retrying.
        sim.store.write(|st| st.deliveries.in_flight = st.deliveries.in_flight.saturating_sub(1));
        return;
    };
    let started = Instant::now();
    let at_ms = now_ms();
    let result = http
        .post(&t.url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Stripe-Signature", super::signature_header(&t.secret, now_secs(), &t.body))
        .body(t.body)
        .send()
        .await;
    let (status, error) = match result {
        Ok(r) => (Some(r.status().as_u16()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    p.attempts += 1;
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let now = now_ms();
    let due = now + i64::try_from(sim.config.retry.delay(p.attempts).as_millis()).unwrap_or(i64::MAX / 2);
    let give_up = due - p.first_at_ms > i64::try_from(sim.config.retry.retry_for.as_millis()).unwrap_or(i64::MAX);
    let outcome = match (delivered, give_up) {
        (true, _) => Outcome::Delivered,
        (false, true) => Outcome::GaveUp,
        (false, false) => Outcome::Retrying,
    };
    if !delivered {
        tracing::debug!(url = %t.url, ?status, ?error, attempt = p.attempts, "webhook delivery failed");
    }
    let log = Attempt {
        delivery_id: p.id,
        event_id: p.event_id.clone(),
        event_type: t.kind,
        endpoint_id: p.endpoint_id.clone(),
        url: t.url,
        attempt: p.attempts,
        status,
        error,
        at_ms,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        next_attempt_ms: (outcome == Outcome::Retrying).then_some(due),
        outcome,
    };
    sim.store.write(|st| {
        if delivered && let Some(e) = st.events.get_mut(&p.event_id) {
            e.pending_webhooks = e.pending_webhooks.saturating_sub(1);
        }
        st.deliveries.record(log);
        if outcome == Outcome::Retrying {
            st.deliveries.requeue(p, due);
        }
    });
    sim.store.wake_deliveries.notify_one();
}
