//! stripe-sim: a fast, faithful local Stripe for development and tests, replacing localstripe. It serves
//! Customers (create, retrieve, update, delete, list, search), Events (list with type filters and paging,
//! retrieve) and Webhook Endpoints with Stripe's JSON shapes, status codes and error bodies; honours
//! `Idempotency-Key` (replays, 400 `idempotency_error`, 409 `idempotency_key_in_use`); records an event
//! for every change (with `request` and `previous_attributes`) and delivers it to every subscribed endpoint
//! signed exactly as Stripe signs, retrying failures with exponential backoff; optionally enforces Stripe's
//! rate limits and injects faults. State lives in memory, snapshotted to a file off the request path.
//!
//! It must never be used as a data store for anything real, never be exposed beyond loopback (the `/_sim/`
//! and `/_config/` control endpoints are unauthenticated), never accept live-mode keys, and never log API
//! keys or webhook secrets.
//!
//! # Binary configuration (environment, prefix `STRIPESIM_`)
//! | variable | default | meaning |
//! |---|---|---|
//! | `STRIPESIM_ADDR` | `127.0.0.1:8430` | listen address (port 0: any free port) |
//! | `STRIPESIM_API_VERSION` | `2024-06-20` | version reported when a request sends no `Stripe-Version` |
//! | `STRIPESIM_WEBHOOK_URL` | none | an endpoint (id `we_configured`) receiving events |
//! | `STRIPESIM_WEBHOOK_SECRET` | a random `whsec_…` | its signing secret |
//! | `STRIPESIM_WEBHOOK_EVENTS` | `*` | comma-separated event types it receives (`*`: all) |
//! | `STRIPESIM_WEBHOOK_RETRY_INITIAL_MS` | 1000 | first retry delay of a failed delivery (then doubling) |
//! | `STRIPESIM_WEBHOOK_RETRY_MAX_MS` | 10800000 (3 h) | the longest delay between two attempts |
//! | `STRIPESIM_WEBHOOK_RETRY_FOR_SECS` | 259200 (3 days) | no retry is scheduled later than this after the first attempt |
//! | `STRIPESIM_WEBHOOK_TIMEOUT_MS` | 10000 | one attempt's timeout |
//! | `STRIPESIM_WEBHOOK_CONCURRENCY` | 16 | deliveries in flight at once |
//! | `STRIPESIM_RATE_LIMIT` | `off` | `test` (25/s), `live` (100/s) or `<n>/s`: 429 `rate_limit` beyond it, with `Stripe-Should-Retry: true` and `Stripe-Rate-Limited-Reason` |
//! | `STRIPESIM_ERROR_RATE` | 0 | share (0–1) of API calls answered 500 `api_error` |
//! | `STRIPESIM_ADDED_LATENCY_MS` | 0 | latency added to every API call |
//! | `STRIPESIM_IDEMPOTENCY_TTL_SECS` | 86400 | how long idempotent answers are replayed |
//! | `STRIPESIM_EVENT_RETENTION_DAYS` | 30 | events older than this are dropped |
//! | `STRIPESIM_DATA_FILE` | none | JSON snapshot of the state, loaded at start |
//! | `STRIPESIM_SNAPSHOT_INTERVAL_MS` | 500 | the snapshot is written at most this often (and at shutdown) |
//! | `STRIPESIM_WORKERS` | 2 | HTTP worker threads |
//!
//! Any `sk_test_…` or `rk_test_…` key is accepted (Bearer, or Basic with the key as user name). The
//! control routes: `GET /_sim/state`, `GET /_sim/deliveries[?event_id=&endpoint_id=]`, `GET|POST /_sim/faults`
//! (JSON `{"error_rate","added_latency_ms","frozen"}`), `GET|POST /_sim/rate_limit` (JSON
//! `{"rate_limit":"test"}`), `POST /_sim/reset`; localstripe's `POST /_config/webhooks/{id}` (form `url`,
//! `secret`, `events[]`) and `DELETE /_config/data` (keeps the endpoints, as localstripe does).

mod app;
mod config;
mod control;
mod customer;
mod deliveries;
mod error;
mod event;
mod form;
mod gate;
mod idempotency;
pub mod ids;
mod paging;
mod routes;
mod search;
mod state;
mod store;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

pub use config::{DEFAULT_API_VERSION, EnvConfig, Faults, RateLimit, RetrySchedule, SimConfig, StaticEndpoint};
pub use control::{CONFIGURED_ENDPOINT_ID, SimControl};
pub use deliveries::{Attempt, Counters, Outcome};
pub use error::ApiError;

use crate::app::Sim;
use crate::store::Store;

/// A running simulator. Dropping it stops the server; [`RunningSim::stop`] also waits and writes the snapshot.
pub struct RunningSim {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub control: SimControl,
    handle: ServerHandle,
    store: Arc<Store>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSim {
    /// Stops the server and the background tasks, and writes the snapshot.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.handle.stop(true).await;
        self.tasks.drain(..).for_each(|t| t.abort());
        self.store.flush()
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        self.tasks.drain(..).for_each(|t| t.abort());
        if let Err(e) = self.store.flush() {
            tracing::warn!(error = %e, "could not write the stripe-sim snapshot");
        }
    }
}

/// Starts the simulator on `config.addr` (port 0: any free port) inside the current Tokio runtime.
pub async fn spawn(config: SimConfig) -> anyhow::Result<RunningSim> {
    let listener = TcpListener::bind(config.addr)?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
    let store = Arc::new(Store::open(config.data_file.clone())?);
    let sim = web::Data::new(Sim::new(store.clone(), config.clone()));
    control::configure_static(&sim);
    let data = sim.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(from_fn(gate::gate))
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .workers(config.workers)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!(error = %e, "stripe-sim server failed");
        }
    });
    let tasks = vec![
        tokio::spawn(store.clone().flush_loop(config.snapshot_interval)),
        tokio::spawn(webhooks::run(sim.clone())),
        tokio::spawn(housekeeping(sim.clone())),
    ];
    Ok(RunningSim { url: format!("http://{host}:{}", addr.port()), control: SimControl { sim }, handle, store, tasks })
}

/// Drops events past their retention and idempotent answers past their lifetime, every second.
async fn housekeeping(sim: web::Data<Sim>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let retention = i64::try_from(sim.config.event_retention.as_secs()).unwrap_or(i64::MAX);
        let ttl = i64::try_from(sim.config.idempotency_ttl.as_millis()).unwrap_or(i64::MAX);
        let now = ids::now_ms();
        sim.store.write(|st| st.prune(now / 1000 - retention, now - ttl));
    }
}
