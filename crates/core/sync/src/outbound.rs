//! Outbound: make the system hold the catalog's current state of some customers.
//!
//! Level-triggered: events only name the customers to look at; the pushed state is always the catalog's
//! current row (or its tombstone). Duplicates, reordering across the created/updated/deleted topics and
//! bursts of changes therefore all collapse to one push of the latest state per customer.

use std::collections::{HashMap, HashSet};

use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use store::customer::{self, Customer};
use store::links::{self, Link, Pushed};
use store::tombstones;
use uuid::Uuid;

use crate::connector::{PushDone, PushError, PushRequest, Upsert};
use crate::engine::{Engine, Failure, Outcome};

/// What one round decided for a customer.
enum Plan {
    Done(Outcome),
    Push(PushRequest),
}

impl Engine {
    /// Brings the system in line with the catalog for `ids` (deduplicated by the caller or not). Returns each
    /// customer's outcome: `Applied` when something was written, `UpToDate`/`Stale` when nothing had to be.
    pub async fn reconcile(&self, ids: &[Uuid]) -> HashMap<Uuid, Result<Outcome, Failure>> {
        let mut ids: Vec<Uuid> = ids.iter().copied().collect::<HashSet<_>>().into_iter().collect();
        ids.sort();
        let mut results: HashMap<Uuid, Result<Outcome, Failure>> = HashMap::new();
        // A confirmed create may still be behind the catalog (the intent held older fields, or the customer
        // changed meanwhile): a second round pushes the rest. Three rounds cover create + update + margin.
        for _round in 0..3 {
            if ids.is_empty() {
                break;
            }
            let round = match self.round(&ids).await {
                Ok(r) => r,
                Err(f) => {
                    for id in &ids {
                        results.entry(*id).or_insert_with(|| Err(f.clone()));
                    }
                    break;
                }
            };
            let mut again = Vec::new();
            for (id, result) in round {
                let pushed = matches!(result, Ok(Outcome::Applied));
                // Once applied, a later round with nothing to do keeps the customer Applied.
                let keep = matches!(results.get(&id), Some(Ok(Outcome::Applied))) && result.is_ok();
                if !keep {
                    results.insert(id, result);
                }
                if pushed {
                    again.push(id);
                }
            }
            ids = again;
        }
        results
    }

