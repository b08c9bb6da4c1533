//! Versions, the resource list of a version, and limits.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::version;
use crate::app::Sim;
use crate::error::ApiError;

/// `GET /services/data`: the API versions served (no session needed, as in Salesforce).
pub async fn versions() -> HttpResponse {
    let list: Vec<Value> = (50..=62)
        .map(|n| json!({"label": format!("v{n}.0"), "url": format!("/services/data/v{n}.0"), "version": format!("{n}.0")}))
        .collect();
    HttpResponse::Ok().json(list)
}

pub async fn resources(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    let base = format!("/services/data/{v}");
    Ok(HttpResponse::Ok().json(json!({
        "sobjects": format!("{base}/sobjects"),
        "query": format!("{base}/query"),
        "queryAll": format!("{base}/queryAll"),
        "composite": format!("{base}/composite"),
        "limits": format!("{base}/limits"),
    })))
}

pub async fn limits(sim: web::Data<Sim>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    let (used, max) = sim.usage();
    Ok(HttpResponse::Ok().json(json!({"DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)}})))
}
