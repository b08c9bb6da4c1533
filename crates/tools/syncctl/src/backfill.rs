//! `syncctl backfill`: imports every record of Stripe and Salesforce into the catalog and links it.
//!
//! Each record goes through the engine's inbound path (`Engine::apply_inbound`), as a change made in its
//! system: found by its link, else by the local id it carries, else by email (case-insensitive); created in the
//! catalog when nothing matches; linked. So the product has one matching rule. A record that is not linked
//! yet is applied as a change made now: where a customer it matches differs, the record's fields win and
//! the change reaches the other system through the outbox. A record already linked is compared by its own
//! time (Salesforce's SystemModstamp; Stripe's creation time), last writer wins, so a second run changes
//! nothing.
//!
//! Resumable: the id of the last record of each finished page is saved (`store::backfill`), and a run goes
//! on after it; the position is forgotten when the system is done, so the next run is a full pass again.
//! Records are paged in a stable order (Stripe's list with `starting_after`, Contacts by Id).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Instant;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use events::Integration;
use futures::StreamExt;
use store::links::{self, Link};
use store::tombstones;
use sync_core::{Failure, Outcome};
use uuid::Uuid;

use crate::progress::Progress;
use crate::systems::{Record, System};
use crate::table;

/// Records of one page applied at once (each in its own transaction; one system at a time, so that a
/// Stripe customer and a Contact with the same email never race to create the customer).
pub const CONCURRENCY: usize = 8;

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    /// A new customer was made from it.
    Created,
    /// Linked to a customer the catalog already had (by the local id it carries, or its email).
    Linked,
    /// Already linked; the record had changed after the catalog, and the catalog took its fields.
    Updated,
    /// Already linked; nothing to do.
    Unchanged,
    /// Left alone (e.g. it carries the id of a customer deleted in the catalog: deletes are final).
    Skipped(String),
    /// Could not be applied; the reason says why (invalid fields, a twin in the system, …).
    Failed(String),
}

/// The counts of one system.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub seen: u64,
    pub created: u64,
    pub linked: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub seconds: f64,
    /// Records skipped or failed, with the reason.
    pub problems: Vec<(String, &'static str, String)>,
}

impl Tally {
    fn add(&mut self, record: &str, done: Done) {
        self.seen += 1;
        match done {
            Done::Created => self.created += 1,
            Done::Linked => self.linked += 1,
            Done::Updated => self.updated += 1,
            Done::Unchanged => self.unchanged += 1,
            Done::Skipped(why) => {
                self.skipped += 1;
                self.problems.push((record.to_owned(), "skipped", why));
            }
            Done::Failed(why) => {
                self.failed += 1;
                self.problems.push((record.to_owned(), "failed", why));
            }
        }
    }

    fn brief(&self) -> String {
        format!(
            "created {}, linked {}, updated {}, unchanged {}, skipped {}, failed {}",
            self.created, self.linked, self.updated, self.unchanged, self.skipped, self.failed
        )
    }

    /// The counts as one line for the audit trail.
    pub fn audit(&self, system: &str) -> String {
        format!(
            "{system}: seen={} created={} linked={} updated={} unchanged={} skipped={} failed={}",
            self.seen, self.created, self.linked, self.updated, self.unchanged, self.skipped, self.failed
        )
    }
}

/// Options of one run.
pub struct Options {
    pub restart: bool,
    pub page_size: Option<usize>,
}

/// Backfills one system, page by page, saving its position after each page.
pub async fn system(
    conn: &mut AsyncPgConnection,
    sys: &System,
    options: &Options,
    progress: &Progress,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let name = sys.name();
    if options.restart {
        store::backfill::clear_cursor(conn, name).await?;
    }
    let mut cursor = store::backfill::cursor(conn, name).await?;
    if let Some(c) = &cursor {
        progress.note(&format!("{name}: resuming after {c} (--restart starts over)"));
    }
    let size = options.page_size.unwrap_or(usize::MAX).clamp(1, sys.max_page());
    let bar = progress.system(name);
    loop {
        let page = sys.page(cursor.as_deref(), size).await?;
        let Some(last) = page.records.last().map(|r| r.id().to_owned()) else { break };
        for (record, done) in page_of(conn, sys, &page.records).await? {
            tally.add(&record, done);
        }
        store::backfill::set_cursor(conn, name, &last).await?;
        cursor = Some(last);
        bar.set_position(tally.seen);
        bar.set_message(tally.brief());
        tally.seconds = started.elapsed().as_secs_f64();
        if !page.more {
            break;
        }
    }
    store::backfill::clear_cursor(conn, name).await?;
    tally.seconds = started.elapsed().as_secs_f64();
    bar.finish_with_message(format!("done: {}", tally.brief()));
    Ok(())
}