    /// Plans every customer, pushes what needs pushing in chunks, stores the outcomes.
    async fn round(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Result<Outcome, Failure>)>, Failure> {
        let plans = self.plan(ids).await?;
        let mut out = Vec::with_capacity(plans.len());
        let mut requests = Vec::new();
        for (id, plan) in plans {
            match plan {
                Plan::Done(outcome) => out.push((id, Ok(outcome))),
                Plan::Push(request) => requests.push(request),
            }
        }
        for chunk in requests.chunks(self.connector.max_batch().max(1)) {
            let started = std::time::Instant::now();
            let results = self.connector.push(chunk).await;
            let system = self.name();
            metrics::histogram!("external_request_duration_seconds", "system" => system, "operation" => "push")
                .record(started.elapsed().as_secs_f64());
            for result in &results {
                let kind = match result {
                    Ok(_) => continue,
                    Err(PushError::Retryable(_)) => "retryable",
                    Err(PushError::Permanent(_)) => "permanent",
                };
                metrics::counter!("external_errors_total", "system" => system, "kind" => kind).increment(1);
            }
            let failure = PushError::Retryable("the connector returned fewer results than requests".into());
            let results: Vec<_> =
                results.into_iter().chain(std::iter::repeat(Err(failure))).take(chunk.len()).collect();
            let recorded: Vec<(Uuid, Pushed)> = chunk
                .iter()
                .zip(&results)
                .map(|(request, result)| (request.customer_id(), self.recorded(request, result)))
                .collect();
            // One transaction for the chunk's outcomes: one commit, not one per customer.
            let mut conn = self.conn().await?;
            let name = self.name();
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                async move {
                    for (id, pushed) in &recorded {
                        links::record_push(conn, name, *id, pushed).await?;
                    }
                    Ok(())
                }
                .scope_boxed()
            })
            .await?;
            for (request, result) in chunk.iter().zip(results) {
                out.push((
                    request.customer_id(),
                    result.map(|_| Outcome::Applied).map_err(|e| match e {
                        PushError::Retryable(m) => Failure::Retryable(m),
                        PushError::Permanent(m) => Failure::Permanent(m),
                    }),
                ));
            }
        }
        Ok(out)
    }

    /// What the link records for one push's result.
    fn recorded(&self, request: &PushRequest, result: &Result<PushDone, PushError>) -> Pushed {
        match (result, request) {
            (Ok(PushDone::Upserted { external_id }), PushRequest::Upsert(u)) => Pushed::Upserted {
                external_id: external_id.clone(),
                fields: self.connector.normalize(&u.fields),
                version: u.version,
            },
            (Ok(_), _) => Pushed::Deleted,
            (Err(e), _) => Pushed::Failed { error: e.to_string() },
        }
    }

    /// Plans every customer in one transaction (the create intents it records commit together).
    async fn plan(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Plan)>, Failure> {
        let mut conn = self.conn().await?;
        let plans = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                async move { self.plan_in(conn, ids).await }.scope_boxed()
            })
            .await?;
        Ok(plans)
    }

    async fn plan_in(
        &self,
        conn: &mut AsyncPgConnection,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Plan)>, diesel::result::Error> {
        let conn = &mut *conn;
        let rows: HashMap<Uuid, Customer> =
            customer::find_many(conn, ids).await?.into_iter().map(|c| (c.id, c)).collect();
        let links: HashMap<Uuid, Link> =
            links::links(conn, self.name(), ids).await?.into_iter().map(|l| (l.customer_id, l)).collect();
        let buried: HashSet<Uuid> = tombstones::buried(conn, ids).await?.into_iter().collect();
        let mut plans = Vec::with_capacity(ids.len());
        for id in ids {
            let link = links.get(id);
            let plan = match (rows.get(id), link) {
                // The record was deleted in the system: deletes are final.
                (_, Some(l)) if l.deleted => Plan::Done(Outcome::Stale),
                (Some(c), Some(l)) if l.external_id.is_some() && l.synced_version >= Some(c.version) => {
                    Plan::Done(Outcome::UpToDate)
                }
                (Some(c), Some(l)) if l.external_id.is_some() => Plan::Push(PushRequest::Upsert(Upsert {
                    customer_id: *id,
                    external_id: l.external_id.clone(),
                    fields: c.fields(),
                    version: c.version,
                    key: update_key(*id, c.version),
                    replay: false,
                })),
                (Some(c), _) => {
                    let key = Uuid::now_v7();
                    let l = links::intend_create(conn, self.name(), *id, &c.fields(), c.version, key).await?;
                    match pending(&l) {
                        Some(create) => Plan::Push(PushRequest::Upsert(Upsert { replay: create.key != key, ..create })),
                        None => Plan::Done(Outcome::UpToDate),
                    }
                }
                (None, Some(l)) if buried.contains(id) && (l.external_id.is_some() || l.pending_key.is_some()) => {
                    Plan::Push(PushRequest::Delete {
                        customer_id: *id,
                        external_id: l.external_id.clone(),
                        pending: pending(l),
                    })
                }
                (None, _) if buried.contains(id) => Plan::Done(Outcome::UpToDate),
                // Never existed here (or not yet committed): nothing to push.
                (None, _) => Plan::Done(Outcome::Stale),
            };
            plans.push((*id, plan));
        }
        // Known as the product's own before they are sent: a push that lands while its outcome cannot be
        // recorded is not read back as someone's change (see `Link::holds_own_write`).
        let intents: Vec<(Uuid, model::CustomerFields)> = plans
            .iter()
            .filter_map(|(id, plan)| match plan {
                Plan::Push(PushRequest::Upsert(u)) => Some((*id, self.connector.normalize(&u.fields))),
                _ => None,
            })
            .collect();
        links::intend_pushes(conn, self.name(), &intents).await?;
        Ok(plans)
    }
}

/// The create recorded as an intent, replayed identically until confirmed.
fn pending(link: &Link) -> Option<Upsert> {
    let (key, fields, version) = link.pending()?;
    Some(Upsert { customer_id: link.customer_id, external_id: None, fields, version, key, replay: true })
}

/// The key of an update: the same for the same customer and version, so a retried update is applied once.
fn update_key(id: Uuid, version: i64) -> Uuid {
    let mut bytes = *id.as_bytes();
    for (b, v) in bytes.iter_mut().rev().zip(version.to_be_bytes().iter().rev()) {
        *b ^= v;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8: custom
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_keys_differ_by_version_and_repeat_for_the_same_one() {
        let id = Uuid::now_v7();
        assert_eq!(update_key(id, 3), update_key(id, 3));
        assert_ne!(update_key(id, 3), update_key(id, 4));
        assert_ne!(update_key(id, 3), update_key(Uuid::now_v7(), 3));
    }
}
