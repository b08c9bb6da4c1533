//! The catalog's HTTP API: customers under /v1/customers, webhook receivers, health and readiness, and the
//! pass-through endpoints /v1/salesforce/contacts and /v1/stripe/customers. Stateless, so that many copies can
//! run behind a load balancer. It must never call Stripe, Salesforce or Kafka on a catalog request's path:
//! every change leaves through the outbox, in the transaction that made it. Only the pass-through endpoints
//! call the system they name, because that is what their caller asked for.

pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod observe;
pub mod routes;
pub mod state;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

pub use config::ApiConfig;
pub use state::AppState;

/// Builds the server on `listener` (port 0 in tests). The caller awaits it; it stops on SIGTERM/SIGINT after
/// finishing in-flight requests.
pub fn run(config: ApiConfig, listener: TcpListener) -> anyhow::Result<Server> {
    registry::register()?;
    let state = web::Data::new(AppState::new(&config)?);
    let max_body = config.max_body_bytes;
    let stripe_webhook = web::Data::new(routes::stripe_webhook::StripeWebhook::from_config(&config));
    let salesforce = web::Data::new(routes::salesforce::SalesforceInbound::from_config(&config));
    let auth = web::Data::new(auth::Auth::from_config(&config)?);
    telemetry::metrics::handle();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(stripe_webhook.clone())
            .app_data(salesforce.clone())
            .app_data(auth.clone())
            .app_data(extract::json_config(max_body))
            .app_data(extract::path_config())
            .app_data(extract::query_config())
            .app_data(web::PayloadConfig::new(max_body))
            .configure(routes::configure)
            .wrap(actix_web::middleware::from_fn(observe::observe))
    })
    .shutdown_timeout(30)
    .listen(listener)?;
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
