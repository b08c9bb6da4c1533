//! Routes. One handler per file; every endpoint, with the role it needs, in [`ENDPOINTS`], which is both what
//! the server registers and what the permission tests walk, so that no endpoint can be added without a role.

pub mod access;
pub mod customers;
pub mod dead_letters;
pub mod external;
pub mod health;
pub mod integrations;
pub mod openapi;
pub mod salesforce;
pub mod stripe_webhook;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{Route, web};
use store::access::Role;

use crate::auth;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health probes, and webhooks, which carry their own proof (a signature, a secret URL).
    Public,
    /// Callers whose role is at least this one.
    Role(Role),
}

/// One endpoint: method, path pattern, who may call it, and its handler.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: fn(Route) -> Route,
}

const fn ep(method: Method, path: &'static str, access: Access, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint { method, path, access, handler }
}

use Access::Public;
const VIEWER: Access = Access::Role(Role::Viewer);
const EDITOR: Access = Access::Role(Role::Editor);
const OPERATOR: Access = Access::Role(Role::Operator);
const ADMIN: Access = Access::Role(Role::Admin);

pub static ENDPOINTS: &[Endpoint] = &[
    ep(Method::GET, "/healthz", Public, |r| r.to(health::healthz)),
    ep(Method::GET, "/readyz", Public, |r| r.to(health::readyz)),
    ep(Method::GET, "/openapi.json", Public, |r| r.to(openapi::openapi_json)),
    ep(Method::GET, "/docs", Public, |r| r.to(openapi::docs)),
    ep(Method::GET, "/metrics", Public, |r| r.to(crate::observe::metrics)),
    ep(Method::POST, "/webhooks/stripe", Public, |r| r.to(stripe_webhook::receive)),
    ep(Method::POST, "/webhooks/salesforce/outbound-messages/{token}", Public, |r| r.to(salesforce::outbound::receive)),
    ep(Method::POST, "/webhooks/salesforce/callouts", Public, |r| r.to(salesforce::callout::receive)),
    ep(Method::GET, "/v1/whoami", VIEWER, |r| r.to(access::whoami)),
    ep(Method::POST, "/v1/customers", EDITOR, |r| r.to(customers::create::create)),
    ep(Method::GET, "/v1/customers", VIEWER, |r| r.to(customers::list::list)),
    ep(Method::GET, "/v1/customers/{id}", VIEWER, |r| r.to(customers::get::get)),
    ep(Method::PATCH, "/v1/customers/{id}", EDITOR, |r| r.to(customers::update::update)),
    ep(Method::DELETE, "/v1/customers/{id}", EDITOR, |r| r.to(customers::delete::delete)),
    ep(Method::GET, "/v1/customers/{id}/sync", VIEWER, |r| r.to(customers::sync::status)),
    ep(Method::POST, "/v1/customers/{id}/resync", OPERATOR, |r| r.to(customers::sync::resync)),
    ep(Method::POST, "/v1/salesforce/contacts", EDITOR, |r| r.to(external::salesforce_contacts::create)),
    ep(Method::GET, "/v1/salesforce/contacts", VIEWER, |r| r.to(external::salesforce_contacts::list)),
    ep(Method::GET, "/v1/salesforce/contacts/{id}", VIEWER, |r| r.to(external::salesforce_contacts::get)),
    ep(Method::PATCH, "/v1/salesforce/contacts/{id}", EDITOR, |r| r.to(external::salesforce_contacts::update)),
    ep(Method::DELETE, "/v1/salesforce/contacts/{id}", EDITOR, |r| r.to(external::salesforce_contacts::delete)),
    ep(Method::POST, "/v1/stripe/customers", EDITOR, |r| r.to(external::stripe_customers::create)),
    ep(Method::GET, "/v1/stripe/customers", VIEWER, |r| r.to(external::stripe_customers::list)),
    ep(Method::GET, "/v1/stripe/customers/{id}", VIEWER, |r| r.to(external::stripe_customers::get)),
    ep(Method::PATCH, "/v1/stripe/customers/{id}", EDITOR, |r| r.to(external::stripe_customers::update)),
    ep(Method::DELETE, "/v1/stripe/customers/{id}", EDITOR, |r| r.to(external::stripe_customers::delete)),
    ep(Method::GET, "/v1/integrations", VIEWER, |r| r.to(integrations::list)),
    ep(Method::POST, "/v1/integrations/{name}/pause", OPERATOR, |r| r.to(integrations::pause)),
    ep(Method::POST, "/v1/integrations/{name}/resume", OPERATOR, |r| r.to(integrations::resume)),
    ep(Method::GET, "/v1/dead-letters", OPERATOR, |r| r.to(dead_letters::list)),
    ep(Method::POST, "/v1/dead-letters/replay", OPERATOR, |r| r.to(dead_letters::replay)),
    ep(Method::POST, "/v1/keys", ADMIN, |r| r.to(access::create_key)),
    ep(Method::GET, "/v1/keys", ADMIN, |r| r.to(access::list_keys)),
    ep(Method::DELETE, "/v1/keys/{id}", ADMIN, |r| r.to(access::revoke_key)),
    ep(Method::GET, "/v1/audit", ADMIN, |r| r.to(access::audit)),
];

/// Registers one resource per path with a route per method; a method the path does not have gets 405 with
/// `Allow` (in the api's error body).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&'static str> = Vec::new();
    for endpoint in ENDPOINTS {
        if !paths.contains(&endpoint.path) {
            paths.push(endpoint.path);
        }
    }
    for path in paths {
        let endpoints: Vec<&'static Endpoint> = ENDPOINTS.iter().filter(|e| e.path == path).collect();
        let allow = endpoints.iter().map(|e| e.method.as_str()).collect::<Vec<_>>().join(", ");
        let mut resource = web::resource(path);
        for endpoint in endpoints {
            let route = (endpoint.handler)(web::route().method(endpoint.method.clone()));
            resource = resource.route(match endpoint.access {
                Access::Public => route,
                Access::Role(_) => route.wrap(from_fn(move |req, next| auth::guard(endpoint, req, next))),
            });
        }
        cfg.service(resource.default_service(web::to(move || method_not_allowed(allow.clone()))));
    }
}

async fn method_not_allowed(allow: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed().insert_header((actix_web::http::header::ALLOW, allow)).json(
        serde_json::json!({"error": {"code": "method_not_allowed", "message": "this path does not take that method", "field": null}}),
    )
}
