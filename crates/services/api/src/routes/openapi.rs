//! The api's OpenAPI 3.1 document, generated from the code: every handler's `#[utoipa::path]` (method, path,
//! parameters, body, the statuses it answers) and the body types' `ToSchema`. `GET /openapi.json` serves it;
//! `GET /docs` is a page that renders it with Redoc, which the browser loads from Redoc's CDN (nothing is
//! downloaded when building).
//!
//! Who may call an operation is not annotated by hand: [`Guarded`] walks [`ENDPOINTS`], the list the server
//! registers and the auth guard enforces, and gives every non-public operation the `bearer` security
//! requirement, the answers of the guard (401, 403, 429, 503) and the role it needs. The test
//! `tests/api/openapi.rs` checks that every endpoint is in the document with its method and path, so the
//! document cannot drift from the routes.
//!
//! Field rules are written as patterns of the value as sent, surrounding whitespace included, since the api
//! trims before it checks (crates/core/model/src/fields.rs): exactly the rule for names, and for emails and phone
//! numbers the usual forms among those taken (the unit tests below hold them to the catalog's functions).

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr, Schema};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use super::{Access, ENDPOINTS};
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "customer-sync api",
        description = "The customer catalog, each customer's sync status with Stripe and Salesforce, the records \
                       in those systems, dead letters, API keys and the audit trail; and the webhook receivers. \
                       Every operation but the health probes, the metrics, the webhooks and this \
                       document needs \
                       `Authorization: Bearer <API key or JWT>` whose role is at least the one the operation \
                       names (viewer < editor < operator < admin). Errors are \
                       `{\"error\": {\"code\", \"message\", \"field\"}}`."
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        openapi_json,
        docs,
        metrics,
        super::stripe_webhook::receive,
        super::salesforce::outbound::receive,
        super::salesforce::callout::receive,
        super::access::whoami,
        super::customers::create::create,
        super::customers::list::list,
        super::customers::get::get,
        super::customers::update::update,
        super::customers::delete::delete,
        super::customers::sync::status,
        super::customers::sync::resync,
        super::external::salesforce_contacts::create,
        super::external::salesforce_contacts::list,
        super::external::salesforce_contacts::get,
        super::external::salesforce_contacts::update,
        super::external::salesforce_contacts::delete,
        super::external::stripe_customers::create,
        super::external::stripe_customers::list,
        super::external::stripe_customers::get,
        super::external::stripe_customers::update,
        super::external::stripe_customers::delete,
        super::integrations::list,
        super::integrations::pause,
        super::integrations::resume,
        super::dead_letters::list,
        super::dead_letters::replay,
        super::access::create_key,
        super::access::list_keys,
        super::access::revoke_key,
        super::access::audit,
    ),
    modifiers(&Guarded, &OptionalBodies),
    tags(
        (name = "health", description = "Liveness, readiness and metrics"),
        (name = "docs", description = "This document"),
        (name = "webhooks", description = "Stripe's and Salesforce's notifications; each carries its own proof"),
        (name = "customers", description = "The local catalog"),
        (name = "sync", description = "Where a customer stands in each system"),
        (name = "salesforce", description = "Contacts in Salesforce, in Salesforce's shape (503 when not configured)"),
        (name = "stripe", description = "Customers in Stripe, in Stripe's shape (503 when not configured)"),
        (name = "integrations", description = "Pausing and resuming an integration's workers"),
        (name = "dead letters", description = "Events that could not be applied"),
        (name = "access", description = "Who am I, API keys and the audit trail"),
    )
)]
pub struct ApiDoc;

/// The document, built once.
static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string()));

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "docs",
    responses((status = 200, description = "The OpenAPI 3.1 document of this api", body = Object))
)]
pub async fn openapi_json() -> Result<HttpResponse, ApiError> {
    let document = DOCUMENT.as_ref().map_err(|e| ApiError::Internal(anyhow::anyhow!("the OpenAPI document: {e}")))?;
    Ok(HttpResponse::Ok().content_type("application/json").body(document.clone()))
}

/// A browsable page of this document.
///
/// Redoc renders `/openapi.json`; the browser loads it from Redoc's CDN.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "docs",
    responses((status = 200, description = "An HTML page", body = String, content_type = "text/html"))
)]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8")).body(DOCS_PAGE)
}

