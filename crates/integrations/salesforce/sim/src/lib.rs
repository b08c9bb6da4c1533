//! salesforce-sim: a faithful local Salesforce for development and tests, since no org can be reached
//! from here. It serves the OAuth token endpoint (JWT bearer, client credentials, refresh token), the
//! Contact REST surface (CRUD, upsert by external id, sObject Collections, SOQL query/queryAll with paging,
//! updated/deleted, describe) with Salesforce's JSON shapes, status codes, error bodies, 18-character ids,
//! validation, a recycle bin and `Sforce-Limit-Info`; injects faults on demand; and pushes Contact changes
//! as Outbound Messages (SOAP) and signed JSON callouts. HTTPS (with a local CA written to disk) and HTTP.
//!
//! It must never be used as a data store for anything real, never be exposed beyond loopback (the
//! `/_sim/` control endpoints are unauthenticated), and never log tokens or secrets.
//!
//! # Binary configuration (environment, prefix `SFSIM_`)
//! | variable | default | meaning |
//! |---|---|---|
//! | `SFSIM_HTTP_ADDR` | `127.0.0.1:7480` | plain HTTP listener |
//! | `SFSIM_HTTPS_ADDR` | `127.0.0.1:7443` | HTTPS listener; `off` disables it |
//! | `SFSIM_TLS_DIR` | a temp dir | where `ca.pem`, `server.pem`, `server-key.pem` are written (reused) |
//! | `SFSIM_CLIENT_ID` / `SFSIM_CLIENT_SECRET` | `sim-client-id` / `sim-client-secret` | the connected app |
//! | `SFSIM_USERNAME` | `integration@sim.example` | the JWT `sub` accepted |
//! | `SFSIM_JWT_CERT_FILE` | none | certificate (or RSA public key) PEM verifying JWT assertions |
//! | `SFSIM_REFRESH_TOKENS` | none | comma-separated refresh tokens accepted |
//! | `SFSIM_TOKEN_TTL_SECS` | 7200 | access token lifetime |
//! | `SFSIM_DAILY_API_LIMIT` | 100000 | daily API allocation |
//! | `SFSIM_SERVER_UNAVAILABLE_RATE`, `SFSIM_UNABLE_TO_LOCK_ROW_RATE` | 0 | injected failure rates (0–1) |
//! | `SFSIM_ADDED_LATENCY_MS` | 0 | latency added to every API call |
//! | `SFSIM_OUTBOUND_URL` | none | Outbound Message listener (SOAP) |
//! | `SFSIM_CALLOUT_URL` / `SFSIM_CALLOUT_SECRET` | none | JSON callout target and its HMAC key |
//! | `SFSIM_EXCLUDE_CLIENT` | none | `Sforce-Call-Options` client whose changes are not pushed |
//! | `SFSIM_EXTERNAL_ID_FIELD` | `Customer_Id__c` | the Contact external-id field |
//! | `SFSIM_PUSH_RETRY_INITIAL_MS` | 1000 | first retry delay of un-Acked pushes (doubles, up to 2 h) |
//! | `SFSIM_DATA_FILE` | none | JSON file the state persists to |
//!
//! The callout is `POST` JSON `{"notificationId","sobjectType","changeType","changeOrigin",
//! "commitTimestamp","recordId","record"}` with `Salesforce-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">`; Outbound Messages follow Salesforce's WSDL (null fields as `xsi:nil="true"`).

