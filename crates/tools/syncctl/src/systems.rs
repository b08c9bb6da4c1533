//! Stripe and Salesforce as `backfill` and `reconcile` see them: their records page by page, in a stable
//! order, and the few direct calls those commands make. The clients are configured from `STRIPE_*` and
//! `SALESFORCE_*` exactly as the worker's are (`registry`).

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use events::{Action, CustomerEvent, Integration};
use model::{CustomerFields, ExternalCustomer};
use salesforce_client::soql::{Filter, Order, Query};
use salesforce_client::{CONTACT_FIELDS, SalesforceClient, SalesforceContact};
use stripe_client::{IdempotencyKey, ListParams, Retrieved, StripeClient, StripeCustomer};
use sync_core::{Connector, Engine};
use uuid::Uuid;

/// Stripe customers concurrently pushed by the connector (only `reconcile --fix` deletes go out at all).
const STRIPE_CONCURRENCY: usize = 4;

/// A record of Stripe or Salesforce.
#[derive(Debug, Clone)]
pub enum Record {
    Stripe(StripeCustomer),
    Salesforce(SalesforceContact),
}

impl Record {
    /// Its id there (`cus_…`, `003…`).
    pub fn id(&self) -> &str {
        match self {
            Record::Stripe(c) => &c.id,
            Record::Salesforce(c) => c.id.as_deref().unwrap_or_default(),
        }
    }

    /// The shared fields, as the system holds them.
    pub fn fields(&self) -> CustomerFields {
        match self {
            Record::Stripe(c) => c.fields(),
            Record::Salesforce(c) => c.fields(),
        }
    }

    /// The local customer id it carries (Stripe metadata `customer_sync_id`, Salesforce's external-id field).
    pub fn carried_id(&self) -> Option<Uuid> {
        match self {
            Record::Stripe(c) => c.local_id(),
            Record::Salesforce(c) => c.local_id(),
        }
    }

    /// When it last changed there, where the system says so (Salesforce's SystemModstamp); Stripe keeps only
    /// the creation time.
    pub fn changed_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Record::Stripe(c) => sync_stripe::inbound::created_at(c),
            Record::Salesforce(c) => c.system_modstamp.or(c.last_modified_date).or(c.created_date),
        }
    }

    /// The record as an inbound change from its system, made at `occurred_at`.
    pub fn event(&self, occurred_at: DateTime<Utc>) -> Option<CustomerEvent> {
        let delivery = format!("backfill:{}", self.id());
        match self {
            Record::Stripe(c) => {
                Some(sync_stripe::inbound::customer_event(c, Action::Updated, occurred_at, Some(&delivery)))
            }
            Record::Salesforce(c) => {
                let action = match sync_salesforce::inbound::action_of(c) {
                    Action::Deleted => Action::Updated,
                    other => other,
                };
                let mut event = sync_salesforce::inbound::contact_event(c, action, &delivery, occurred_at)?;
                event.occurred_at = occurred_at;
                Some(event)
            }
        }
    }
}

enum Client {
    Stripe(StripeClient),
    Salesforce(SalesforceClient),
}

/// One system: its client, its connector and the engine that applies its records to the catalog.
pub struct System {
    pub integration: Integration,
    pub engine: Engine,
    pub connector: Arc<dyn Connector>,
    client: Client,
}

/// One page of records, and whether more follow.
pub struct Page {
    pub records: Vec<Record>,
    pub more: bool,
}

impl System {
    /// The system's client and connector from the environment, and an engine over `pool`.
    pub fn from_env(integration: Integration, pool: &store::db::PgPool<AsyncPgConnection>) -> anyhow::Result<Self> {
        let (client, connector): (Client, Arc<dyn Connector>) = match integration {
            sync_stripe::STRIPE => {
                let config = registry::stripe_config()?;
                let client = StripeClient::new(&config).context("configuring the Stripe client")?;
                let connector = sync_stripe::StripeConnector::new(&config, STRIPE_CONCURRENCY)
                    .context("configuring the Stripe client")?;
                (Client::Stripe(client), Arc::new(connector))
            }
            sync_salesforce::SALESFORCE => {
                let config = registry::salesforce_config()?;
                let client = SalesforceClient::new(&config).context("configuring the Salesforce client")?;
                (Client::Salesforce(client.clone()), Arc::new(sync_salesforce::SalesforceConnector::new(client)))
            }
            other => anyhow::bail!("syncctl cannot reach the system {other}"),
        };
        Ok(Self { integration, engine: Engine::new(pool.clone(), connector.clone()), connector, client })
    }

