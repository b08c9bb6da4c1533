//! `GET /v1/events` and `GET /v1/events/{id}` (<https://docs.stripe.com/api/events/list>): newest first,
//! filtered by `type` (exact, or a `customer.*` wildcard), `types[]` (any of up to 20 exact types) and
//! `created`, paged by `limit`, `starting_after`, `ending_before`.

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use crate::app::Sim;
use crate::error::ApiError;
use crate::event::{Event, type_matches};
use crate::form::Params;
use crate::paging::{Cursor, ListQuery, page};
use crate::routes::respond;
use crate::state::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/events", web::get().to(list)).route("/v1/events/{id}", web::get().to(retrieve));
}

async fn retrieve(sim: Data<Sim>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    respond::read(&sim, &req, |st, params| {
        params.only(&["expand"])?;
        st.events.get(id.as_str()).map(Event::to_json).ok_or_else(|| ApiError::no_such("event", &id, "id"))
    })
    .await
}

async fn list(sim: Data<Sim>, req: HttpRequest) -> HttpResponse {
    respond::read(&sim, &req, list_page).await
}

fn list_page(st: &State, params: &Params) -> Result<Value, ApiError> {
    params.only(&[
        "limit",
        "starting_after",
        "ending_before",
        "type",
        "types",
        "created",
        "delivery_success",
        "expand",
    ])?;
    let q = ListQuery::parse(params)?;
    let kind = params.scalar("type")?;
    let kinds = params.list("types");
    if kind.is_some() && !kinds.is_empty() {
        return Err(ApiError::invalid(
            "parameter_invalid_string",
            "types",
            "You may only specify one of these parameters: type, types.",
        ));
    }
    if kinds.len() > 20 || kinds.iter().any(|k| k.contains('*')) {
        return Err(ApiError::invalid("parameter_invalid_string", "types", "Up to 20 exact event types."));
    }
    let start = match &q.cursor {
        Cursor::Start => None,
        Cursor::After(id) | Cursor::Before(id) => {
            let e = st
                .events
                .get(id)
                .ok_or_else(|| ApiError { status: 400, ..ApiError::no_such("event", id, "starting_after") })?;
            Some((e.created, e.seq))
        }
    };
    let (ids, has_more) = page(&st.event_index, start, &q, |id| {
        let Some(e) = st.events.get(id) else { return false };
        kind.is_none_or(|k| type_matches(k, &e.kind)) && (kinds.is_empty() || kinds.contains(&e.kind))
    });
    let data = ids.iter().filter_map(|id| st.events.get(*id)).map(Event::to_json).collect();
    Ok(respond::list("/v1/events", data, has_more))
}
