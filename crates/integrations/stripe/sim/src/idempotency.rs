//! Idempotent requests as Stripe documents them (<https://docs.stripe.com/api/idempotent_requests>): the
//! status and body of the first request with a key are saved once the endpoint began executing and
//! replayed for the same key (500s included); a key reused with other parameters is a 400
//! `idempotency_error`; a key whose first request is still running is a 409 `idempotency_key_in_use`.
//! Validation failures (400) and rate limiting (429) happen before execution and are not saved.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::state::State;

pub const MAX_KEY_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    /// Method, path and parameters of the first request.
    pub fingerprint: String,
    pub created_ms: i64,
    /// None while the first request runs.
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: u16,
    pub body: Value,
    pub request_id: String,
}

/// What to do with a request that carries a key.
pub enum Claim {
    /// The key is new: run the request, then [`finish`].
    Run,
    Replay(Outcome),
}

/// Claims `key` for a request with `fingerprint`, or says why not.
pub fn claim(state: &mut State, key: &str, fingerprint: &str, now_ms: i64) -> Result<Claim, ApiError> {
    if key.len() > MAX_KEY_LEN {
        return Err(ApiError::invalid(
            "idempotency_key_too_long",
            "Idempotency-Key",
            "Keys for idempotent requests can only be 255 characters long.",
        ));
    }
    match state.idempotency.get(key) {
        Some(saved) if saved.fingerprint != fingerprint => Err(ApiError::idempotency_mismatch(key)),
        Some(Saved { outcome: None, .. }) => Err(ApiError::idempotency_in_use(key)),
        Some(Saved { outcome: Some(o), .. }) => Ok(Claim::Replay(o.clone())),
        None => {
            let saved = Saved { fingerprint: fingerprint.to_owned(), created_ms: now_ms, outcome: None };
            state.idempotency.insert(key.to_owned(), saved);
            Ok(Claim::Run)
        }
    }
}

/// Saves the answer of a claimed key, or releases the key when the answer is one Stripe does not save.
pub fn finish(state: &mut State, key: &str, outcome: Outcome) {
    if matches!(outcome.status, 400 | 409 | 429) {
        state.idempotency.remove(key);
    } else if let Some(saved) = state.idempotency.get_mut(key) {
        saved.outcome = Some(outcome);
    }
}