/// The process's metrics in Prometheus' text format.
///
/// The handler is `crate::observe::metrics`; this describes it.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses((status = 200, description = "Prometheus' text format 0.0.4", body = String, content_type = "text/plain"))
)]
#[allow(dead_code)]
fn metrics() {}

/// The viewer is pinned to a version, so that the page does not change under its readers.
pub const DOCS_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>customer-sync api</title>
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <noscript>This page renders <a href="/openapi.json">/openapi.json</a> with JavaScript.</noscript>
  <script src="https://cdn.redoc.ly/redoc/v2.5.1/bundles/redoc.standalone.js"></script>
</body>
</html>
"#;

/// The security scheme of every non-public operation.
pub const BEARER: &str = "bearer";

/// Gives every non-public endpoint of [`ENDPOINTS`] the `bearer` requirement, the guard's answers and its
/// role (in the description and as `x-required-role`); public ones get no security at all.
pub struct Guarded;

impl Modify for Guarded {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key (`csk_…`, made with POST /v1/keys or `syncctl keys create`), the bootstrap \
                         admin key, or a JWT from the configured issuer",
                    ))
                    .build(),
            ),
        );
        components.schemas.entry("Error".into()).or_insert_with(ErrorBody::schema);
        for endpoint in ENDPOINTS {
            let Some(operation) = operation_mut(doc, endpoint.method.as_str(), endpoint.path) else {
                continue; // tests/api/openapi.rs fails on this
            };
            let Access::Role(role) = endpoint.access else {
                operation.security = None;
                continue;
            };
            operation.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
            let needs = format!("Needs the {role} role or above.");
            operation.description = Some(match operation.description.take() {
                Some(d) if !d.is_empty() => format!("{d}\n\n{needs}"),
                _ => needs,
            });
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert("x-required-role".into(), serde_json::json!(role.as_str()));
            let responses = &mut operation.responses.responses;
            let error = || ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build();
            responses.entry("401".into()).or_insert_with(|| {
                ResponseBuilder::new()
                    .description("No credential, or one that is not valid, was revoked or expired")
                    .content("application/json", error())
                    .header("WWW-Authenticate", HeaderBuilder::new().schema(string_schema()).build())
                    .build()
                    .into()
            });
            responses.entry("403".into()).or_insert_with(|| {
                ResponseBuilder::new()
                    .description(format!("The credential's role is below {role}"))
                    .content("application/json", error())
                    .build()
                    .into()
            });
            responses.entry("429".into()).or_insert_with(|| {
                ResponseBuilder::new()
                    .description("Over the caller's rate limit")
                    .content("application/json", error())
                    .header(
                        "Retry-After",
                        HeaderBuilder::new()
                            .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
                            .description(Some("Seconds to wait"))
                            .build(),
                    )
                    .build()
                    .into()
            });
            responses.entry("503".into()).or_insert_with(|| {
                ResponseBuilder::new()
                    .description("The database is unreachable (API keys are looked up there)")
                    .content("application/json", error())
                    .build()
                    .into()
            });
        }
    }
}

/// An `Option<…>` request body means "may be absent" here (the pause's reason), not "may be `null`": a body
/// that is sent must be one, and `null` is refused like any body of the wrong shape.
pub struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, doc: &mut Document) {
        let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            let bodies = operations.into_iter().flatten().filter_map(|op| op.request_body.as_mut());
            for content in bodies.flat_map(|body| body.content.values_mut()) {
                if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema
                    && let [a, b] = one_of.items.as_slice()
                    && (is_null(a) || is_null(b))
                {
                    content.schema = Some(if is_null(a) { b.clone() } else { a.clone() });
                }
            }
        }
    }
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// The operation of `method` (`GET`, …) at `path` in `doc`.
pub fn operation_mut<'a>(doc: &'a mut Document, method: &str, path: &str) -> Option<&'a mut Operation> {
    let item = doc.paths.paths.get_mut(path)?;
    let slot = match http_method(method)? {
        HttpMethod::Get => &mut item.get,
        HttpMethod::Post => &mut item.post,
        HttpMethod::Put => &mut item.put,
        HttpMethod::Patch => &mut item.patch,
        HttpMethod::Delete => &mut item.delete,
        HttpMethod::Head => &mut item.head,
        HttpMethod::Options => &mut item.options,
        HttpMethod::Trace => &mut item.trace,
    };
    slot.as_mut()
}

