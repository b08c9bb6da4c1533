//! Who may call the api and what they did: roles, API keys (stored as a visible prefix and a SHA-256 of the
//! whole key, never the key), and the audit trail.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::schema::{api_keys, audit_events};

/// What a caller may do. Each role may do everything the roles before it may (docs/security.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads customers, external records and sync status.
    Viewer,
    /// Also changes customers and the external records.
    Editor,
    /// Also resyncs customers and repairs sync.
    Operator,
    /// Also manages keys and reads the audit trail.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Operator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}: one of viewer, editor, operator, admin"))
    }
}

/// Every key starts with this, so that secret scanners and people recognise one.
pub const KEY_PREFIX: &str = "csk_";
const PREFIX_ID_LEN: usize = 8;
const SECRET_LEN: usize = 40;

/// The SHA-256 of a key. Keys are 238 random bits, so a fast hash is enough: nothing can be guessed from it.
pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The stored, visible part of a key (`csk_Ab12Cd34`), or `None` if `key` does not look like one.
pub fn key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let shaped = id.len() == PREFIX_ID_LEN
        && secret.len() == SECRET_LEN
        && id.bytes().chain(secret.bytes()).all(|b| b.is_ascii_alphanumeric());
    shaped.then(|| &key[..KEY_PREFIX.len() + PREFIX_ID_LEN])
}

fn random_alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A stored key, without its secret.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: Uuid,
    pub prefix: String,
    #[serde(skip)]
    pub secret_hash: Vec<u8>,
    pub name: String,
    pub role: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// The key's role, if it may be used at `now`: not revoked, not expired.
    pub fn usable_role(&self, now: DateTime<Utc>) -> Option<Role> {
        let live = self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now);
        live.then(|| self.role.parse().ok()).flatten()
    }
}

/// Creates a key and returns it with its plaintext, which is never stored and cannot be shown again.
pub async fn create_key(
    conn: &mut AsyncPgConnection,
    name: &str,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
    created_by: &str,
) -> QueryResult<(ApiKey, String)> {
    let prefix = format!("{KEY_PREFIX}{}", random_alphanumeric(PREFIX_ID_LEN));
    let key = format!("{prefix}_{}", random_alphanumeric(SECRET_LEN));
    let stored = diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(Uuid::now_v7()),
            api_keys::prefix.eq(&prefix),
            api_keys::secret_hash.eq(hash_key(&key)),
            api_keys::name.eq(name),
            api_keys::role.eq(role.as_str()),
            api_keys::created_by.eq(created_by),
            api_keys::expires_at.eq(expires_at),
        ))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await?;
    Ok((stored, key))
}

pub async fn key_by_prefix(conn: &mut AsyncPgConnection, prefix: &str) -> QueryResult<Option<ApiKey>> {
    api_keys::table.filter(api_keys::prefix.eq(prefix)).select(ApiKey::as_select()).first(conn).await.optional()
}

/// Every key, newest first.
pub async fn list_keys(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ApiKey>> {
    api_keys::table.order(api_keys::created_at.desc()).select(ApiKey::as_select()).load(conn).await
}

/// Revokes a key (at once and for good); revoking a revoked key keeps its first revocation time.
pub async fn revoke_key(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ApiKey>> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::revoked_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
            "coalesce(revoked_at, now())",
        )))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// How a request ended, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It did what it was asked (2xx, 3xx).
    Ok,
    /// It was allowed but failed (4xx other than 401/403/429, 5xx).
    Failed,
    /// It was refused: no or a bad credential, a role that may not, or over the rate limit.
    Refused,
}

impl Outcome {
    pub fn of_status(status: u16) -> Self {
        match status {
            401 | 403 | 429 => Outcome::Refused,
            s if s < 400 => Outcome::Ok,
            _ => Outcome::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Refused => "refused",
        }
    }
}

/// One audited request.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub status: i16,
    pub outcome: String,
    pub remote_addr: Option<String>,
    pub forwarded_for: Option<String>,
    pub trace_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub status: i16,
    pub outcome: String,
    pub remote_addr: Option<String>,
    pub forwarded_for: Option<String>,
    pub trace_id: Option<String>,
}

pub async fn record_audit(conn: &mut AsyncPgConnection, event: &NewAuditEvent) -> QueryResult<()> {
    diesel::insert_into(audit_events::table).values(event).execute(conn).await.map(drop)
}

/// A page of the audit trail, newest first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<Outcome>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only events older than this id (the previous page's last id).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

pub const AUDIT_PAGE_MAX: i64 = 500;

pub async fn list_audit(conn: &mut AsyncPgConnection, q: &AuditQuery) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table.select(AuditEvent::as_select()).into_boxed();
    if let Some(actor) = &q.actor {
        query = query.filter(audit_events::actor.eq(actor));
    }
    if let Some(action) = &q.action {
        query = query.filter(audit_events::action.eq(action));
    }
    if let Some(outcome) = q.outcome {
        query = query.filter(audit_events::outcome.eq(outcome.as_str()));
    }
    if let Some(since) = q.since {
        query = query.filter(audit_events::at.ge(since));
    }
    if let Some(until) = q.until {
        query = query.filter(audit_events::at.lt(until));
    }
    if let Some(before) = q.before {
        query = query.filter(audit_events::id.lt(before));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, AUDIT_PAGE_MAX);
    query.order(audit_events::id.desc()).limit(limit).load(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_what_they_may_do() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Operator && Role::Operator < Role::Admin);
        assert_eq!("operator".parse::<Role>(), Ok(Role::Operator));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_well_shaped_keys_have_a_prefix() {
        let key = format!("csk_Ab12Cd34_{}", "x".repeat(SECRET_LEN));
        assert_eq!(key_prefix(&key), Some("csk_Ab12Cd34"));
        assert_eq!(key_prefix("csk_Ab12Cd34_short"), None);
        assert_eq!(key_prefix(&format!("csk_Ab12Cd3!_{}", "x".repeat(SECRET_LEN))), None);
        assert_eq!(key_prefix("Bearer something"), None);
    }

    #[test]
    fn the_outcome_follows_the_status() {
        assert_eq!(Outcome::of_status(201), Outcome::Ok);
        assert_eq!(Outcome::of_status(403), Outcome::Refused);
        assert_eq!(Outcome::of_status(429), Outcome::Refused);
        assert_eq!(Outcome::of_status(422), Outcome::Failed);
        assert_eq!(Outcome::of_status(503), Outcome::Failed);
    }
}
