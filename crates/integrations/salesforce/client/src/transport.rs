//! One REST call: authorization, the call-options header, usage tracking, error mapping, a single
//! re-authentication on INVALID_SESSION_ID, and retries with backoff for retryable failures.

use crate::ExposeSecret;
use crate::auth::{Authenticator, Session};
use crate::limits::UsageTracker;
use crate::{ApiError, Error, ErrorCode, RetryPolicy};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use std::sync::Arc;

/// Where a request goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Path segments under `/services/data/vNN.0/`; an empty last segment gives a trailing slash.
    Data(Vec<String>),
    /// A server-given path such as a query's `nextRecordsUrl`.
    Absolute(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) target: Target,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Request {
    pub(crate) fn new(method: Method, segments: &[&str]) -> Self {
        Request {
            method,
            target: Target::Data(segments.iter().map(|s| (*s).to_owned()).collect()),
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub(crate) fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A successful (2xx or 300) answer.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) body: String,
}

impl Response {
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_str(&self.body)
            .map_err(|e| Error::Protocol(format!("unexpected body for status {}: {e}", self.status)))
    }
}

/// Where a call stands across its attempts.
struct Attempts {
    number: u32,
    delays: backon::ExponentialBackoff,
    renewed: bool,
    session: Option<Arc<Session>>,
}

pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: Authenticator,
    pub(crate) usage: UsageTracker,
    pub(crate) retry: RetryPolicy,
    pub(crate) api_version: String,
    pub(crate) call_options: String,
}

impl Transport {
    /// Sends `request`, retrying retryable failures and renewing the session once if it was rejected.
    pub(crate) async fn send(&self, request: &Request) -> Result<Response, Error> {
        let mut state = Attempts { number: 1, delays: self.retry.delays(), renewed: false, session: None };
        loop {
            let error = match self.attempt(request, &mut state.session).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let Some(error) = self.renew_if_rejected(&mut state, error).await else {
                continue;
            };
            self.back_off(&mut state, error).await?;
        }
    }

    /// One try, with the session in hand or the current one.
    async fn attempt(&self, request: &Request, session: &mut Option<Arc<Session>>) -> Result<Response, Error> {
        let current = match session {
            Some(s) => s.clone(),
            None => session.insert(self.auth.session().await?).clone(),
        };
        self.send_once(request, &current).await
    }

    /// On the first INVALID_SESSION_ID, renews the session and returns `None` (try again at once);
    /// otherwise hands the error back.
    async fn renew_if_rejected(&self, state: &mut Attempts, error: Error) -> Option<Error> {
        let Some(stale) = state.session.clone().filter(|_| !state.renewed && is_invalid_session(&error)) else {
            return Some(error);
        };
        state.renewed = true;
        tracing::info!("Salesforce rejected the session; re-authenticating once");
        match self.auth.renew(&stale).await {
            Ok(fresh) => {
                state.session = Some(fresh);
                None
            }
            Err(e) => {
                // Not renewed: the next attempt (if the failure is retryable) tries again.
                state.renewed = false;
                state.session = None;
                Some(e)
            }
        }
    }

    /// Sleeps before the next attempt, or returns the error when it is final.
    async fn back_off(&self, state: &mut Attempts, error: Error) -> Result<(), Error> {
        let Some(delay) = state.delays.next().filter(|_| error.is_retryable()) else {
            return Err(error);
        };
        tracing::warn!(attempt = state.number, ?delay, error = %error, "retryable Salesforce failure; backing off");
        tokio::time::sleep(delay).await;
        state.number += 1;
        Ok(())
    }

    async fn send_once(&self, request: &Request, session: &Session) -> Result<Response, Error> {
        let url = self.url(&session.instance_url, &request.target)?;
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .bearer_auth(session.access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .header("Sforce-Call-Options", &self.call_options);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(Error::transport)?;
        self.usage.observe(response.headers());
        let status = response.status();
        let body = response.text().await.map_err(Error::transport)?;
        tracing::debug!(method = %request.method, status = status.as_u16(), "Salesforce call");
        if status.is_success() || status == StatusCode::MULTIPLE_CHOICES {
            Ok(Response { status, body })
        } else {
            Err(Error::Api(ApiError::from_response(status.as_u16(), &body)))
        }
    }

    fn url(&self, instance_url: &str, target: &Target) -> Result<Url, Error> {
        let mut url = Url::parse(instance_url).map_err(|e| Error::Protocol(format!("invalid instance URL: {e}")))?;
        match target {
            Target::Data(segments) => {
                let version = format!("v{}", self.api_version);
                url.path_segments_mut()
                    .map_err(|()| Error::Protocol("instance URL cannot be a base".into()))?
                    .pop_if_empty()
                    .extend(["services", "data", version.as_str()])
                    .extend(segments);
            }
            Target::Absolute(path) if path.starts_with("/services/data/") => {
                url = url.join(path).map_err(|e| Error::Protocol(format!("invalid server-given path: {e}")))?;
            }
            Target::Absolute(path) => {
                return Err(Error::Protocol(format!("unexpected server-given path {path:?}")));
            }
        }
        Ok(url)
    }
}

fn is_invalid_session(error: &Error) -> bool {
    matches!(error, Error::Api(ApiError { status: 401, .. })) || error.code() == Some(&ErrorCode::InvalidSessionId)
}
