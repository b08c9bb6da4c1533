//! `query` and `queryAll` (which includes the recycle bin), paged by server-side cursors: at most 2,000
//! records per page (or the `Sforce-Query-Options: batchSize=` given, 200–2,000), `nextRecordsUrl`
//! pointing at `query/<locator>-<offset>`.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::version;
use crate::app::{Cursor, Sim};
use crate::error::ApiError;
use crate::soql;

const DEFAULT_PAGE: usize = 2000;
const CURSOR_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Deserialize)]
pub struct QueryParams {
    q: Option<String>,
}

pub async fn query(
    sim: web::Data<Sim>,
    req: HttpRequest,
    params: web::Query<QueryParams>,
) -> Result<HttpResponse, ApiError> {
    run(&sim, &req, params.q.as_deref(), false)
}

pub async fn query_all(
    sim: web::Data<Sim>,
    req: HttpRequest,
    params: web::Query<QueryParams>,
) -> Result<HttpResponse, ApiError> {
    run(&sim, &req, params.q.as_deref(), true)
}

fn run(sim: &Sim, req: &HttpRequest, q: Option<&str>, include_deleted: bool) -> Result<HttpResponse, ApiError> {
    let v = version(req)?;
    let q = q
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified"))?;
    let parsed = soql::parse(q, &sim.store.schema)?;
    let now = sim.now();
    let result = sim.store.read(|st| {
        let records =
            st.contacts.values().filter(|r| include_deleted || r.get("IsDeleted") != Some(&Value::Bool(true)));
        soql::evaluate(&parsed, &sim.store.schema, records, &v, now)
    })?;
    if parsed.count {
        return Ok(HttpResponse::Ok().json(json!({"totalSize": result.total, "done": true, "records": []})));
    }
    let page = page_size(req);
    let cursor = Cursor { total: result.total, records: result.records, page, created: Instant::now() };
    Ok(HttpResponse::Ok().json(serve_page(sim, &v, None, cursor, 0)))
}

/// The page size asked for with `Sforce-Query-Options: batchSize=N` (clamped to 200–2,000).
fn page_size(req: &HttpRequest) -> usize {
    req.headers()
        .get("Sforce-Query-Options")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split(',').find_map(|p| p.trim().strip_prefix("batchSize=").map(str::to_owned)))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map_or(DEFAULT_PAGE, |n| n.clamp(200, DEFAULT_PAGE))
}

/// One page starting at `offset`; keeps the cursor when more remain.
fn serve_page(sim: &Sim, version: &str, locator: Option<String>, cursor: Cursor, offset: usize) -> Value {
    let end = (offset + cursor.page).min(cursor.records.len());
    let records = cursor.records.get(offset..end).unwrap_or_default().to_vec();
    let mut body = json!({"totalSize": cursor.total, "done": end >= cursor.records.len(), "records": records});
    if end < cursor.records.len() {
        let locator = locator.unwrap_or_else(|| sim.store.write(|st, _| st.next_id("01g")));
        body["nextRecordsUrl"] = Value::String(format!("/services/data/{version}/query/{locator}-{end}"));
        sim.with_cursors(|c| {
            c.retain(|_, cur| cur.created.elapsed() < CURSOR_TTL);
            c.insert(locator, cursor);
        });
    }
    body
}

pub async fn more(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (locator, offset) = path.1.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let cursor = sim.with_cursors(|c| c.remove(locator)).ok_or_else(invalid)?;
    if offset > cursor.records.len() {
        return Err(invalid());
    }
    Ok(HttpResponse::Ok().json(serve_page(&sim, &v, Some(locator.to_owned()), cursor, offset)))
}
