//! `syncctl reconcile`: compares the catalog with Stripe and Salesforce and reports the drift, and with
//! `--fix` repairs what the product can repair on its own.
//!
//! Per system, every record there is read (in the backfill's stable order), then the catalog, the links and
//! the tombstones. Drift is:
//!
//! - `missing`: a catalog customer without a record there, or linked to a record that no longer exists
//!   (checked again one by one before it is reported). Fixed by a resync (`store::catalog::resync`: the worker
//!   pushes the catalog's state, creating the record); a link to a vanished record is dropped first, and an
//!   unlinked record that carries the customer's id is linked instead of making a twin.
//! - `different`: a linked record whose fields differ from the catalog's after the connector's `normalize`
//!   (and, in Salesforce, a linked Contact whose external-id field does not hold the customer's id: the
//!   connector's upserts go by it). Fixed by setting that field and a resync.
//! - `orphaned`: a record that carries (or is linked to) a customer id the catalog does not have. Deleted
//!   there when the customer was deleted in the catalog (a tombstone: deletes are final); only reported
//!   otherwise (it is not known to be ours to delete).
//! - `duplicate`: a record carrying the id of a customer that is linked to another record (a twin). Only
//!   reported.
//!
//! Records the catalog does not know at all are counted, not drift: `syncctl backfill` imports them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use events::Integration;
use store::Customer;
use store::links::{self, Link};
use store::tombstones;
use uuid::Uuid;

use crate::progress::Progress;
use crate::systems::{Record, System};
use crate::table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Missing,
    Different,
    Orphaned,
    Duplicate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Different => "different",
            Kind::Orphaned => "orphaned",
            Kind::Duplicate => "duplicate",
        }
    }
}

/// How `--fix` repairs a finding.
#[derive(Debug, Clone)]
enum Fix {
    /// Push the catalog's state again.
    Resync,
    /// Drop the link to the vanished record, then push (which creates it anew).
    Unlink { vanished: String },
    /// Link this unlinked record that carries the customer's id (dropping a link to a vanished one), then push.
    Relink { vanished: Option<String>, record: Box<Record> },
    /// Write the customer's id into the record's id-carrying field, then push when the fields differ too.
    SetCarriedId { resync: bool },
    /// Delete the record there.
    Delete,
    /// Nothing the product can do on its own.
    Leave(&'static str),
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub integration: Integration,
    pub kind: Kind,
    pub customer: Option<Uuid>,
    pub record: Option<String>,
    detail: String,
    fix: Fix,
    pub action: Option<String>,
}

/// What one system's scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub findings: Vec<Finding>,
    pub in_sync: u64,
    /// Records the catalog does not know (neither linked nor carrying a customer id).
    pub not_linked: u64,
    pub records: u64,
}

impl Scan {
    /// One line for the summary and the audit trail; `findings`: every system's (those of `system` count).
    pub fn summary(&self, system: Integration, findings: &[Finding]) -> String {
        let count = |kind| findings.iter().filter(|f| f.integration == system && f.kind == kind).count();
        format!(
            "{}: {} records; {} in sync, {} missing, {} different, {} orphaned, {} duplicate; {} not linked to \
             the catalog",
            system.as_str(),
            self.records,
            self.in_sync,
            count(Kind::Missing),
            count(Kind::Different),
            count(Kind::Orphaned),
            count(Kind::Duplicate),
            self.not_linked
        )
    }
}

/// Every customer of the catalog, by id.
pub async fn catalog(conn: &mut AsyncPgConnection) -> anyhow::Result<BTreeMap<Uuid, Customer>> {
    let mut all = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store::customer::list(conn, after, 5000).await?;
        let Some(last) = page.last().map(|c| c.id) else { break };
        all.extend(page.into_iter().map(|c| (c.id, c)));
        after = Some(last);
    }
    Ok(all)
}

async fn all_links(conn: &mut AsyncPgConnection, integration: &str) -> anyhow::Result<Vec<Link>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = links::links_after(conn, integration, after, 5000).await?;
        let Some(last) = page.last().map(|l| l.customer_id) else { break };
        all.extend(page);
        after = Some(last);
    }
    Ok(all)
}

