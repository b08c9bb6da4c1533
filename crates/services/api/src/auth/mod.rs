//! Who is calling, and may they. Every endpoint of [`crate::routes::ENDPOINTS`] that is not public is wrapped
//! in [`guard`], which, in order:
//!
//! 1. authenticates `Authorization: Bearer <credential>`: an API key (`csk_…`, looked up by its visible
//!    prefix and compared by hash in constant time), the bootstrap admin key from the environment, or a JWT
//!    verified against the configured issuer, audience and keys (401 otherwise);
//! 2. applies the caller's rate limit (429 with `Retry-After`; callers without a valid credential share one
//!    limit per peer address);
//! 3. checks the caller's role against the endpoint's (403);
//! 4. runs the handler and, for every write and every admin endpoint, records who, what, when, from where
//!    and how it ended in `audit_events` — refusals included.
//!
//! The principal and the request's trace context are left in the request's extensions for the handlers.

pub mod jwt;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use model::ExposeSecret;
use store::access::{self, NewAuditEvent, Outcome, Role};
use subtle::ConstantTimeEq;
use telemetry::TraceParent;

use crate::config::ApiConfig;
use crate::error::ApiError;
use crate::routes::{Access, Endpoint};
use crate::state::AppState;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `key:<id>`, `jwt:<subject>` or `bootstrap`: what the audit trail records.
    pub actor: String,
    pub role: Role,
}

/// The credentials the api accepts, and the rate limiter. Built once at start.
pub struct Auth {
    bootstrap_hash: Option<Vec<u8>>,
    jwt: Option<jwt::JwtVerifier>,
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// Keys read from the database in the last `key_cache_ttl`, by prefix (`API_KEY_CACHE_SECS`): a
    /// revocation takes effect at once in the process that made it, within the TTL in the others.
    keys: std::sync::Mutex<std::collections::HashMap<String, (access::ApiKey, std::time::Instant)>>,
    key_cache_ttl: std::time::Duration,
}

/// Above this many cached keys, the cache starts over.
const KEY_CACHE_MAX: usize = 10_000;

/// Above this many tracked callers, forget the ones whose limit has fully refilled.
const LIMITER_TRIM_AT: usize = 10_000;

impl Auth {
    pub fn from_config(config: &ApiConfig) -> anyhow::Result<Self> {
        let per_sec = NonZeroU32::new(config.rate_limit_per_sec)
            .ok_or_else(|| anyhow::anyhow!("API_RATE_LIMIT_PER_SEC must be positive"))?;
        let burst = NonZeroU32::new(config.rate_limit_burst.max(config.rate_limit_per_sec)).unwrap_or(per_sec);
        Ok(Self {
            bootstrap_hash: config.bootstrap_admin_key.as_ref().map(|k| access::hash_key(k.expose_secret())),
            jwt: jwt::JwtVerifier::from_config(config)?,
            limiter: Arc::new(RateLimiter::keyed(Quota::per_second(per_sec).allow_burst(burst))),
            keys: std::sync::Mutex::new(std::collections::HashMap::new()),
            key_cache_ttl: std::time::Duration::from_secs(config.key_cache_secs),
        })
    }

    /// The stored key with this prefix: from the cache while fresh, else from the database.
    async fn key(&self, state: &AppState, prefix: &str) -> Result<Option<access::ApiKey>, ApiError> {
        if let Ok(keys) = self.keys.lock()
            && let Some((key, at)) = keys.get(prefix)
            && at.elapsed() < self.key_cache_ttl
        {
            return Ok(Some(key.clone()));
        }
        let mut conn = state.conn().await?;
        let key = access::key_by_prefix(&mut conn, prefix).await?;
        if let (Some(k), Ok(mut keys)) = (&key, self.keys.lock())
            && !self.key_cache_ttl.is_zero()
        {
            if keys.len() >= KEY_CACHE_MAX {
                keys.clear();
            }
            keys.insert(prefix.to_owned(), (k.clone(), std::time::Instant::now()));
        }
        Ok(key)
    }