/// The operation of `method` at `path` in `doc`.
pub fn operation<'a>(doc: &'a Document, method: &str, path: &str) -> Option<&'a Operation> {
    let item = doc.paths.paths.get(path)?;
    match http_method(method)? {
        HttpMethod::Get => item.get.as_ref(),
        HttpMethod::Post => item.post.as_ref(),
        HttpMethod::Put => item.put.as_ref(),
        HttpMethod::Patch => item.patch.as_ref(),
        HttpMethod::Delete => item.delete.as_ref(),
        HttpMethod::Head => item.head.as_ref(),
        HttpMethod::Options => item.options.as_ref(),
        HttpMethod::Trace => item.trace.as_ref(),
    }
}

fn http_method(method: &str) -> Option<HttpMethod> {
    Some(match method {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        "TRACE" => HttpMethod::Trace,
        _ => return None,
    })
}

// ---- Field rules, as patterns. ----

/// What Rust's `str::trim` removes (Unicode White_Space).
const WS: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What `char::is_control` refuses (Unicode Cc).
const CTRL: &str = r"\x00-\x1f\x7f-\x9f";

/// Text of 1 to `max` characters once trimmed, without control characters (names).
fn printable_text(max: usize) -> String {
    let (ws, ctrl) = (WS, CTRL);
    format!("^[{ws}]*[^{ws}{ctrl}]([^{ctrl}]{{0,{}}}[^{ws}{ctrl}])?[{ws}]*$", max.saturating_sub(2))
}

/// An email address as the catalog takes it. The catalog also takes letters beyond ASCII and longer parts
/// (up to 80 characters in all); the pattern describes a part of that, short enough to always fit.
fn email_pattern() -> String {
    let local = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
    let label = r"[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?";
    format!("^[{WS}]*{local}{{1,20}}(\\.{local}{{1,9}}){{0,2}}@{label}(\\.{label}){{1,2}}[{WS}]*$")
}

/// A phone number: digits, spaces and `+-().`, with at least 3 digits and at most 40 characters; blank means
/// none.
fn phone_pattern() -> String {
    let sep = r"[ +().-]";
    format!("^[{WS}]*({sep}{{0,2}}[0-9]({sep}{{0,2}}[0-9]){{2,11}}{sep}{{0,2}})?[{WS}]*$")
}

fn text_field(pattern: String, nullable: bool, description: &str, example: &str) -> ObjectBuilder {
    let schema_type = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { Type::String.into() };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .pattern(Some(pattern))
        .description(Some(description))
        .examples([example])
}

pub fn customer_name() -> ObjectBuilder {
    text_field(
        printable_text(model::fields::NAME_MAX),
        false,
        "1 to 120 characters once trimmed, no control characters",
        "Ada Lovelace",
    )
}

pub fn customer_name_or_null() -> ObjectBuilder {
    text_field(
        printable_text(model::fields::NAME_MAX),
        true,
        "1 to 120 characters once trimmed, no control characters; absent or null: unchanged",
        "Ada Lovelace",
    )
}

pub fn customer_email() -> ObjectBuilder {
    text_field(email_pattern(), false, "An address like name@example.com, at most 80 characters", "ada@example.com")
}

pub fn customer_email_or_null() -> ObjectBuilder {
    text_field(
        email_pattern(),
        true,
        "An address like name@example.com, at most 80 characters; absent or null: unchanged",
        "ada@example.com",
    )
}

pub fn customer_phone() -> ObjectBuilder {
    text_field(
        phone_pattern(),
        true,
        "Digits, spaces and + - ( ) ., at least 3 digits, at most 40 characters; null or blank: none",
        "+44 20 7946 0000",
    )
}

pub fn customer_phone_patch() -> ObjectBuilder {
    text_field(
        phone_pattern(),
        true,
        "Digits, spaces and + - ( ) ., at least 3 digits, at most 40 characters; absent: unchanged; null or \
         blank: cleared",
        "+44 20 7946 0000",
    )
}