/// Applies one page's records and tells what became of each.
async fn page_of(
    conn: &mut AsyncPgConnection,
    sys: &System,
    records: &[Record],
) -> anyhow::Result<Vec<(String, Done)>> {
    let name = sys.name();
    let ids: Vec<String> = records.iter().map(|r| r.id().to_owned()).collect();
    let before = by_external_id(links::links_by_external_ids(conn, name, &ids).await?);
    let before = &before;
    let applied: Vec<(chrono::DateTime<Utc>, Result<Outcome, Failure>)> = futures::stream::iter(records)
        .map(|record| async move {
            let started = Utc::now();
            // Not linked yet: a change observed now (it is linked whatever the catalog's last change time).
            // Linked: its own time decides against the catalog's (last writer wins).
            let occurred_at = match before.get(record.id()) {
                Some(_) => record.changed_at().unwrap_or(started),
                None => started,
            };
            let result = match record.event(occurred_at) {
                Some(event) => sys.engine.apply_inbound(&event).await,
                None => Err(Failure::Permanent("a record without an id".into())),
            };
            (started, result)
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let after = by_external_id(links::links_by_external_ids(conn, name, &ids).await?);
    let customers: Vec<Uuid> = after.values().map(|l| l.customer_id).collect();
    let created_at: HashMap<Uuid, chrono::DateTime<Utc>> =
        store::customer::find_many(conn, &customers).await?.into_iter().map(|c| (c.id, c.created_at)).collect();
    let carried: Vec<Uuid> = records.iter().filter_map(Record::carried_id).collect();
    let buried: HashSet<Uuid> = tombstones::buried(conn, &carried).await?.into_iter().collect();

    let mut out: Vec<(String, Done)> = Vec::with_capacity(records.len());
    let mut stamps: Vec<(usize, (String, Uuid))> = Vec::new();
    for (i, (record, (started, result))) in records.iter().zip(applied).enumerate() {
        let id = record.id().to_owned();
        let now_linked = after.get(&id).filter(|l| !l.deleted);
        let done = match (result, before.get(&id)) {
            (Err(f), _) => Done::Failed(f.to_string()),
            (Ok(_), Some(b)) if b.deleted => {
                Done::Skipped(format!("deleted in {name} before (deletes are final), yet listed again"))
            }
            (Ok(Outcome::Applied), Some(_)) => Done::Updated,
            (Ok(_), Some(_)) => Done::Unchanged,
            (Ok(_), None) => match now_linked {
                Some(l) if created_at.get(&l.customer_id).is_some_and(|at| *at >= started) => Done::Created,
                Some(_) => Done::Linked,
                None => match record.carried_id() {
                    Some(c) if buried.contains(&c) => {
                        Done::Skipped(format!("carries customer {c}, which was deleted in the catalog"))
                    }
                    _ => Done::Skipped("older than the catalog's change of its customer".into()),
                },
            },
        };
        if let Some(l) = now_linked
            && sys.upserts_by_carried_id()
            && record.carried_id() != Some(l.customer_id)
            && !matches!(done, Done::Failed(_))
        {
            stamps.push((i, (id.clone(), l.customer_id)));
        }
        out.push((id, done));
    }
    // Salesforce's upserts go by the external-id field: a Contact linked here but made elsewhere gets its
    // customer's id, or the next push would create a twin.
    let pairs: Vec<(String, Uuid)> = stamps.iter().map(|(_, p)| p.clone()).collect();
    for ((i, (_, customer)), result) in stamps.iter().zip(sys.set_carried_ids(&pairs).await) {
        if let Err(e) = result {
            let field = sys.carried_id_field();
            out[*i].1 = Done::Failed(format!("linked to customer {customer}, but setting {field} failed: {e}"));
        }
    }
    Ok(out)
}

fn by_external_id(links: Vec<Link>) -> HashMap<String, Link> {
    links.into_iter().filter_map(|l| l.external_id.clone().map(|e| (e, l))).collect()
}

/// The summary: counts per system, then the records skipped or failed (the first 100).
pub fn report(out: &mut impl Write, tallies: &[(Integration, Tally)]) -> std::io::Result<()> {
    let rows = tallies.iter().map(|(i, t)| {
        let rate = if t.seconds > 0.0 { t.seen as f64 / t.seconds } else { 0.0 };
        vec![
            i.as_str().to_owned(),
            t.seen.to_string(),
            t.created.to_string(),
            t.linked.to_string(),
            t.updated.to_string(),
            t.unchanged.to_string(),
            t.skipped.to_string(),
            t.failed.to_string(),
            format!("{:.1}", t.seconds),
            format!("{rate:.0}"),
        ]
    });
    let header =
        ["SYSTEM", "SEEN", "CREATED", "LINKED", "UPDATED", "UNCHANGED", "SKIPPED", "FAILED", "SECONDS", "RECORDS/S"];
    table::write(out, &header, rows)?;
    let problems: Vec<Vec<String>> = tallies
        .iter()
        .flat_map(|(i, t)| {
            t.problems.iter().map(|(record, what, why)| {
                vec![i.as_str().to_owned(), record.clone(), (*what).to_owned(), crate::one_line(why, 160)]
            })
        })
        .collect();
    if !problems.is_empty() {
        writeln!(out)?;
        let total = problems.len();
        table::write(out, &["SYSTEM", "RECORD", "OUTCOME", "REASON"], problems.into_iter().take(100))?;
        if total > 100 {
            writeln!(out, "… and {} more", total - 100)?;
        }
    }
    Ok(())
}