    /// Forgets a cached key (after revoking it here).
    pub fn forget_key(&self, prefix: &str) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.remove(prefix);
        }
    }

    /// The principal behind `token`, or why there is none.
    async fn authenticate(&self, state: &AppState, token: &str) -> Result<Principal, ApiError> {
        if let Some(bootstrap) = &self.bootstrap_hash
            && bool::from(access::hash_key(token).ct_eq(bootstrap))
        {
            return Ok(Principal { actor: "bootstrap".into(), role: Role::Admin });
        }
        if let Some(prefix) = access::key_prefix(token) {
            let key = self.key(state, prefix).await?;
            let Some(key) = key.filter(|k| bool::from(access::hash_key(token).ct_eq(&k.secret_hash))) else {
                return Err(ApiError::Unauthenticated("the API key is not valid"));
            };
            if key.revoked_at.is_some() {
                return Err(ApiError::Unauthenticated("the API key was revoked"));
            }
            let role = key.usable_role(Utc::now()).ok_or(ApiError::Unauthenticated("the API key expired"))?;
            return Ok(Principal { actor: format!("key:{}", key.id), role });
        }
        match &self.jwt {
            Some(verifier) if token.split('.').count() == 3 => verifier.verify(token),
            _ => Err(ApiError::Unauthenticated("the credential is not valid")),
        }
    }

    /// Ok, or how many seconds to wait.
    fn admit(&self, caller: &str) -> Result<(), u64> {
        if self.limiter.len() > LIMITER_TRIM_AT {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&caller.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The bearer token, or 401.
fn bearer(req: &ServiceRequest) -> Result<&str, ApiError> {
    let header = req.headers().get("authorization").ok_or(ApiError::Unauthenticated("no credential was sent"))?;
    let value = header.to_str().map_err(|_| ApiError::Unauthenticated("the Authorization header is not text"))?;
    let (scheme, token) =
        value.split_once(' ').ok_or(ApiError::Unauthenticated("Authorization must be `Bearer <credential>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthenticated("Authorization must be `Bearer <credential>`"));
    }
    Ok(token.trim())
}

/// Whether requests to `endpoint` are recorded in the audit trail: every write and every admin endpoint.
pub fn audited(endpoint: &Endpoint) -> bool {
    endpoint.method != Method::GET || endpoint.access == Access::Role(Role::Admin)
}

/// The middleware of every non-public endpoint (see the module documentation).
pub async fn guard(
    endpoint: &'static Endpoint,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Access::Role(needed) = endpoint.access else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // The observe middleware chose the request's trace; a server built without it starts one here.
    let existing = req.extensions().get::<TraceParent>().cloned();
    let trace = existing.unwrap_or_else(|| {
        let trace = TraceParent::generate();
        req.extensions_mut().insert(trace.clone());
        trace
    });
    let (Some(state), Some(auth)) =
        (req.app_data::<web::Data<AppState>>().cloned(), req.app_data::<web::Data<Auth>>().cloned())
    else {
        return Err(ApiError::Internal(anyhow::anyhow!("the api's state is not configured")).into());
    };
    let peer = req.peer_addr().map(|a| a.ip());

    let authenticated = match bearer(&req) {
        Ok(token) => auth.authenticate(&state, token).await,
        Err(e) => Err(e),
    };
    let (principal, decision) = match authenticated {
        Ok(p) => {
            let decision = match auth.admit(&p.actor) {
                Err(retry_after_secs) => Err(ApiError::RateLimited { retry_after_secs }),
                Ok(()) if p.role < needed => Err(ApiError::Forbidden { role: p.role, needed }),
                Ok(()) => Ok(()),
            };
            (Some(p), decision)
        }
        Err(refusal) => match auth.admit(&anonymous(peer)) {
            Err(retry_after_secs) => (None, Err(ApiError::RateLimited { retry_after_secs })),
            Ok(()) => (None, Err(refusal)),
        },
    };
    let audit = audited(endpoint).then(|| Audit::new(endpoint, &req, principal.as_ref(), peer, &trace));
    let response = match decision {
        Ok(()) => {
            if let Some(p) = principal {
                req.extensions_mut().insert(p);
            }
            if let Some(a) = &audit {
                req.extensions_mut().insert(a.clone());
            }
            next.call(req).await?.map_into_boxed_body()
        }
        Err(refusal) => {
            tracing::info!(
                action = %format!("{} {}", endpoint.method, endpoint.path),
                actor = principal.as_ref().map_or("anonymous", |p| p.actor.as_str()),
                status = refusal.status_code().as_u16(),
                trace_id = trace.trace_id(),
                "request refused"
            );
            req.into_response(refusal.error_response())
        }
    };
    if let Some(a) = audit {
        a.finish(&state, response.status().as_u16()).await;
    }
    Ok(response)
}

fn anonymous(peer: Option<IpAddr>) -> String {
    peer.map_or_else(|| "peer:unknown".to_owned(), |ip| format!("peer:{ip}"))
}

/// The audit row of a request, in the making. The guard leaves it in the request's extensions; a handler
/// whose change is written in a transaction takes the row into that transaction ([`Audit::for_change`]) and
/// marks it written ([`Audit::written`]); otherwise the guard writes it once the response is known.
#[derive(Clone)]
pub struct Audit(Arc<AuditSlot>);

struct AuditSlot {
    draft: NewAuditEvent,
    written: std::sync::atomic::AtomicBool,
}

/// Longest stored header or path value: the trail must not become a place to dump data.
const AUDIT_VALUE_MAX: usize = 256;

impl Audit {
    fn new(
        endpoint: &Endpoint,
        req: &ServiceRequest,
        principal: Option<&Principal>,
        peer: Option<IpAddr>,
        trace: &TraceParent,
    ) -> Self {
        let target = req
            .match_info()
            .iter()
            .map(|(name, value)| format!("{name}={}", if name == "token" { "[redacted]" } else { value }))
            .collect::<Vec<_>>()
            .join(",");
        let draft = NewAuditEvent {
            actor: principal.map_or_else(|| "anonymous".to_owned(), |p| p.actor.clone()),
            role: principal.map(|p| p.role.as_str().to_owned()),
            action: format!("{} {}", endpoint.method, endpoint.path),
            target: (!target.is_empty()).then(|| truncate(&target)),
            status: 0,
            outcome: String::new(),
            remote_addr: peer.map(|ip| ip.to_string()),
            forwarded_for: req
                .headers()
                .get("x-forwarded-for")
                .map(|v| truncate(&String::from_utf8_lossy(v.as_bytes()))),
            trace_id: Some(trace.trace_id().to_owned()),
        };
        Self(Arc::new(AuditSlot { draft, written: std::sync::atomic::AtomicBool::new(false) }))
    }

    /// The row for a request that ends with `status`.
    pub fn event(&self, status: u16) -> NewAuditEvent {
        NewAuditEvent {
            status: i16::try_from(status).unwrap_or(i16::MAX),
            outcome: Outcome::of_status(status).as_str().to_owned(),
            ..self.0.draft.clone()
        }
    }

    /// Marks the row written by the handler (in its change's transaction).
    pub fn written(&self) {
        self.0.written.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Writes the row unless the handler did; a trail that cannot be written is logged loudly, the response
    /// is not changed.
    async fn finish(&self, state: &AppState, status: u16) {
        if self.0.written.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let event = self.event(status);
        let written = match state.conn().await {
            Ok(mut conn) => access::record_audit(&mut conn, &event).await.map_err(anyhow::Error::from),
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, action = %event.action, actor = %event.actor, "audit event lost");
        }
    }
}

/// The request's audit row, for handlers that write it in their change's transaction: `None` for endpoints
/// that are not audited.
pub struct AuditRow(pub Option<Audit>);

impl AuditRow {
    /// The row for a change that will answer `status`, to put in its [`store::ChangeContext`].
    pub fn for_change(&self, status: u16) -> Option<NewAuditEvent> {
        self.0.as_ref().map(|a| a.event(status))
    }

    /// Call once the change (and so the row) committed.
    pub fn written(&self) {
        if let Some(a) = &self.0 {
            a.written();
        }
    }
}

impl actix_web::FromRequest for AuditRow {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(AuditRow(req.extensions().get::<Audit>().cloned())))
    }
}

fn truncate(value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    match clean.char_indices().nth(AUDIT_VALUE_MAX) {
        Some((at, _)) => clean[..at].to_owned(),
        None => clean,
    }
}
