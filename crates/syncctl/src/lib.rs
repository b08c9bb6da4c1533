//! `syncctl`, the operators' command line. It works on the database directly (`SYNCCTL_DATABASE_URL`, read from
//! the environment only, so that no password shows in a process list), like the services do, and never calls
//! the api. What it changes is recorded in the audit trail as `cli:<user>`.

mod table;

use std::io::Write;

use chrono::{Duration, Utc};
use clap::{Parser, Subcommand};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use model::access::{self, NewAuditEvent, Role};
use model::{ExposeSecret, SecretString};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(name = "syncctl", version, about = "Operate customer-sync: migrations, API keys, dead letters")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations.
    Migrate,
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Keys(Keys),
    /// Inspect and replay dead letters.
    #[command(subcommand)]
    Dlq(Dlq),
}

#[derive(Debug, Subcommand)]
pub enum Keys {
    /// Create a key; it is printed once, on standard output, and cannot be shown again.
    Create {
        /// What the key is for, e.g. "billing-service".
        #[arg(long)]
        name: String,
        /// viewer, editor, operator or admin.
        #[arg(long)]
        role: Role,
        /// Days until the key stops working; none: until revoked.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List keys (prefix, role, state), newest first.
    List,
    /// Revoke a key at once and for good.
    Revoke {
        /// The key's id (from `keys list`).
        id: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum Dlq {
    /// List open dead letters, oldest first.
    List {
        /// Only this integration (stripe, salesforce).
        #[arg(long)]
        integration: Option<String>,
    },
    /// Put open dead letters back on their original topics.
    Replay {
        #[arg(long)]
        integration: Option<String>,
    },
}

fn database_url() -> anyhow::Result<SecretString> {
    std::env::var("SYNCCTL_DATABASE_URL")
        .map(SecretString::from)
        .map_err(|_| anyhow::anyhow!("set SYNCCTL_DATABASE_URL to the catalog's PostgreSQL URL"))
}

async fn connect() -> anyhow::Result<AsyncPgConnection> {
    let url = database_url()?;
    AsyncPgConnection::establish(url.expose_secret())
        .await
        .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))
}

fn actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{}", user.chars().filter(|c| c.is_ascii_graphic()).take(64).collect::<String>())
}

async fn audit(conn: &mut AsyncPgConnection, action: &str, target: Option<String>) -> anyhow::Result<()> {
    let event = NewAuditEvent {
        actor: actor(),
        role: Some(Role::Admin.as_str().into()),
        action: action.into(),
        target,
        status: 0,
        outcome: "ok".into(),
        remote_addr: None,
        forwarded_for: None,
        trace_id: None,
    };
    Ok(access::record_audit(conn, &event).await?)
}

fn integration(name: Option<&str>) -> anyhow::Result<Option<&'static str>> {
    let Some(name) = name else { return Ok(None) };
    events::Integration::ALL
        .into_iter()
        .find(|i| i.as_str() == name)
        .map(|i| Some(i.as_str()))
        .ok_or_else(|| anyhow::anyhow!("unknown integration {name:?}"))
}

/// Runs one command, writing its result to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> anyhow::Result<()> {
    match cli.command {
        Command::Migrate => {
            model::db::migrate(database_url()?.expose_secret()).await?;
            writeln!(out, "migrations applied")?;
        }
        Command::Keys(Keys::Create { name, role, expires_in_days }) => {
            let mut conn = connect().await?;
            let expires_at = expires_in_days.map(|d| Utc::now() + Duration::days(i64::from(d)));
            let (key, secret) = access::create_key(&mut conn, name.trim(), role, expires_at, &actor()).await?;
            audit(&mut conn, "syncctl keys create", Some(format!("id={}", key.id))).await?;
            eprintln!("created key {} ({}, {}); it is shown once:", key.id, key.prefix, key.role);
            writeln!(out, "{secret}")?;
        }
        Command::Keys(Keys::List) => {
            let mut conn = connect().await?;
            let now = Utc::now();
            let rows = access::list_keys(&mut conn).await?.into_iter().map(|k| {
                let state = match (k.revoked_at, k.expires_at) {
                    (Some(_), _) => "revoked",
                    (None, Some(at)) if at <= now => "expired",
                    _ => "active",
                };
                vec![
                    k.id.to_string(),
                    k.prefix,
                    k.name,
                    k.role,
                    state.into(),
                    k.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    k.expires_at.map(|at| at.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "-".into()),
                ]
            });
            table::write(out, &["ID", "PREFIX", "NAME", "ROLE", "STATE", "CREATED", "EXPIRES"], rows)?;
        }
        Command::Keys(Keys::Revoke { id }) => {
            let mut conn = connect().await?;
            let key = access::revoke_key(&mut conn, id).await?.ok_or_else(|| anyhow::anyhow!("no key with id {id}"))?;
            audit(&mut conn, "syncctl keys revoke", Some(format!("id={id}"))).await?;
            writeln!(out, "revoked {} ({})", key.id, key.prefix)?;
        }
        Command::Dlq(Dlq::List { integration: name }) => {
            let mut conn = connect().await?;
            let letters = model::sync_state::open_dead_letters(&mut conn, integration(name.as_deref())?).await?;
            let rows = letters.into_iter().map(|l| {
                vec![
                    l.id.to_string(),
                    l.integration,
                    l.topic,
                    l.customer_id.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                    l.attempts.to_string(),
                    l.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    l.reason.chars().filter(|c| !c.is_control()).take(80).collect(),
                ]
            });
            table::write(out, &["ID", "INTEGRATION", "TOPIC", "CUSTOMER", "ATTEMPTS", "AT", "REASON"], rows)?;
        }
        Command::Dlq(Dlq::Replay { integration: name }) => {
            let mut conn = connect().await?;
            let outcome = model::sync_state::replay_dead_letters(&mut conn, integration(name.as_deref())?).await?;
            audit(&mut conn, "syncctl dlq replay", name.map(|n| format!("integration={n}"))).await?;
            writeln!(out, "replayed {} dead letters", outcome.replayed)?;
            if !outcome.not_events.is_empty() {
                writeln!(out, "left {} that are not events: {:?}", outcome.not_events.len(), outcome.not_events)?;
            }
        }
    }
    Ok(())
}
