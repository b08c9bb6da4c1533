//! The simulator's control endpoints (not part of Salesforce): `GET /_sim/state`, `PUT /_sim/faults`,
//! `PUT /_sim/limits`, `POST /_sim/expire-tokens`, `PUT /_sim/clock`. Unauthenticated by design.

use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::Sim;
use crate::config::Faults;

pub fn scope() -> actix_web::Scope {
    web::scope("/_sim")
        .route("/state", web::get().to(state))
        .route("/faults", web::put().to(faults))
        .route("/limits", web::put().to(limits))
        .route("/expire-tokens", web::post().to(expire_tokens))
        .route("/clock", web::put().to(clock))
}

/// A snapshot of the simulator: record counts, API usage, faults and push queues.
pub fn snapshot(sim: &Sim) -> serde_json::Value {
    let (used, limit) = sim.usage();
    let push = |q: &crate::push::PushQueue| json!({"pending": q.pending.len(), "delivered": q.delivered, "requests": q.requests, "dropped": q.dropped});
    sim.store.read(|st| {
        let deleted = st.contacts.values().filter(|c| c.get("IsDeleted") == Some(&json!(true))).count();
        json!({
            "contacts": st.contacts.len() - deleted,
            "recycle_bin": deleted,
            "api_usage": {"used": used, "limit": limit},
            "faults": sim.faults(),
            "outbound": push(&st.push.outbound),
            "callout": push(&st.push.callout),
        })
    })
}

async fn state(sim: web::Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(snapshot(&sim))
}

async fn faults(sim: web::Data<Sim>, body: web::Json<Faults>) -> HttpResponse {
    sim.set_faults(body.into_inner());
    HttpResponse::Ok().json(sim.faults())
}

#[derive(Deserialize)]
struct Limits {
    daily_api_limit: Option<u64>,
    used: Option<u64>,
}

async fn limits(sim: web::Data<Sim>, body: web::Json<Limits>) -> HttpResponse {
    if let Some(limit) = body.daily_api_limit {
        sim.daily_limit.store(limit, Ordering::Release);
    }
    if let Some(used) = body.used {
        sim.api_used.store(used, Ordering::Release);
    }
    let (used, limit) = sim.usage();
    HttpResponse::Ok().json(json!({"used": used, "limit": limit}))
}

async fn expire_tokens(sim: web::Data<Sim>) -> HttpResponse {
    sim.sessions.expire_all();
    HttpResponse::NoContent().finish()
}

#[derive(Deserialize)]
struct Clock {
    offset_secs: i64,
}

async fn clock(sim: web::Data<Sim>, body: web::Json<Clock>) -> HttpResponse {
    sim.clock_offset_ms.store(body.offset_secs.saturating_mul(1000), Ordering::Release);
    HttpResponse::Ok().json(json!({"offset_secs": body.offset_secs}))
}