mod app;
mod auth;
mod config;
mod control;
mod error;
mod gate;
pub mod ids;
mod push;
mod record;
mod routes;
mod schema;
pub mod soql;
mod state;
mod store;
pub mod time;
mod tls;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use actix_web::middleware::{NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use tokio::task::JoinHandle;

pub use config::{EnvConfig, Faults, SimConfig};
pub use control::SimControl;
pub use error::{ApiError, RecordError};
pub use push::sign_callout;
pub use schema::Schema;

use crate::app::{Sim, Urls};
use crate::push::{Channel, PushSettings, PushTarget};
use crate::store::Store;

/// The API version used in Outbound Message URLs.
pub const API_VERSION_NUMBER: &str = "59.0";

/// A running simulator. Dropping it stops the server; [`RunningSim::stop`] also waits and flushes state.
pub struct RunningSim {
    pub http_url: String,
    pub https_url: Option<String>,
    /// The CA certificate clients must trust for `https_url`.
    pub ca_pem: Option<PathBuf>,
    /// Base URL of the token endpoint (`{login_url}/services/oauth2/token`) and the JWT `aud` to use.
    pub login_url: String,
    pub control: SimControl,
    handle: ServerHandle,
    store: Arc<Store>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSim {
    /// Stops the server and the push workers, and writes the state to the data file.
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
            tracing::warn!(error = %e, "could not persist salesforce-sim state");
        }
    }
}

fn url(scheme: &str, addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
    let host = if addr.is_ipv6() && !addr.ip().is_unspecified() { format!("[{host}]") } else { host };
    format!("{scheme}://{host}:{}", addr.port())
}

/// Starts the simulator on the configured addresses (port 0: any free port) and returns its URLs.
pub async fn spawn(config: SimConfig) -> anyhow::Result<RunningSim> {
    let http = TcpListener::bind(config.http_addr)?;
    let https = config.https_addr.map(TcpListener::bind).transpose()?;
    let urls = Urls {
        http: url("http", http.local_addr()?),
        https: https.as_ref().map(|l| l.local_addr().map(|a| url("https", a))).transpose()?,
    };
    let tls = match &https {
        Some(_) => {
            let dir = config.tls_dir.clone().unwrap_or_else(|| temp_tls_dir(&urls.http));
            Some(tls::prepare(&dir)?)
        }
        None => None,
    };
    let schema = Schema::contact(&config.external_id_field, config.external_id_unique);
    let push = PushSettings {
        outbound: config.outbound_url.is_some(),
        callout: config.callout_url.is_some(),
        exclude_client: config.exclude_client.clone(),
    };
    let store = Arc::new(Store::open(schema, push, config.data_file.clone())?);
    let sim = web::Data::new(Sim::new(store.clone(), config.clone(), urls.clone())?);
    let data = sim.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(32 * 1024 * 1024))
            .wrap(from_fn(gate::gate))
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .configure(routes::configure)
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(http)?;
    if let (Some(listener), Some(files)) = (https, &tls) {
        server = server.listen_rustls_0_23(listener, tls::server_config(files)?)?;
    }
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!(error = %e, "salesforce-sim server failed");
        }
    });
    let instance_url = urls.https.clone().unwrap_or_else(|| urls.http.clone());
    let mut tasks = vec![tokio::spawn(store.clone().flush_loop())];
    tasks.extend(
        push_targets(&config, &sim, &instance_url)
            .into_iter()
            .map(|t| tokio::spawn(push::run_worker(store.clone(), t))),
    );
    Ok(RunningSim {
        login_url: instance_url,
        http_url: urls.http,
        https_url: urls.https,
        ca_pem: tls.map(|t| t.ca_pem),
        control: SimControl { sim },
        handle,
        store,
        tasks,
    })
}

fn temp_tls_dir(http_url: &str) -> PathBuf {
    let port = http_url.rsplit(':').next().unwrap_or("0");
    std::env::temp_dir().join(format!("salesforce-sim-tls-{}-{port}", std::process::id()))
}

fn push_targets(config: &SimConfig, sim: &Sim, instance_url: &str) -> Vec<PushTarget> {
    let target = |channel, url: &String| PushTarget {
        channel,
        url: url.clone(),
        secret: config.callout_secret.clone(),
        org_id: sim.org_id.clone(),
        action_id: ids::to_18("04kSm0000000001").unwrap_or_default(),
        instance_url: instance_url.to_owned(),
        retry_initial: config.push_retry_initial,
        retry_max: config.push_retry_max,
        max_age: config.push_max_age,
    };
    let outbound = config.outbound_url.as_ref().map(|u| target(Channel::Outbound, u));
    let callout = config.callout_url.as_ref().map(|u| target(Channel::Callout, u));
    outbound.into_iter().chain(callout).collect()
}