/// Up to `max` characters, none of them control characters (not trimmed).
pub fn printable_up_to(max: usize) -> String {
    format!("^[^{CTRL}]{{0,{max}}}$")
}

pub fn pause_reason() -> ObjectBuilder {
    text_field(
        printable_up_to(super::integrations::REASON_MAX),
        true,
        "Why, for the other operators: at most 500 characters, no control characters",
        "Stripe incident",
    )
}

pub fn key_name() -> ObjectBuilder {
    text_field(
        printable_text(super::access::KEY_NAME_MAX),
        false,
        "1 to 100 characters once trimmed, no control characters",
        "billing service",
    )
}

/// `If-Match` as the api reads it (crate::extract): `*`, or a version as an ETag, quoted or not, weak or not.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?("[+-]?[0-9]{1,18}"|[+-]?[0-9]{1,18}))$"#;

// ---- Bodies the handlers build with `json!` or take from other crates, described here. ----

/// The error body of every refusal (crate::error).
#[derive(ToSchema)]
#[schema(as = Error)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    fn schema() -> RefOr<Schema> {
        <ErrorBody as utoipa::PartialSchema>::schema()
    }
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDetail {
    /// `malformed_request`, `invalid_header`, `validation_failed`, `email_taken`, `not_found`,
    /// `version_mismatch`, `payload_too_large`, `unsupported_media_type`, `unauthenticated`, `forbidden`,
    /// `rate_limited`, `unavailable`, `internal`, or an external system's own code (`DUPLICATE_VALUE`,
    /// `resource_missing`).
    pub code: String,
    pub message: String,
    /// The field or header at fault, if any.
    #[schema(required = true)]
    pub field: Option<String>,
}

/// Refusals of a JSON body, before the handler runs (crate::extract).
#[derive(IntoResponses)]
pub enum JsonBodyRefusals {
    /// Malformed JSON.
    #[response(status = 400)]
    Malformed(#[to_schema] ErrorBody),
    /// The body is over `API_MAX_BODY_BYTES`.
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    NotJson(#[to_schema] ErrorBody),
    /// JSON of the wrong shape (a missing, unknown or mistyped field), or a value the rules refuse; `field`
    /// names it.
    #[response(status = 422)]
    Invalid(#[to_schema] ErrorBody),
}

/// `GET /healthz`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Always `ok`.
    #[schema(pattern = "^ok$")]
    pub status: String,
}

/// `GET /readyz`: whether PostgreSQL and Kafka answer (only the database decides readiness).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    pub database: bool,
    pub kafka: bool,
}

/// A webhook delivery, acknowledged.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookAck {
    pub received: bool,
    /// The delivery was seen before; nothing was written.
    pub duplicate: Option<bool>,
    /// Its change was put in the outbox (not for duplicates, nor for the product's own writes).
    pub published: Option<bool>,
    /// An event type the api does not handle (Stripe).
    pub ignored: Option<bool>,
}

/// A Stripe event, as Stripe sends it (only `customer.created|updated|deleted` are acted on).
#[derive(ToSchema)]
pub struct StripeEvent {
    /// `evt_…`
    pub id: String,
    /// E.g. `customer.updated`.
    #[schema(rename = "type")]
    pub event_type: String,
    /// Unix seconds.
    pub created: i64,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `GET /v1/whoami`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Whoami {
    /// `key:<id>`, `jwt:<subject>` or `bootstrap`: what the audit trail records.
    pub actor: String,
    pub role: Role,
}

/// What a caller may do; each role may do everything the roles before it may.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Operator,
    Admin,
}

/// An integration: a system customers are synced to. Its values are the registry's systems (the one list of
/// systems), so the document names no system of its own.
pub struct IntegrationName;

impl utoipa::PartialSchema for IntegrationName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some("An integration: a system customers are synced to."))
            .enum_values(Some(registry::SYSTEMS.map(events::Integration::as_str)))
            .into()
    }
}

impl ToSchema for IntegrationName {}

/// An integration and whether it is paused.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationState {
    pub name: IntegrationName,
    pub paused: bool,
    /// Who paused it, when and why; null when running (absent in the answer to a resume).
    pub pause: Option<Pause>,
    /// Whether it was paused (only in the answer to a resume).
    pub was_paused: Option<bool>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    pub integration: IntegrationName,
    pub paused_at: chrono::DateTime<chrono::Utc>,
    pub paused_by: String,
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// Every integration.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationList {
    pub data: Vec<IntegrationState>,
}

