//! `syncctl`, the operators' command line. It works on the database directly (`SYNCCTL_DATABASE_URL`, read from
//! the environment only, so that no password shows in a process list), like the services do, and never calls
//! the api. `backfill` and `reconcile` also call Stripe and Salesforce, with the clients configured from
//! `STRIPE_*` and `SALESFORCE_*` as the worker's are; nothing here talks to Kafka (changes to push leave
//! through the outbox, for the relay and the workers). What it changes is recorded in the audit trail as
//! `cli:<user>`.

pub mod anti_entropy;
mod backfill;
mod progress;
mod reconcile;
mod systems;
mod table;

use std::io::Write;

use chrono::{Duration, Utc};
use clap::{Parser, Subcommand};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::Integration;
use model::{ExposeSecret, SecretString};
use store::access::{self, NewAuditEvent, Role};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "syncctl",
    version,
    about = "Operate customer-sync: migrations, API keys, dead letters, backfill and reconcile",
    after_help = "Exit status: 0 done; 1 reconcile found drift, or backfill left records it could not apply; \
                  2 error (bad arguments or settings, a database or API failure)."
)]
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
    /// Stop an integration: its workers consume nothing until it is resumed (within a second, no restart).
    Pause {
        #[arg(value_parser = system_arg())]
        integration: Integration,
        /// Why, for whoever looks at `syncctl status` or GET /v1/integrations.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Let a paused integration's workers consume again; they catch up on what waited in Kafka.
    Resume {
        #[arg(value_parser = system_arg())]
        integration: Integration,
    },
    /// Each integration: paused or running, and its open dead letters.
    Status,
    /// Import every Stripe customer and Salesforce Contact into the catalog and link them (resumable).
    #[command(long_about = BACKFILL_HELP, after_help = BACKFILL_AFTER)]
    Backfill {
        /// Only this system (default: Stripe, then Salesforce).
        #[arg(long, value_parser = system_arg())]
        integration: Option<Integration>,
        /// Start from the first record, forgetting where an interrupted run stopped (safe: records already
        /// linked are found again and left as they are).
        #[arg(long)]
        restart: bool,
        /// Records per page, each page committed before the next (at most 100 in Stripe, 200 in Salesforce;
        /// default: those).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=200))]
        page_size: Option<u16>,
    },
    /// Compare the catalog with Stripe and Salesforce and report the drift; --fix repairs what it can.
    #[command(long_about = RECONCILE_HELP, after_help = RECONCILE_AFTER)]
    Reconcile {
        /// Only this system (default: both).
        #[arg(long, value_parser = system_arg())]
        integration: Option<Integration>,
        /// Repair: resync missing and different customers (through the outbox: the workers push the
        /// catalog's state), delete records of customers deleted in the catalog; report the rest.
        #[arg(long)]
        fix: bool,
    },
}

const BACKFILL_HELP: &str = "\
Import every Stripe customer and Salesforce Contact into the catalog and link them.

Each record is applied through the sync engine as a change made in its system, with the product's one
matching rule: the record's link, else the local id it carries (Stripe metadata customer_sync_id,
Salesforce Customer_Id__c), else its email (case-insensitive). A record that matches nothing becomes a new
customer; one that matches is linked to that customer, so a customer present in both systems ends up as
one customer linked to both records. A record not linked yet counts as a change made now: where it differs
from the customer it matches, its fields win. A record already linked is compared by its own time (last
writer wins), so running the backfill again changes nothing. Every catalog change reaches the other system
through the outbox, as any change does. Salesforce Contacts linked this way get the customer's id in
Customer_Id__c, which the product's upserts go by.

Resumable: the position in each system is saved after every page, and a run goes on where an interrupted
one stopped (--restart starts over). It is forgotten once a system is done, so the next run is a full pass.

When both systems hold records of the same people, pause the integrations while it runs (POST
/v1/integrations/{name}/pause, then /resume) or run it before the workers first start: otherwise a customer
imported from one system can be pushed to the other before that system's record is linked, making a twin
there. The changes wait in the outbox and Kafka meanwhile.";

const BACKFILL_AFTER: &str = "\
Reads SYNCCTL_DATABASE_URL, and STRIPE_* and SALESFORCE_* as consumer-worker does.
Progress bars go to standard error when it is a terminal; the summary (per system: seen, created, linked,
updated, unchanged, skipped, failed, time and rate, then the records skipped or failed and why) to standard
output. Exit status: 0 every record applied or skipped; 1 some records failed (fix them and run again);
2 error (the position of the last finished page is kept: run again to resume).";

const RECONCILE_HELP: &str = "\
Compare the catalog with Stripe and Salesforce and report the drift as a table:

  missing    a catalog customer with no record in that system, or linked to a record that no longer
             exists there
  different  a linked record whose fields differ from the catalog's (after the connector's normalisation),
             or a Salesforce Contact whose Customer_Id__c is not its customer's id
  orphaned   a record that carries (or is linked to) a customer id the catalog does not have, because the
             customer was deleted or was never known
  duplicate  a record that carries the id of a customer linked to another record (a twin)

