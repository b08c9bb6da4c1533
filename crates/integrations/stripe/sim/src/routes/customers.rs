//! `/v1/customers`: create, retrieve, update, delete and list (<https://docs.stripe.com/api/customers>).

use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use crate::app::Sim;
use crate::customer::{Changes, Customer};
use crate::error::ApiError;
use crate::form::Params;
use crate::gate::Call;
use crate::paging::{Cursor, ListQuery, page};
use crate::routes::respond;
use crate::state::State;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/customers", web::post().to(create))
        .route("/v1/customers", web::get().to(list))
        .route("/v1/customers/search", web::get().to(crate::routes::search::search))
        .route("/v1/customers/{id}", web::get().to(retrieve))
        .route("/v1/customers/{id}", web::post().to(update))
        .route("/v1/customers/{id}", web::delete().to(delete));
}

async fn create(sim: Data<Sim>, req: HttpRequest, call: Call, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, params, origin| {
        let changes = Changes::from_params(params)?;
        let seq = st.next_seq();
        let mut c = Customer::new(crate::ids::customer(), crate::ids::now_secs(), seq);
        changes.apply(&mut c);
        let json = c.to_json();
        st.customer_index.insert((c.created, seq), c.id.clone());
        st.customers.insert(c.id.clone(), c);
        st.emit("customer.created", json.clone(), None, origin);
        Ok(json)
    })
    .await
}

fn live<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Customer, ApiError> {
    st.customers.get_mut(id).filter(|c| !c.deleted).ok_or_else(|| ApiError::no_such("customer", id, "id"))
}

/// A deleted customer's `GET` answers its stub `{"id","object":"customer","deleted":true}` with 200, as
/// Stripe does (<https://docs.stripe.com/api/customers/retrieve>: "returns … a deleted object if the
/// customer was deleted"), not a 404 as localstripe does.
async fn retrieve(sim: Data<Sim>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    respond::read(&sim, &req, |st, params| {
        params.only(&["expand"])?;
        match st.customers.get(id.as_str()) {
            Some(c) if c.deleted => Ok(c.deleted_stub()),
            Some(c) => Ok(c.to_json()),
            None => Err(ApiError::no_such("customer", &id, "id")),
        }
    })
    .await
}

/// Only the parameters sent change; metadata merges (an empty value unsets a key). No event when nothing
/// changed, as Stripe sends none.
async fn update(sim: Data<Sim>, req: HttpRequest, call: Call, id: web::Path<String>, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, params, origin| {
        let changes = Changes::from_params(params)?;
        let c = live(st, &id)?;
        let before = c.clone();
        changes.apply(c);
        let json = c.to_json();
        if let Some(previous) = c.previous_attributes(&before) {
            st.emit("customer.updated", json.clone(), Some(previous), origin);
        }
        Ok(json)
    })
    .await
}

/// The `customer.deleted` event carries the customer as it was, without `deleted`.
async fn delete(sim: Data<Sim>, req: HttpRequest, call: Call, id: web::Path<String>, body: Bytes) -> HttpResponse {
    respond::write(&sim, &req, &call, &body, |st, params, origin| {
        params.only(&["expand"])?;
        let c = live(st, &id)?;
        c.deleted = true;
        let (key, json, stub) = ((c.created, c.seq), c.to_json(), c.deleted_stub());
        st.customer_index.remove(&key);
        st.emit("customer.deleted", json, None, origin);
        Ok(stub)
    })
    .await
}

/// Newest first; `email` is an exact (case-sensitive) match.
async fn list(sim: Data<Sim>, req: HttpRequest) -> HttpResponse {
    respond::read(&sim, &req, list_page).await
}

fn list_page(st: &State, params: &Params) -> Result<Value, ApiError> {
    params.only(&["limit", "starting_after", "ending_before", "email", "created", "expand", "test_clock"])?;
    let q = ListQuery::parse(params)?;
    let email = params.scalar("email")?;
    let start = cursor_key(st, &q.cursor)?;
    let (ids, has_more) = page(&st.customer_index, start, &q, |id| {
        email.is_none_or(|e| st.customers.get(id).and_then(|c| c.email.as_deref()) == Some(e))
    });
    let data = ids.iter().filter_map(|id| st.customers.get(*id)).map(Customer::to_json).collect();
    Ok(respond::list("/v1/customers", data, has_more))
}

fn cursor_key(st: &State, cursor: &Cursor) -> Result<Option<(i64, u64)>, ApiError> {
    let (id, param) = match cursor {
        Cursor::Start => return Ok(None),
        Cursor::After(id) => (id, "starting_after"),
        Cursor::Before(id) => (id, "ending_before"),
    };
    let c = st.customers.get(id).ok_or_else(|| ApiError { status: 400, ..ApiError::no_such("customer", id, param) })?;
    Ok(Some((c.created, c.seq)))
}
