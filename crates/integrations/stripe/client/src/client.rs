//! The HTTP core: authentication, form bodies, idempotency keys, rate limiting, retries and `Request-Id`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::config::StripeConfig;
use crate::error::{ErrorEnvelope, StripeError};
use crate::idempotency::IdempotencyKey;
use crate::retry::{RetryPolicy, should_retry_status, should_retry_transport};
use crate::secret::ApiKey;

/// A decoded answer and the `Request-Id` Stripe gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<T> {
    pub body: T,
    pub request_id: Option<String>,
}

/// A Stripe API client. Cheap to clone; clones share the connection pool and the rate limiter.
#[derive(Debug, Clone)]
pub struct StripeClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: String,
    key: ApiKey,
    version: Option<String>,
    retry: RetryPolicy,
    limiter: governor::DefaultDirectRateLimiter,
}

/// One request, as sent on every attempt.
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub form: Vec<(String, String)>,
    pub key: Option<&'a IdempotencyKey>,
}

/// What one attempt ended with.
enum Attempt {
    Done(Result<(StatusCode, Option<String>, Vec<u8>), reqwest::Error>),
    Retry,
}

impl StripeClient {
    /// A client for `config` (validated here).
    pub fn new(config: &StripeConfig) -> Result<Self, StripeError> {
        config.validate().map_err(StripeError::Invalid)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
            .timeout(Duration::from_millis(config.timeout_ms))
            .user_agent(concat!("customer-sync-stripe-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StripeError::Invalid(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base: config.api_base.trim_end_matches('/').to_owned(),
                key: config.secret_key.clone(),
                version: config.api_version.clone(),
                retry: config.retry_policy(),
                limiter: crate::rate::limiter(config.rate_limit),
            }),
        })
    }

    /// Sends `call`, retrying per the policy with the same idempotency key, and decodes the answer.
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<Response<T>, StripeError> {
        let mut delays = self.inner.retry.delays();
        let mut next = delays.next();
        loop {
            match self.attempt(&call, next.is_none()).await {
                Attempt::Done(Ok((status, request_id, body))) => {
                    return decode(status, request_id, &body).map_err(|e| self.redact(e));
                }
                Attempt::Done(Err(e)) => return Err(StripeError::Transport(e)),
                Attempt::Retry => {
                    tokio::time::sleep(next.unwrap_or_default()).await;
                    next = delays.next();
                }
            }
        }
    }

    async fn attempt(&self, call: &Call<'_>, last: bool) -> Attempt {
        self.inner.limiter.until_ready().await;
        // reqwest's errors quote the URL, whose query may hold a customer's email: they never keep it.
        let response = match self.request(call).send().await.map_err(reqwest::Error::without_url) {
            Ok(r) => r,
            Err(e) if !last && should_retry_transport(&e) => {
                tracing::warn!(method = %call.method, path = %call.path, error = %e, "stripe request failed; retrying");
                return Attempt::Retry;
            }
            Err(e) => return Attempt::Done(Err(e)),
        };
        let status = response.status();
        let request_id = header(&response, "request-id");
        let should_retry = header(&response, "stripe-should-retry").map(|v| v == "true");
        tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), request_id, "stripe answered");
        if !status.is_success() && !last && should_retry_status(status.as_u16(), should_retry) {
            tracing::warn!(method = %call.method, path = %call.path, status = status.as_u16(), request_id, "stripe asked for a retry");
            return Attempt::Retry;
        }
        Attempt::Done(
            response.bytes().await.map(|b| (status, request_id, b.to_vec())).map_err(reqwest::Error::without_url),
        )
    }

    fn request(&self, call: &Call<'_>) -> reqwest::RequestBuilder {
        let inner = &self.inner;
        let mut req = inner
            .http
            .request(call.method.clone(), format!("{}{}", inner.base, call.path))
            .bearer_auth(inner.key.expose());
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(version) = &inner.version {
            req = req.header("Stripe-Version", version);
        }
        if let Some(key) = call.key {
            req = req.header("Idempotency-Key", key.as_str());
        }
        if call.method == Method::POST {
            req = req.form(&call.form);
        }
        req
    }
}

impl StripeClient {
    /// Error messages may quote the request's credentials back (stripe-mock quotes the Authorization
    /// header); the key never leaves this client.
    fn redact(&self, mut error: StripeError) -> StripeError {
        let key = self.inner.key.expose();
        if let StripeError::Api { error: body, .. } = &mut error
            && let Some(message) = &mut body.message
            && !key.is_empty()
        {
            *message = message.replace(key, "[redacted]");
        }
        error
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn decode<T: DeserializeOwned>(
    status: StatusCode,
    request_id: Option<String>,
    body: &[u8],
) -> Result<Response<T>, StripeError> {
    let code = status.as_u16();
    if status.is_success() {
        return serde_json::from_slice(body)
            .map(|body| Response { body, request_id: request_id.clone() })
            .map_err(|e| StripeError::Decode { status: code, reason: e.to_string(), request_id });
    }
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(env) => Err(StripeError::Api { status: code, error: env.error, request_id }),
        Err(e) => Err(StripeError::Decode { status: code, reason: e.to_string(), request_id }),
    }
}