/// A customer of the catalog (`ETag` is its version).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
    #[schema(required = true)]
    pub phone: Option<String>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A page of customers in creation order.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPage {
    pub data: Vec<Customer>,
    /// Pass it as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Where a customer stands in each system. A deleted customer still has one (its tombstone and links).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncStatus {
    pub customer_id: uuid::Uuid,
    /// The customer's version; null once deleted.
    #[schema(required = true)]
    pub version: Option<i64>,
    pub deleted: bool,
    pub integrations: Integrations,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Integrations {
    pub stripe: IntegrationSync,
    pub salesforce: IntegrationSync,
}

/// One integration's view of the customer.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationSync {
    /// The record's id there (`cus_…`, `003…`), once linked.
    #[schema(required = true)]
    pub external_id: Option<String>,
    #[schema(required = true)]
    pub synced_version: Option<i64>,
    #[schema(required = true)]
    pub last_synced_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(required = true)]
    pub last_pushed_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    pub deleted: bool,
    /// The customer's events for this system still in the outbox.
    #[schema(minimum = 0)]
    pub pending_events: u64,
    /// Open dead letters of this customer in this system.
    pub dead_letters: Vec<SyncDeadLetter>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncDeadLetter {
    pub id: i64,
    pub topic: String,
    pub reason: String,
    pub attempts: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A dead letter: an event that could not be applied.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetter {
    pub id: i64,
    pub integration: String,
    pub topic: String,
    pub partition_key: String,
    #[schema(required = true)]
    pub customer_id: Option<uuid::Uuid>,
    #[schema(required = true)]
    pub event_id: Option<uuid::Uuid>,
    /// The Kafka headers of the event.
    #[schema(value_type = Object)]
    pub headers: serde_json::Value,
    /// The event as it was consumed.
    pub payload: String,
    pub reason: String,
    pub attempts: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub replayed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The open dead letters, oldest first.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterList {
    pub data: Vec<DeadLetter>,
}

/// What a replay did.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Replayed {
    /// Letters put back on their original topics.
    #[schema(minimum = 0)]
    pub replayed: u64,
    /// Letters left open because their payload is not an event.
    pub not_events: Vec<i64>,
}

/// An API key, without its secret.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub id: uuid::Uuid,
    /// The visible part of the key (`csk_Ab12Cd34`).
    pub prefix: String,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(required = true)]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A key just made, with its secret: shown this once.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedApiKey {
    pub id: uuid::Uuid,
    pub prefix: String,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(required = true)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(required = true)]
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `Authorization: Bearer <key>`.
    pub key: String,
}

/// Every key, newest first.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyList {
    pub data: Vec<ApiKey>,
}

/// How an audited request ended.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Refused,
}

/// One audited request.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `key:<id>`, `jwt:<subject>`, `bootstrap`, `cli:<user>` or `anonymous`.
    pub actor: String,
    #[schema(required = true)]
    pub role: Option<String>,
    /// `<METHOD> <path pattern>`.
    pub action: String,
    #[schema(required = true)]
    pub target: Option<String>,
    pub status: i16,
    pub outcome: Outcome,
    #[schema(required = true)]
    pub remote_addr: Option<String>,
    #[schema(required = true)]
    pub forwarded_for: Option<String>,
    #[schema(required = true)]
    pub trace_id: Option<String>,
}

/// A page of the audit trail, newest first.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    pub data: Vec<AuditEvent>,
    /// Pass it as `before` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_before: Option<i64>,
}

/// A Stripe customer, in Stripe's shape (the fields customer sync uses).
#[derive(ToSchema)]
pub struct StripeCustomer {
    /// `cus_…`
    pub id: String,
    /// `customer`
    pub object: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Unix seconds.
    pub created: i64,
    pub livemode: bool,
    pub deleted: bool,
}

/// A customer to create in Stripe: `CustomerBody` (`StripeCustomerChange`) over an empty customer, so name
/// and email are needed.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeCustomerCreate {
    #[schema(schema_with = customer_name)]
    pub name: String,
    #[schema(schema_with = customer_email)]
    pub email: String,
    #[schema(schema_with = customer_phone)]
    pub phone: Option<String>,
}

