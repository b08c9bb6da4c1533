//! `sobjects/Contact/updated` and `deleted`: ids changed (by SystemModstamp) or deleted in a window.
//! Like Salesforce, seconds are ignored (both ends round down to the minute), the window is half-open
//! `[start, end)`, `latestDateCovered` is never past the current minute, and start may be at most 30 days
//! (updated) or 15 days (deleted) back.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{contact_only, version};
use crate::app::Sim;
use crate::error::ApiError;
use crate::time;

#[derive(Deserialize)]
pub struct Window {
    start: Option<String>,
    end: Option<String>,
}

struct Range {
    start: DateTime<Utc>,
    latest: DateTime<Utc>,
}

fn range(sim: &Sim, w: &Window, max_days: i64) -> Result<Range, ApiError> {
    let parse = |name: &str, v: &Option<String>| {
        v.as_deref().and_then(time::parse).ok_or_else(|| {
            ApiError::bad_request("INVALID_REPLICATION_DATE", format!("{name} is missing or not a valid date-time"))
        })
    };
    let minute = TimeDelta::minutes(1);
    let start = time::truncate(parse("start", &w.start)?, minute);
    let end = time::truncate(parse("end", &w.end)?, minute);
    let now = time::truncate(sim.now(), minute);
    if start > end {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "start date must chronologically precede end date",
        ));
    }
    if start < now - TimeDelta::days(max_days) {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate is before the earliest date available",
        ));
    }
    Ok(Range { start, latest: end.min(now) })
}

fn stamp(r: &serde_json::Map<String, Value>) -> Option<DateTime<Utc>> {
    r.get("SystemModstamp").and_then(Value::as_str).and_then(time::parse)
}

fn in_range(t: Option<DateTime<Utc>>, r: &Range) -> bool {
    t.is_some_and(|t| t >= r.start && t < r.latest)
}

pub async fn updated(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    w: web::Query<Window>,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let r = range(&sim, &w, 30)?;
    let ids: Vec<Value> = sim.store.read(|st| {
        st.contacts
            .values()
            .filter(|c| c.get("IsDeleted") != Some(&Value::Bool(true)) && in_range(stamp(c), &r))
            .filter_map(|c| c.get("Id").cloned())
            .collect()
    });
    Ok(HttpResponse::Ok().json(json!({"ids": ids, "latestDateCovered": time::format(r.latest)})))
}

pub async fn deleted(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    w: web::Query<Window>,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let r = range(&sim, &w, 15)?;
    let records: Vec<Value> = sim.store.read(|st| {
        st.contacts
            .values()
            .filter(|c| c.get("IsDeleted") == Some(&Value::Bool(true)) && in_range(stamp(c), &r))
            .map(|c| json!({"id": c.get("Id"), "deletedDate": c.get("SystemModstamp")}))
            .collect()
    });
    let earliest = time::truncate(sim.now() - TimeDelta::days(15), TimeDelta::minutes(1));
    Ok(HttpResponse::Ok().json(json!({
        "deletedRecords": records,
        "earliestDateAvailable": time::format(earliest),
        "latestDateCovered": time::format(r.latest),
    })))
}
