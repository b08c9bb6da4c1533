//! Access tokens: obtained with the configured grant, cached, shared by every task that uses the client,
//! and renewed by one task at a time when Salesforce reports the session invalid.

mod credentials;
mod grants;
mod jwt;

pub(crate) use credentials::AuthGrant;

use crate::{Error, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A usable session: the bearer token and the instance it is valid for.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) access_token: SecretString,
    pub(crate) instance_url: String,
    /// Increases with every token obtained; tells a stale session from a fresh one.
    pub(crate) generation: u64,
}

/// What a grant returns.
pub(crate) struct IssuedToken {
    pub(crate) access_token: SecretString,
    pub(crate) instance_url: String,
    pub(crate) refresh_token: Option<SecretString>,
}

/// The token cache.
pub(crate) struct Authenticator {
    http: reqwest::Client,
    token_url: String,
    credentials: AuthGrant,
    instance_override: Option<String>,
    current: RwLock<Option<Arc<Session>>>,
    renewing: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl Authenticator {
    pub(crate) fn new(
        http: reqwest::Client,
        login_url: &str,
        credentials: AuthGrant,
        instance_override: Option<String>,
    ) -> Self {
        Authenticator {
            http,
            token_url: format!("{}/services/oauth2/token", login_url.trim_end_matches('/')),
            credentials,
            instance_override: instance_override.map(|u| u.trim_end_matches('/').to_owned()),
            current: RwLock::new(None),
            renewing: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }

    /// The cached session, or a new one when there is none yet.
    pub(crate) async fn session(&self) -> Result<Arc<Session>, Error> {
        if let Some(session) = self.cached() {
            return Ok(session);
        }
        let _one_at_a_time = self.renewing.lock().await;
        if let Some(session) = self.cached() {
            return Ok(session);
        }
        self.obtain().await
    }

    /// Replaces `stale` (rejected by Salesforce) with a new session, unless another task already did.
    pub(crate) async fn renew(&self, stale: &Session) -> Result<Arc<Session>, Error> {
        let _one_at_a_time = self.renewing.lock().await;
        if let Some(session) = self.cached().filter(|s| s.generation != stale.generation) {
            return Ok(session);
        }
        self.obtain().await
    }

    /// How many tokens this client has obtained so far.
    pub(crate) fn tokens_obtained(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn cached(&self) -> Option<Arc<Session>> {
        self.current.read().ok().and_then(|g| g.clone())
    }

    async fn obtain(&self) -> Result<Arc<Session>, Error> {
        let grant = grants::request(&self.http, &self.token_url, &self.credentials).await?;
        if let Some(rotated) = grant.refresh_token {
            self.credentials.rotate_refresh_token(rotated);
        }
        let instance_url = match &self.instance_override {
            Some(url) => url.clone(),
            None => grant.instance_url.trim_end_matches('/').to_owned(),
        };
        let session = Arc::new(Session {
            access_token: grant.access_token,
            instance_url,
            generation: self.generation.fetch_add(1, Ordering::SeqCst) + 1,
        });
        if let Ok(mut current) = self.current.write() {
            *current = Some(session.clone());
        }
        tracing::info!(generation = session.generation, "obtained a Salesforce access token");
        Ok(session)
    }
}