/// A page of Stripe customers, newest first.
#[derive(ToSchema)]
pub struct StripeCustomerList {
    /// `list`
    pub object: String,
    pub data: Vec<StripeCustomer>,
    pub has_more: bool,
}

/// A Salesforce Contact, in Salesforce's shape; the configured external-id field holds the local customer
/// id.
#[derive(ToSchema)]
pub struct SalesforceContact {
    #[schema(rename = "Id")]
    pub id: String,
    #[schema(rename = "FirstName")]
    pub first_name: Option<String>,
    #[schema(rename = "LastName")]
    pub last_name: Option<String>,
    #[schema(rename = "Email")]
    pub email: Option<String>,
    #[schema(rename = "Phone")]
    pub phone: Option<String>,
    #[schema(rename = "SystemModstamp")]
    pub system_modstamp: Option<chrono::DateTime<chrono::Utc>>,
    /// `{"type": "Contact"}`
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
}

/// The most recently changed Contacts.
#[derive(ToSchema)]
pub struct SalesforceContactList {
    #[schema(rename = "totalSize")]
    pub total_size: i64,
    pub done: bool,
    pub records: Vec<SalesforceContact>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::Utc;
    use serde_json::{Value, json};
    use utoipa::PartialSchema;

    use super::*;

    /// The property names of a schema.
    fn properties(schema: RefOr<Schema>) -> BTreeSet<String> {
        match schema {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().expect("an object").keys().cloned().collect()
    }

    /// The descriptions of bodies from other crates must name exactly the fields those serialize to.
    #[test]
    fn described_bodies_have_the_fields_of_the_real_ones() {
        let now = Utc::now();
        let customer = store::Customer {
            id: uuid::Uuid::now_v7(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            phone: None,
            version: 1,
            created_at: now,
            updated_at: now,
            changed_at: now,
        };
        assert_eq!(keys(&serde_json::to_value(&customer).expect("json")), properties(Customer::schema()));
        let key = store::access::ApiKey {
            id: uuid::Uuid::now_v7(),
            prefix: "csk_Ab12Cd34".into(),
            secret_hash: vec![],
            name: "k".into(),
            role: "admin".into(),
            created_by: "bootstrap".into(),
            created_at: now,
            expires_at: None,
            revoked_at: None,
        };
        let key = serde_json::to_value(&key).expect("json");
        assert_eq!(keys(&key), properties(ApiKey::schema()));
        let mut created = key.clone();
        created["key"] = json!("csk_…");
        assert_eq!(keys(&created), properties(CreatedApiKey::schema()));
        let event = store::access::AuditEvent {
            id: 1,
            at: now,
            actor: "bootstrap".into(),
            role: None,
            action: "GET /v1/keys".into(),
            target: None,
            status: 200,
            outcome: "ok".into(),
            remote_addr: None,
            forwarded_for: None,
            trace_id: None,
        };
        assert_eq!(keys(&serde_json::to_value(&event).expect("json")), properties(AuditEvent::schema()));
        let letter = store::dead_letters::DeadLetter {
            id: 1,
            integration: "stripe".into(),
            topic: "stripe-customer-created".into(),
            partition_key: "k".into(),
            customer_id: None,
            event_id: None,
            headers: json!({}),
            payload: "{}".into(),
            reason: "r".into(),
            attempts: 1,
            created_at: now,
            replayed_at: None,
        };
        assert_eq!(keys(&serde_json::to_value(&letter).expect("json")), properties(DeadLetter::schema()));
        let replayed = store::dead_letters::Replayed { replayed: 0, not_events: vec![] };
        assert_eq!(keys(&serde_json::to_value(&replayed).expect("json")), properties(Replayed::schema()));
        let described = serde_json::to_value(IntegrationName::schema()).expect("json");
        let known: Vec<_> = registry::SYSTEMS.iter().map(|i| json!(i.as_str())).collect();
        assert_eq!(described["enum"], json!(known));
        for role in store::access::Role::ALL {
            let described = serde_json::to_value(match role {
                store::access::Role::Viewer => Role::Viewer,
                store::access::Role::Editor => Role::Editor,
                store::access::Role::Operator => Role::Operator,
                store::access::Role::Admin => Role::Admin,
            });
            assert_eq!(described.expect("json"), json!(role.as_str()));
        }
    }

    /// The `If-Match` pattern is written out in the handlers' attributes; it must be the one tested below.
    #[test]
    fn the_if_match_parameters_have_the_tested_pattern() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("json");
        for method in ["patch", "delete"] {
            let parameters = doc["paths"]["/v1/customers/{id}"][method]["parameters"].as_array().expect("parameters");
            let if_match = parameters.iter().find(|p| p["name"] == "If-Match").expect("If-Match");
            assert_eq!(if_match["schema"]["pattern"], IF_MATCH_PATTERN, "{method}");
            assert_eq!(if_match["schema"]["type"], "string", "{method}: absent, never null");
        }
    }

    fn matcher(pattern: &str) -> impl Fn(&str) -> bool + use<> {
        let re = regex_lite::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        move |v| re.is_match(v)
    }

    /// Values on every edge of the catalog's rules.
    fn edges() -> Vec<String> {
        let mut values: Vec<String> = [
            "",
            " ",
            "\t",
            "a",
            " a ",
            "\u{3000}a\u{3000}",
            "a\u{85}",
            "\u{85}a",
            "a\u{85}b",
            "a\u{1c}",
            "\u{1c}a",
            "a\nb",
            "a b",
            "\u{7f}",
            "Ada Lovelace",
            "ada@example.com",
            " ada@example.com ",
            "a@b",
            "a@b.",
            "a@.b",
            "a@b.c",
            "a.@b.c",
            ".a@b.c",
            "a..b@c.d",
            "a@-b.c",
            "a@b-.c",
            "a@b_c.d",
            "a b@c.d",
            "a@b@c.d",
            "é@b.c",
            "123",
            "12",
            "+1 (555) 010-0000",
            "1.2.3",
            "  12 3  ",
            "1a23",
            "+++123",
            "(((123)))",
            "١٢٣",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        for n in [39, 40, 41, 79, 80, 81, 99, 100, 101, 119, 120, 121] {
            values.push("x".repeat(n));
            values.push(format!(" {} ", "x".repeat(n)));
            values.push("1".repeat(n));
            values.push(format!("{}@example.com", "x".repeat(n.saturating_sub(12))));
        }
        values
    }

    /// The name patterns say exactly what is taken; the email and phone patterns a part of it, the usual
    /// forms among it.
    #[test]
    fn field_patterns_agree_with_the_catalogs_rules() {
        let name = matcher(&printable_text(model::fields::NAME_MAX));
        let key_name = matcher(&printable_text(super::super::access::KEY_NAME_MAX));
        let email = matcher(&email_pattern());
        let phone = matcher(&phone_pattern());
        for v in edges() {
            assert_eq!(name(&v), model::fields::valid_name(&v).is_ok(), "name {v:?}");
            let trimmed = v.trim();
            let key_ok = !trimmed.is_empty()
                && trimmed.chars().count() <= super::super::access::KEY_NAME_MAX
                && !trimmed.chars().any(char::is_control);
            assert_eq!(key_name(&v), key_ok, "key name {v:?}");
            if email(&v) {
                assert!(model::fields::valid_email(&v).is_ok(), "email {v:?}");
            }
            if phone(&v) {
                assert!(model::fields::valid_phone(&v).is_ok(), "phone {v:?}");
            }
        }
        for v in ["ada@example.com", " ada.king@example.co.uk\n", "o'brien+tag@mail-1.example.org"] {
            assert!(email(v), "{v:?}");
        }
        for v in ["", "  ", "123", "+1 (555) 010-0000", "  12 3  ", "+44 20 7946 0000", "555.010.0000"] {
            assert!(phone(v), "{v:?}");
        }
        let if_match = matcher(IF_MATCH_PATTERN);
        for (v, taken) in [
            ("*", true),
            ("\"3\"", true),
            ("W/\"4\"", true),
            ("7", true),
            ("-1", true),
            ("+2", true),
            ("\"abc\"", false),
            ("\"3", false),
            ("W/", false),
            ("", false),
        ] {
            assert_eq!(if_match(v), taken, "If-Match {v:?}");
        }
    }
}