    pub fn name(&self) -> &'static str {
        self.integration.as_str()
    }

    /// The most records one page may hold (Stripe lists 100 at most; Salesforce takes 200 per collection
    /// call, which is what a backfill page writes back at most).
    pub fn max_page(&self) -> usize {
        match self.client {
            Client::Stripe(_) => 100,
            Client::Salesforce(_) => salesforce_client::MAX_RECORDS_PER_CALL,
        }
    }

    /// How many records `reconcile` reads per call (Stripe's list: 100; a SOQL batch: 2,000).
    pub fn list_page(&self) -> usize {
        match self.client {
            Client::Stripe(_) => 100,
            Client::Salesforce(_) => 2000,
        }
    }

    /// Up to `size` records after the record `after` (from the first when `None`), in the system's stable
    /// order: Stripe's list order (`starting_after`), Salesforce's Contacts by Id (`Id > after ORDER BY Id`).
    /// Deleted records are not listed.
    pub async fn page(&self, after: Option<&str>, size: usize) -> anyhow::Result<Page> {
        match &self.client {
            Client::Stripe(client) => {
                let params = ListParams {
                    limit: Some(u8::try_from(size.clamp(1, 100)).unwrap_or(100)),
                    starting_after: after.map(str::to_owned),
                    email: None,
                };
                let page = client.list_customers(&params).await.map_err(|e| match after {
                    Some(after) if !e.is_transient() => anyhow::anyhow!(
                        "Stripe refused to list the customers after {after} (was it deleted?); run the backfill \
                         with --restart: {e}"
                    ),
                    _ => anyhow::anyhow!("listing Stripe customers: {e}"),
                })?;
                let records: Vec<Record> = page.body.data.into_iter().map(Record::Stripe).collect();
                Ok(Page { more: page.body.has_more && !records.is_empty(), records })
            }
            Client::Salesforce(client) => {
                let size = size.max(1);
                let mut fields = CONTACT_FIELDS.to_vec();
                fields.push(client.external_id_field());
                let mut query = Query::contacts(&fields)?;
                if let Some(after) = after {
                    query = query.filter(Filter::gt("Id", after))?;
                }
                let query = query.order_by("Id", Order::Asc)?.limit(u32::try_from(size).unwrap_or(u32::MAX));
                let contacts =
                    client.query_contacts(&query).await.map_err(|e| anyhow::anyhow!("querying Contacts: {e}"))?;
                let more = contacts.len() >= size;
                Ok(Page { records: contacts.into_iter().map(Record::Salesforce).collect(), more })
            }
        }
    }

    /// The record `id` as the system has it now; `None` when it is gone (deleted or never there).
    pub async fn fetch(&self, id: &str) -> anyhow::Result<Option<Record>> {
        match &self.client {
            Client::Stripe(client) => match client.retrieve_customer(id).await {
                Ok(r) => Ok(match r.body {
                    Retrieved::Active(c) => Some(Record::Stripe(c)),
                    Retrieved::Deleted { .. } => None,
                }),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(anyhow::anyhow!("reading Stripe customer {id}: {e}")),
            },
            Client::Salesforce(client) => match client.get_contact(id, None).await {
                Ok(c) if c.is_deleted == Some(true) => Ok(None),
                Ok(c) => Ok(Some(Record::Salesforce(c))),
                Err(e) if e.code().is_some_and(|c| c.is_missing_record()) => Ok(None),
                Err(e) => Err(anyhow::anyhow!("reading Contact {id}: {e}")),
            },
        }
    }

    /// Deletes the record `id` there (already gone counts as deleted).
    pub async fn delete(&self, id: &str) -> anyhow::Result<()> {
        match &self.client {
            Client::Stripe(client) => {
                // A key of its own: the tombstoned customer's own delete may have used the customer-derived one.
                let key = IdempotencyKey::for_event(Uuid::new_v4(), "delete")?;
                match client.delete_customer(id, &key).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_not_found() => Ok(()),
                    Err(e) => Err(anyhow::anyhow!("deleting Stripe customer {id}: {e}")),
                }
            }
            Client::Salesforce(client) => {
                let results = client.delete_contacts(&[id]).await.map_err(|e| anyhow::anyhow!("deleting {id}: {e}"))?;
                match results.first() {
                    Some(r) if r.success || r.errors.iter().any(|e| e.status_code.is_missing_record()) => Ok(()),
                    Some(r) => Err(anyhow::anyhow!("deleting Contact {id}: {}", record_errors(r))),
                    None => Err(anyhow::anyhow!("deleting Contact {id}: no result")),
                }
            }
        }
    }

    /// Whether the system's upserts go by the local id the record carries (Salesforce's external-id field), so
    /// that a linked record must carry its customer's id or a later push makes a twin.
    pub fn upserts_by_carried_id(&self) -> bool {
        matches!(self.client, Client::Salesforce(_))
    }

    /// The name of the field that carries the local id.
    pub fn carried_id_field(&self) -> &str {
        match &self.client {
            Client::Stripe(_) => stripe_client::LOCAL_ID_METADATA_KEY,
            Client::Salesforce(client) => client.external_id_field(),
        }
    }

    /// Writes the customer ids into the records' id-carrying field, `(record id, customer id)`: one result per
    /// pair, in order. Only Salesforce needs it (see [`System::upserts_by_carried_id`]).
    pub async fn set_carried_ids(&self, pairs: &[(String, Uuid)]) -> Vec<Result<(), String>> {
        let Client::Salesforce(client) = &self.client else {
            return pairs.iter().map(|_| Ok(())).collect();
        };
        if pairs.is_empty() {
            return Vec::new();
        }
        let pairs: Vec<(String, String)> = pairs.iter().map(|(id, c)| (id.clone(), c.to_string())).collect();
        match client.set_customer_ids(&pairs).await {
            Ok(results) => {
                let mut out: Vec<Result<(), String>> =
                    results.iter().map(|r| if r.success { Ok(()) } else { Err(record_errors(r)) }).collect();
                out.resize(pairs.len(), Err("no result".into()));
                out
            }
            Err(e) => pairs.iter().map(|_| Err(e.to_string())).collect(),
        }
    }
}

fn record_errors(r: &salesforce_client::RecordResult) -> String {
    r.errors.iter().map(|e| format!("{}: {}", e.status_code, e.message)).collect::<Vec<_>>().join("; ")
}

/// The systems `only` names (every one when `None`), in `Integration::ALL` order.
pub fn selected(only: Option<Integration>) -> Vec<Integration> {
    Integration::all().iter().copied().filter(|i| only.is_none_or(|o| o == *i)).collect()
}