followed by the number of records in sync, and of records the catalog does not know at all (not drift:
syncctl backfill imports them). Changes still in flight can show as drift: run it again to confirm.

--fix repairs: missing and different customers are resynced (the catalog's state goes through the outbox
and the workers push it; a link to a record that vanished is dropped first so that the record is created
anew, and an unlinked record that carries the customer's id is linked rather than twinned; a Contact's
Customer_Id__c is set first). Orphaned records whose customer was deleted in the catalog are deleted in
the system. Orphaned records whose customer was never in the catalog, duplicates and records deleted in a
system (deletes are final) are only reported, never deleted.";

const RECONCILE_AFTER: &str = "\
Reads SYNCCTL_DATABASE_URL, and STRIPE_* and SALESFORCE_* as consumer-worker does.
Exit status: 0 no drift; 1 drift found, also with --fix (its repairs are queued for the workers, not yet
done: run reconcile again once they have caught up, and expect 0); 2 error.";

/// A system named on the command line: one of the registry's (the help lists them).
fn system_arg() -> impl clap::builder::TypedValueParser<Value = Integration> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(registry::SYSTEMS.map(Integration::as_str))
        .try_map(|id: String| registry::named(&id).ok_or_else(|| format!("unknown integration {id:?}")))
}

/// How a command that ran ended (errors are reported separately, with exit status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; nothing to report.
    Done,
    /// Done, with findings: reconcile found drift, or backfill left records it could not apply.
    Findings,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Done => 0,
            Exit::Findings => 1,
        }
    }
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
    /// Everything about one dead letter: reason, attempts, origin, headers and payload.
    Show {
        /// The letter's id (from `dlq list`).
        id: i64,
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
    audit_run(conn, action, target, 0, access::Outcome::Ok).await
}

/// An audit event for a run that ended with exit status `status` (`Failed` when it stopped on an error).
async fn audit_run(
    conn: &mut AsyncPgConnection,
    action: &str,
    target: Option<String>,
    status: i16,
    outcome: access::Outcome,
) -> anyhow::Result<()> {
    let event = NewAuditEvent {
        actor: actor(),
        role: Some(Role::Admin.as_str().into()),
        action: action.into(),
        target,
        status,
        outcome: outcome.as_str().into(),
        remote_addr: None,
        forwarded_for: None,
        trace_id: None,
    };
    Ok(access::record_audit(conn, &event).await?)
}

fn integration(name: Option<&str>) -> anyhow::Result<Option<&'static str>> {
    let Some(name) = name else { return Ok(None) };
    registry::named(name).map(|i| Some(i.as_str())).ok_or_else(|| anyhow::anyhow!("unknown integration {name:?}"))
}

/// `text` on one line, without control characters, at most `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect()
}

/// Runs one command, writing its result to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> anyhow::Result<Exit> {
    registry::register()?;
    match cli.command {
        Command::Migrate => {
            store::db::migrate(database_url()?.expose_secret()).await?;
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
        Command::Dlq(Dlq::Show { id }) => {
            let mut conn = connect().await?;
            let l = store::dead_letters::dead_letter(&mut conn, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no dead letter with id {id}"))?;
            let state =
                l.replayed_at.map_or_else(|| "open".to_owned(), |at| format!("replayed at {}", at.to_rfc3339()));
            writeln!(out, "dead letter {} ({state})", l.id)?;
            writeln!(out, "integration   {}", l.integration)?;
            writeln!(out, "topic         {} (key {})", l.topic, l.partition_key)?;
            writeln!(out, "customer      {}", l.customer_id.map(|c| c.to_string()).unwrap_or_else(|| "-".into()))?;
            writeln!(out, "event         {}", l.event_id.map(|e| e.to_string()).unwrap_or_else(|| "-".into()))?;
            writeln!(out, "attempts      {}", l.attempts)?;
            writeln!(out, "at            {}", l.created_at.to_rfc3339())?;
            writeln!(out, "reason        {}", l.reason.replace(['\n', '\r'], " "))?;
            writeln!(out, "headers       {}", l.headers)?;
            let payload = serde_json::from_str::<serde_json::Value>(&l.payload)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| l.payload.clone());
            writeln!(out, "payload\n{payload}")?;
        }
        Command::Pause { integration, reason } => {
            let mut conn = connect().await?;
            let name = integration.as_str();
            let pause = store::controls::pause(&mut conn, name, &actor(), reason.as_deref()).await?;
            audit(&mut conn, "syncctl pause", Some(format!("integration={name}"))).await?;
            writeln!(out, "paused {name} (by {}); its workers stop consuming within a second", pause.paused_by)?;
        }
        Command::Resume { integration } => {
            let mut conn = connect().await?;
            let name = integration.as_str();
            let was = store::controls::resume(&mut conn, name).await?;
            audit(&mut conn, "syncctl resume", Some(format!("integration={name}"))).await?;
            writeln!(out, "{}", if was { format!("resumed {name}") } else { format!("{name} was not paused") })?;
        }
        Command::Status => {
            let mut conn = connect().await?;
            let pauses = store::controls::paused(&mut conn).await?;
            let letters = store::dead_letters::open_dead_letters(&mut conn, None).await?;
            let rows = events::Integration::all().iter().copied().map(|i| {
                let pause = pauses.iter().find(|p| p.integration == i.as_str());
                let state = match pause {
                    Some(p) => format!(
                        "paused since {} by {}{}",
                        p.paused_at.format("%Y-%m-%d %H:%M"),
                        p.paused_by,
                        p.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                    ),
                    None => "running".into(),
                };
                let open = letters.iter().filter(|l| l.integration == i.as_str()).count();
                vec![i.as_str().to_owned(), state, open.to_string()]
            });
            table::write(out, &["INTEGRATION", "STATE", "DEAD LETTERS"], rows)?;
        }
        Command::Dlq(Dlq::List { integration: name }) => {
            let mut conn = connect().await?;
            let letters = store::dead_letters::open_dead_letters(&mut conn, integration(name.as_deref())?).await?;
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
            let outcome = store::dead_letters::replay_dead_letters(&mut conn, integration(name.as_deref())?).await?;
            audit(&mut conn, "syncctl dlq replay", name.map(|n| format!("integration={n}"))).await?;
            writeln!(out, "replayed {} dead letters", outcome.replayed)?;
            if !outcome.not_events.is_empty() {
                writeln!(out, "left {} that are not events: {:?}", outcome.not_events.len(), outcome.not_events)?;
            }
        }
        Command::Backfill { integration, restart, page_size } => {
            let options = backfill::Options { restart, page_size: page_size.map(usize::from) };
            return run_backfill(integration, &options, out).await;
        }
        Command::Reconcile { integration, fix } => {
            return run_reconcile(integration, fix, out).await;
        }
    }
    Ok(Exit::Done)
}