/// Every record of the system, in its stable order.
pub async fn records(sys: &System, progress: &Progress) -> anyhow::Result<Vec<Record>> {
    let bar = progress.system(sys.name());
    bar.set_message("reading");
    let mut all: Vec<Record> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = sys.page(cursor.as_deref(), sys.list_page()).await?;
        cursor = page.records.last().map(|r| r.id().to_owned());
        all.extend(page.records);
        bar.set_position(all.len() as u64);
        if !page.more || cursor.is_none() {
            break;
        }
    }
    bar.finish_with_message("read");
    Ok(all)
}

/// Compares one system's `records` with the catalog.
pub async fn scan(
    conn: &mut AsyncPgConnection,
    sys: &System,
    records: Vec<Record>,
    catalog: &BTreeMap<Uuid, Customer>,
) -> anyhow::Result<Scan> {
    let name = sys.name();
    let links = all_links(conn, name).await?;
    let by_customer: HashMap<Uuid, &Link> = links.iter().map(|l| (l.customer_id, l)).collect();
    let by_record: HashMap<&str, &Link> =
        links.iter().filter_map(|l| l.external_id.as_deref().map(|e| (e, l))).collect();
    let listed: HashMap<&str, &Record> = records.iter().map(|r| (r.id(), r)).collect();

    // Customer ids the catalog does not have: deleted (tombstone) or never known.
    let foreign: Vec<Uuid> = links
        .iter()
        .map(|l| l.customer_id)
        .chain(records.iter().filter_map(Record::carried_id))
        .filter(|id| !catalog.contains_key(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut buried = HashSet::new();
    for chunk in foreign.chunks(1000) {
        buried.extend(tombstones::buried(conn, chunk).await?);
    }

    let mut scan = Scan { records: records.len() as u64, ..Scan::default() };
    let finding = |kind, customer: Option<Uuid>, record: Option<&str>, detail: String, fix| Finding {
        integration: sys.integration,
        kind,
        customer,
        record: record.map(str::to_owned),
        detail,
        fix,
        action: None,
    };

    // Records that no link names: unknown, carrying a live customer's id, or orphaned.
    let mut carriers: BTreeMap<Uuid, Vec<&Record>> = BTreeMap::new();
    for r in &records {
        let owner = match by_record.get(r.id()) {
            Some(l) if catalog.contains_key(&l.customer_id) => continue,
            Some(l) => l.customer_id,
            None => match r.carried_id() {
                Some(c) if catalog.contains_key(&c) => {
                    carriers.entry(c).or_default().push(r);
                    continue;
                }
                Some(c) => c,
                None => {
                    scan.not_linked += 1;
                    continue;
                }
            },
        };
        let (detail, fix) = if buried.contains(&owner) {
            ("its customer was deleted".to_owned(), Fix::Delete)
        } else {
            ("its customer is not in the catalog".to_owned(), Fix::Leave("not known to be ours to delete"))
        };
        scan.findings.push(finding(Kind::Orphaned, Some(owner), Some(r.id()), detail, fix));
    }

    for (id, c) in catalog {
        let link = by_customer.get(id).copied();
        let mut carrying = carriers.remove(id).unwrap_or_default().into_iter();
        let carrier = carrying.next();
        let linked = link.and_then(|l| l.external_id.clone()).filter(|_| !link.is_some_and(|l| l.deleted));
        for twin in carrying {
            let detail = match (&linked, carrier) {
                (Some(e), _) => format!("its customer is linked to {e}"),
                (None, Some(first)) => format!("{} carries the same customer id", first.id()),
                (None, None) => "another record carries the same customer id".to_owned(),
            };
            scan.findings.push(finding(Kind::Duplicate, Some(*id), Some(twin.id()), detail, Fix::Leave("a twin")));
        }
        if link.is_some_and(|l| l.deleted) {
            let record = link.and_then(|l| l.external_id.as_deref());
            let detail = format!("deleted in {name} (deletes are final)");
            scan.findings.push(finding(Kind::Missing, Some(*id), record, detail, Fix::Leave("deletes are final")));
            continue;
        }
        let Some(external) = linked else {
            match carrier {
                Some(r) => {
                    let detail = format!("not linked; {} carries its id", r.id());
                    let fix = Fix::Relink { vanished: None, record: Box::new(r.clone()) };
                    scan.findings.push(finding(Kind::Missing, Some(*id), Some(r.id()), detail, fix));
                }
                None => {
                    let pending = link.is_some_and(|l| l.pending_key.is_some());
                    let detail = if pending { "no record; a create is pending" } else { "no record" };
                    scan.findings.push(finding(Kind::Missing, Some(*id), None, detail.to_owned(), Fix::Resync));
                }
            }
            continue;
        };
        // A record created or linked while the list was read is not in it: look it up before calling it gone.
        let record = match listed.get(external.as_str()) {
            Some(r) => Some((*r).clone()),
            None => sys.fetch(&external).await?,
        };
        let Some(record) = record else {
            let (detail, fix, shown) = match carrier {
                Some(r) => (
                    format!("the linked record {external} no longer exists; {} carries its id", r.id()),
                    Fix::Relink { vanished: Some(external.clone()), record: Box::new((*r).clone()) },
                    r.id().to_owned(),
                ),
                None => (
                    "the linked record no longer exists".to_owned(),
                    Fix::Unlink { vanished: external.clone() },
                    external.clone(),
                ),
            };
            scan.findings.push(finding(Kind::Missing, Some(*id), Some(&shown), detail, fix));
            continue;
        };
        if let Some(twin) = carrier {
            let detail = format!("its customer is linked to {external}");
            scan.findings.push(finding(Kind::Duplicate, Some(*id), Some(twin.id()), detail, Fix::Leave("a twin")));
        }
        let want = sys.connector.normalize(&c.fields());
        let have = record.fields();
        let mut differs: Vec<&str> = Vec::new();
        if want.name != have.name {
            differs.push("name");
        }
        if want.email != have.email {
            differs.push("email");
        }
        if want.phone != have.phone {
            differs.push("phone");
        }
        let fields_differ = !differs.is_empty();
        let carried_wrong = sys.upserts_by_carried_id() && record.carried_id() != Some(*id);
        if carried_wrong {
            differs.push(sys.carried_id_field());
        }
        if differs.is_empty() {
            scan.in_sync += 1;
            continue;
        }
        let mut detail = format!("differs: {}", differs.join(", "));
        if link.and_then(|l| l.synced_version) < Some(c.version) {
            detail.push_str("; a push is pending");
        }
        let fix = if carried_wrong { Fix::SetCarriedId { resync: fields_differ } } else { Fix::Resync };
        scan.findings.push(finding(Kind::Different, Some(*id), Some(&external), detail, fix));
    }
    Ok(scan)
}

/// Repairs what `--fix` repairs, recording the action taken on each finding.
pub async fn fix(conn: &mut AsyncPgConnection, systems: &[System], findings: &mut [Finding]) -> anyhow::Result<()> {
    // 1. Link fields first: a resync's upsert in Salesforce must find the Contact by its external id.
    for sys in systems {
        let targets: Vec<usize> = (0..findings.len())
            .filter(|&i| findings[i].integration == sys.integration)
            .filter(|&i| matches!(findings[i].fix, Fix::SetCarriedId { .. }))
            .collect();
        let pairs: Vec<(String, Uuid)> =
            targets.iter().filter_map(|&i| Some((findings[i].record.clone()?, findings[i].customer?))).collect();
        for (&i, result) in targets.iter().zip(sys.set_carried_ids(&pairs).await) {
            let field = sys.carried_id_field();
            findings[i].action = Some(match result {
                Ok(()) => format!("{field} set"),
                Err(e) => format!("failed: {}", crate::one_line(&e, 120)),
            });
        }
    }
    // 2. Links to vanished records dropped, unlinked records linked.
    for f in findings.iter_mut() {
        let (Some(customer), name) = (f.customer, f.integration.as_str()) else { continue };
        let done: anyhow::Result<String> = match &f.fix {
            Fix::Unlink { vanished } => {
                async {
                    links::unlink_vanished(conn, name, customer, vanished).await?;
                    Ok("unlinked".to_owned())
                }
                .await
            }
            Fix::Relink { vanished, record } => {
                async {
                    if let Some(v) = vanished {
                        links::unlink_vanished(conn, name, customer, v).await?;
                    }
                    let at = record.changed_at().unwrap_or_else(Utc::now);
                    // Synced version 0: the resync below pushes the catalog's state to it.
                    links::record_inbound(conn, name, customer, record.id(), &record.fields(), 0, at).await?;
                    Ok(format!("linked {}", record.id()))
                }
                .await
            }
            _ => continue,
        };
        f.action = Some(match done {
            Ok(done) => done,
            Err(e) => format!("failed: {}", crate::one_line(&e.to_string(), 120)),
        });
    }
    // 3. One resync per customer, whatever its findings in either system.
    let mut resynced: HashMap<Uuid, Result<(), String>> = HashMap::new();
    for f in findings.iter_mut() {
        let wants = match &f.fix {
            Fix::Resync | Fix::Unlink { .. } | Fix::Relink { .. } => true,
            Fix::SetCarriedId { resync } => *resync,
            Fix::Delete | Fix::Leave(_) => false,
        };
        let Some(customer) = f.customer.filter(|_| wants) else { continue };
        if f.action.as_deref().is_some_and(|a| a.starts_with("failed")) {
            continue;
        }
        let result = match resynced.get(&customer) {
            Some(r) => r.clone(),
            None => {
                let ctx = store::ChangeContext::local(None);
                let r = store::catalog::resync(conn, customer, &ctx).await.map(drop).map_err(|e| e.to_string());
                resynced.insert(customer, r.clone());
                r
            }
        };
        let done = match result {
            Ok(()) => "resync queued".to_owned(),
            Err(e) => format!("resync failed: {}", crate::one_line(&e, 120)),
        };
        f.action = Some(match f.action.take() {
            Some(before) => format!("{before}, {done}"),
            None => done,
        });
    }
    // 4. Records of deleted customers deleted there; the rest left as reported.
    for f in findings.iter_mut() {
        match f.fix {
            Fix::Delete => {
                let Some(sys) = systems.iter().find(|s| s.integration == f.integration) else { continue };
                let Some(record) = f.record.as_deref() else { continue };
                f.action = Some(match sys.delete(record).await {
                    Ok(()) => "deleted".to_owned(),
                    Err(e) => format!("failed: {}", crate::one_line(&e.to_string(), 120)),
                });
            }
            Fix::Leave(why) => f.action = Some(format!("left: {why}")),
            _ => {}
        }
    }
    Ok(())
}

/// The drift table (sorted by system, kind, customer), then a summary line per system.
pub fn report(
    out: &mut impl Write,
    scans: &[(Integration, Scan)],
    findings: &[Finding],
    fixed: bool,
) -> std::io::Result<()> {
    let order = |i: Integration| Integration::all().iter().position(|x| *x == i).unwrap_or(usize::MAX);
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        (order(a.integration), a.kind, a.customer, &a.record).cmp(&(
            order(b.integration),
            b.kind,
            b.customer,
            &b.record,
        ))
    });
    let rows = sorted.into_iter().map(|f| {
        let mut row = vec![
            f.integration.as_str().to_owned(),
            f.kind.as_str().to_owned(),
            f.customer.map_or_else(|| "-".to_owned(), |c| c.to_string()),
            f.record.clone().unwrap_or_else(|| "-".to_owned()),
            f.detail.clone(),
        ];
        if fixed {
            row.push(f.action.clone().unwrap_or_else(|| "-".to_owned()));
        }
        row
    });
    let mut header = vec!["SYSTEM", "DRIFT", "CUSTOMER", "RECORD", "DETAIL"];
    if fixed {
        header.push("ACTION");
    }
    table::write(out, &header, rows)?;
    writeln!(out)?;
    for (i, scan) in scans {
        writeln!(out, "{}", scan.summary(*i, findings))?;
    }
    if findings.is_empty() {
        writeln!(out, "no drift")?;
    } else if fixed {
        writeln!(
            out,
            "drift found: {}; repairs are queued for the workers (resyncs go through the outbox): run reconcile \
             again once they have caught up",
            findings.len()
        )?;
    } else {
        writeln!(out, "drift found: {} (syncctl reconcile --fix repairs what it can)", findings.len())?;
    }
    Ok(())
}
