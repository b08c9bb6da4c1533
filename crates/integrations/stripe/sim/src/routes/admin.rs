//! The simulator's control endpoints (not part of Stripe, unauthenticated by design): `GET /_sim/state`,
//! `GET /_sim/deliveries`, `GET|POST /_sim/faults`, `GET|POST /_sim/rate_limit`, `POST /_sim/reset`; and
//! localstripe's `POST /_config/webhooks/{id}` (form `url`, `secret`, `events[]`) and `DELETE /_config/data`,
//! kept so that the scripts and tests written for localstripe work unchanged.

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::app::Sim;
use crate::config::{Faults, RateLimit};
use crate::control;
use crate::form::Params;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/_sim")
            .route("/state", web::get().to(state))
            .route("/deliveries", web::get().to(deliveries))
            .route("/faults", web::get().to(get_faults))
            .route("/faults", web::post().to(set_faults))
            .route("/faults", web::put().to(set_faults))
            .route("/rate_limit", web::get().to(get_rate_limit))
            .route("/rate_limit", web::post().to(set_rate_limit))
            .route("/reset", web::post().to(reset)),
    )
    .route("/_config/webhooks/{id}", web::post().to(config_webhook))
    .route("/_config/data", web::delete().to(config_data));
}

async fn state(sim: Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(control::state(&sim))
}

#[derive(Deserialize)]
struct DeliveryFilter {
    event_id: Option<String>,
    endpoint_id: Option<String>,
}

async fn deliveries(sim: Data<Sim>, filter: web::Query<DeliveryFilter>) -> HttpResponse {
    let body = sim.store.read(|st| {
        let d = &st.deliveries;
        let attempts: Vec<_> = d
            .log
            .iter()
            .filter(|a| filter.event_id.as_ref().is_none_or(|e| *e == a.event_id))
            .filter(|a| filter.endpoint_id.as_ref().is_none_or(|e| *e == a.endpoint_id))
            .collect();
        let next: Vec<_> = d
            .queue
            .iter()
            .map(|((due, _), p)| json!({"event_id": p.event_id, "endpoint_id": p.endpoint_id, "attempts": p.attempts, "next_attempt_ms": due}))
            .collect();
        json!({"counters": d.counters, "pending": d.queue.len(), "in_flight": d.in_flight, "waiting": next, "attempts": attempts})
    });
    HttpResponse::Ok().json(body)
}

async fn get_faults(sim: Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(sim.faults())
}

async fn set_faults(sim: Data<Sim>, body: web::Json<Faults>) -> HttpResponse {
    sim.set_faults(body.into_inner());
    HttpResponse::Ok().json(sim.faults())
}

#[derive(Deserialize)]
struct RateLimitBody {
    rate_limit: String,
}

async fn get_rate_limit(sim: Data<Sim>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "rate_limit": sim.rate_limit() }))
}

async fn set_rate_limit(sim: Data<Sim>, body: web::Json<RateLimitBody>) -> HttpResponse {
    match RateLimit::parse(&body.rate_limit) {
        Ok(limit) => {
            sim.set_rate_limit(limit);
            HttpResponse::Ok().json(json!({ "rate_limit": limit }))
        }
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn reset(sim: Data<Sim>) -> HttpResponse {
    control::reset(&sim, false);
    HttpResponse::NoContent().finish()
}

/// localstripe keeps its webhooks when its data is flushed; so does this.
async fn config_data(sim: Data<Sim>) -> HttpResponse {
    control::reset(&sim, true);
    HttpResponse::Ok().finish()
}

async fn config_webhook(sim: Data<Sim>, req: HttpRequest, id: web::Path<String>, body: Bytes) -> HttpResponse {
    let params = match crate::routes::respond::params(&req, &body) {
        Ok(p) => p,
        Err(e) => return HttpResponse::BadRequest().json(e.body()),
    };
    let (Ok(Some(url)), Ok(Some(secret))) = (params.scalar("url"), params.scalar("secret")) else {
        return HttpResponse::BadRequest()
            .json(json!({"error": {"type": "invalid_request_error", "message": "url and secret are required"}}));
    };
    let events = events_of(&params);
    control::upsert_endpoint(&sim, &id, url, secret, events);
    HttpResponse::Ok().finish()
}

fn events_of(params: &Params) -> Vec<String> {
    let events = params.list("events");
    if events.is_empty() { vec!["*".to_owned()] } else { events }
}