type Pool = store::db::PgPool<AsyncPgConnection>;

/// The database pool and the systems' clients, all checked before anything is read or written.
fn open(only: Option<events::Integration>) -> anyhow::Result<(Pool, Vec<systems::System>)> {
    // The engine's applies, and one connection for the commands' own queries.
    let pool = store::db::pool(database_url()?.expose_secret(), backfill::CONCURRENCY + 1)?;
    let systems =
        systems::selected(only).into_iter().map(|i| systems::System::from_env(i, &pool)).collect::<Result<_, _>>()?;
    Ok((pool, systems))
}

async fn run_backfill(
    only: Option<events::Integration>,
    options: &backfill::Options,
    out: &mut impl Write,
) -> anyhow::Result<Exit> {
    let (pool, systems) = open(only)?;
    let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))?;
    let progress = progress::Progress::new();
    let mut tallies = Vec::new();
    let mut failure = None;
    for sys in &systems {
        let mut tally = backfill::Tally::default();
        let result = backfill::system(&mut conn, sys, options, &progress, &mut tally).await;
        tallies.push((sys.integration, tally));
        if let Err(e) = result {
            failure = Some(e.context(format!("backfilling {}", sys.name())));
            break;
        }
    }
    backfill::report(out, &tallies)?;
    let failed: u64 = tallies.iter().map(|(_, t)| t.failed).sum();
    let exit = if failed > 0 { Exit::Findings } else { Exit::Done };
    let mut target: Vec<String> = tallies.iter().map(|(i, t)| t.audit(i.as_str())).collect();
    if options.restart {
        target.push("restart".into());
    }
    let (status, outcome) = match &failure {
        Some(_) => (2, access::Outcome::Failed),
        None => (i16::from(exit.code()), access::Outcome::Ok),
    };
    audit_run(&mut conn, "syncctl backfill", Some(target.join("; ")), status, outcome).await?;
    match failure {
        Some(e) => Err(e),
        None => Ok(exit),
    }
}

async fn run_reconcile(only: Option<events::Integration>, fix: bool, out: &mut impl Write) -> anyhow::Result<Exit> {
    let (pool, systems) = open(only)?;
    let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e}"))?;
    let progress = progress::Progress::new();
    let mut scans = Vec::new();
    let mut findings = Vec::new();
    for sys in &systems {
        // The system first, then the catalog: a customer created meanwhile shows as missing rather than a
        // record as orphaned.
        let records =
            reconcile::records(sys, &progress).await.map_err(|e| e.context(format!("reading {}", sys.name())))?;
        let catalog = reconcile::catalog(&mut conn).await?;
        let mut scan = reconcile::scan(&mut conn, sys, records, &catalog).await?;
        findings.append(&mut scan.findings);
        scans.push((sys.integration, scan));
    }
    if fix {
        reconcile::fix(&mut conn, &systems, &mut findings).await?;
    }
    reconcile::report(out, &scans, &findings, fix)?;
    let exit = if findings.is_empty() { Exit::Done } else { Exit::Findings };
    let mut target: Vec<String> = scans.iter().map(|(i, s)| s.summary(*i, &findings)).collect();
    if fix {
        target.push("fix".into());
    }
    audit_run(&mut conn, "syncctl reconcile", Some(target.join("; ")), i16::from(exit.code()), access::Outcome::Ok)
        .await?;
    Ok(exit)
}
