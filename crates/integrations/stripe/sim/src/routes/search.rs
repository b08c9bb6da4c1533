//! `GET /v1/customers/search` (<https://docs.stripe.com/api/customers/search>): `query`, `limit` (1–100,
//! default 10) and `page` (the previous answer's `next_page`). Stripe's search index lags writes by up to
//! a minute; here results are current at once.

use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use crate::app::Sim;
use crate::customer::Customer;
use crate::error::ApiError;
use crate::form::Params;
use crate::paging::{Key, ListQuery};
use crate::routes::respond;
use crate::search::Query;
use crate::state::State;

pub async fn search(sim: Data<Sim>, req: HttpRequest) -> HttpResponse {
    respond::read(&sim, &req, run).await
}

fn run(st: &State, params: &Params) -> Result<Value, ApiError> {
    params.only(&["query", "limit", "page", "expand"])?;
    let text = params
        .scalar("query")?
        .ok_or_else(|| ApiError::invalid("parameter_missing", "query", "Missing required param: query."))?;
    let query = Query::parse(text)?;
    let limit = ListQuery::parse(&Params::parse(limit_only(params)?.as_bytes())?)?.limit;
    let below = params.scalar("page")?.map(decode_page).transpose()?;
    let hits = st
        .customer_index
        .range(..below.unwrap_or((i64::MAX, u64::MAX)))
        .rev()
        .filter_map(|(k, id)| st.customers.get(id).filter(|c| query.matches(c)).map(|c| (*k, c)));
    let mut page: Vec<(Key, &Customer)> = hits.take(limit + 1).collect();
    let has_more = page.len() > limit;
    page.truncate(limit);
    let next_page = if has_more { page.last().map(|(k, _)| format!("pg_{}_{}", k.0, k.1)) } else { None };
    let mut body = json!({
        "object": "search_result",
        "data": page.iter().map(|(_, c)| c.to_json()).collect::<Vec<_>>(),
        "has_more": has_more,
        "next_page": next_page,
        "url": "/v1/customers/search",
    });
    if params.list("expand").iter().any(|e| e == "total_count") {
        body["total_count"] = json!(st.customers.values().filter(|c| !c.deleted && query.matches(c)).count());
    }
    Ok(body)
}

fn limit_only(params: &Params) -> Result<String, ApiError> {
    Ok(params.scalar("limit")?.map(|l| format!("limit={l}")).unwrap_or_default())
}

fn decode_page(token: &str) -> Result<Key, ApiError> {
    let bad = || ApiError::invalid("parameter_invalid_string", "page", format!("Invalid page: {token}"));
    let rest = token.strip_prefix("pg_").ok_or_else(bad)?;
    let (created, seq) = rest.split_once('_').ok_or_else(bad)?;
    Ok((created.parse().map_err(|_| bad())?, seq.parse().map_err(|_| bad())?))
}
