//! `/v1/webhook_endpoints` (<https://docs.stripe.com/api/webhook_endpoints>): create (the answer holds the
//! signing `secret`, `whsec_…`), retrieve, update (`url`, `enabled_events[]`, `disabled`, `description`,
//! `metadata`), delete and list. Deleting or disabling an endpoint stops its pending retries.

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use crate::app::Sim;
use crate::error::ApiError;
use crate::event::Endpoint;
use crate::form::Params;
use crate::gate::Call;
use crate::routes::respond;
use crate::state::State;

const WRITE: [&str; 8] =
    ["url", "enabled_events", "description", "metadata", "api_version", "connect", "disabled", "expand"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/webhook_endpoints", web::post().to(create))
        .route("/v1/webhook_endpoints", web::get().to(list))
        .route("/v1/webhook_endpoints/{id}", web::get().to(retrieve))
        .route("/v1/webhook_endpoints/{id}", web::post().to(update))
        .route("/v1/webhook_endpoints/{id}", web::delete().to(delete));
}

fn apply(e: &mut Endpoint, p: &Params) -> Result<(), ApiError> {
    if let Some(url) = p.scalar("url")? {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::invalid("url_invalid", "url", "Invalid URL: must be http(s)."));
        }
        e.url = url.to_owned();
    }
    let events = p.list("enabled_events");
    if !events.is_empty() {
        e.enabled_events = events;
    }
    if let Some(d) = p.scalar("description")? {
        e.description = Some(d.to_owned()).filter(|d| !d.is_empty());
    }
    if let Some(d) = p.scalar("disabled")? {
        e.disabled = d == "true";
    }
    if let Some(m) = p.hash("metadata") {
        if m.clear {
            e.metadata.clear();
        }
        for (k, v) in m.entries {
            if v.is_empty() {
                e.metadata.remove(&k)
            } else {
                e.metadata.insert(k, v)
            };
        }
    }
    Ok(())
}

async fn create(sim: Data<Sim>, req: HttpRequest, call: Call, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, p, _| {
        p.only(&WRITE)?;
        for required in ["url", "enabled_events"] {
            if !p.has(required) {
                return Err(ApiError::invalid(
                    "parameter_missing",
                    required,
                    format!("Missing required param: {required}."),
                ));
            }
        }
        let mut e = Endpoint {
            id: crate::ids::webhook_endpoint(),
            url: String::new(),
            secret: crate::ids::webhook_secret(),
            enabled_events: Vec::new(),
            disabled: false,
            created: crate::ids::now_secs(),
            description: None,
            metadata: Default::default(),
            api_version: p.scalar("api_version")?.map(str::to_owned),
        };
        apply(&mut e, p)?;
        let json = e.to_json(true);
        st.endpoints.push(e);
        Ok(json)
    })
    .await
}

fn find<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Endpoint, ApiError> {
    st.endpoints.iter_mut().find(|e| e.id == id).ok_or_else(|| ApiError::no_such("webhook_endpoint", id, "id"))
}

async fn update(sim: Data<Sim>, req: HttpRequest, call: Call, id: web::Path<String>, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, p, _| {
        p.only(&WRITE)?;
        let e = find(st, &id)?;
        apply(e, p)?;
        let (json, disabled) = (e.to_json(false), e.disabled);
        if disabled {
            st.deliveries.drop_endpoint(&id);
        }
        Ok(json)
    })
    .await
}

async fn delete(sim: Data<Sim>, req: HttpRequest, call: Call, id: web::Path<String>, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, _, _| {
        find(st, &id)?;
        st.endpoints.retain(|e| e.id != *id);
        st.deliveries.drop_endpoint(&id);
        Ok(json!({ "id": *id, "object": "webhook_endpoint", "deleted": true }))
    })
    .await
}

async fn retrieve(sim: Data<Sim>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    respond::read(&sim, &req, |st, _| {
        st.endpoints
            .iter()
            .find(|e| e.id == *id)
            .map(|e| e.to_json(false))
            .ok_or_else(|| ApiError::no_such("webhook_endpoint", &id, "id"))
    })
    .await
}

/// Newest first; `limit` and `starting_after` as other lists.
async fn list(sim: Data<Sim>, req: HttpRequest) -> HttpResponse {
    respond::read(&sim, &req, |st, p| {
        p.only(&["limit", "starting_after", "ending_before", "expand"])?;
        let q = crate::paging::ListQuery::parse(p)?;
        let mut all: Vec<&Endpoint> = st.endpoints.iter().rev().collect();
        if let crate::paging::Cursor::After(id) = &q.cursor {
            let at = all.iter().position(|e| e.id == *id).ok_or_else(|| ApiError {
                status: 400,
                ..ApiError::no_such("webhook_endpoint", id, "starting_after")
            })?;
            all.drain(..=at);
        }
        let has_more = all.len() > q.limit;
        let data = all.into_iter().take(q.limit).map(|e| e.to_json(false)).collect();
        Ok(respond::list("/v1/webhook_endpoints", data, has_more))
    })
    .await
}
