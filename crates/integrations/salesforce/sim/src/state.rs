//! The simulated org's data: Contacts (live and in the recycle bin), the id sequence and the push queues,
//! with the record operations every endpoint shares. Pure data: no I/O, no locking (see `store`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::RecordError;
use crate::ids;
use crate::push::PushQueues;
use crate::record::{Changes, Record, full_name};
use crate::schema::{FieldDef, Schema};

/// Who makes a change: the session's user and the `Sforce-Call-Options` client name.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: String,
    pub client: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeType {
    Create,
    Update,
    Delete,
}

/// One committed Contact change, the input of the push queues.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub record_id: String,
    pub change: ChangeType,
    pub client: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Next sequence number for generated ids.
    pub seq: u64,
    pub contacts: BTreeMap<String, Record>,
    #[serde(default)]
    pub push: PushQueues,
    /// Record ids by the value of each external-id or unique field (folded as the field compares values), so
    /// that lookups by external id do not scan every record. Not persisted: [`State::reindex`] rebuilds it.
    #[serde(skip)]
    pub index: HashMap<(String, String), BTreeSet<String>>,
}

fn indexed(field: &FieldDef) -> bool {
    field.external_id || field.unique
}

fn fold(field: &FieldDef, value: &str) -> String {
    if field.case_sensitive { value.to_owned() } else { value.to_lowercase() }
}

fn is_deleted(r: &Record) -> bool {
    r.get("IsDeleted").and_then(Value::as_bool).unwrap_or(false)
}

impl State {
    /// An empty org whose ids continue from the clock (microseconds since 1970) instead of from 1. Salesforce
    /// never issues an id twice, and a catalog that outlives a sim (a kept database, a sim started again
    /// without its data file) still links to the ids the earlier sim gave: starting each sim from 1 gave a
    /// new Contact the id of an old one and linked it to another customer. An instance would have to create
    /// more than one record per microsecond of its life for the next one to repeat its ids; 9 base-62
    /// digits hold the clock until the 24th century.
    pub fn starting_now() -> Self {
        let micros =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64);
        Self { seq: micros, ..Self::default() }
    }

    /// A new id with the given key prefix.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        ids::generate(prefix, self.seq)
    }

    /// The live record with this (canonical) id: NOT_FOUND or ENTITY_IS_DELETED otherwise.
    pub fn live(&self, id: &str) -> Result<&Record, RecordError> {
        match self.contacts.get(id) {
            None => Err(RecordError::not_found()),
            Some(r) if is_deleted(r) => Err(RecordError::deleted()),
            Some(r) => Ok(r),
        }
    }

    /// Rebuilds the value index (after loading the state, or restoring a snapshot).
    pub fn reindex(&mut self, schema: &Schema) {
        self.index.clear();
        let ids: Vec<String> = self.contacts.keys().cloned().collect();
        for id in ids {
            self.index_record(schema, &id, true);
        }
    }

    /// Adds (`true`) or removes the record's indexed values.
    fn index_record(&mut self, schema: &Schema, id: &str, add: bool) {
        let Some(record) = self.contacts.get(id) else { return };
        for field in schema.fields.iter().filter(|f| indexed(f)) {
            let Some(value) = record.get(&field.name).and_then(Value::as_str) else { continue };
            let key = (field.name.clone(), fold(field, value));
            if add {
                self.index.entry(key).or_default().insert(id.to_owned());
            } else if let Some(ids) = self.index.get_mut(&key) {
                ids.remove(id);
            }
        }
    }

    /// Ids of live records whose `field` holds `value`, compared as the field compares values (ignoring
    /// case unless it is case-sensitive).
    pub fn find_live(&self, field: &FieldDef, value: &str) -> Vec<String> {
        if indexed(field) {
            let ids = self.index.get(&(field.name.clone(), fold(field, value)));
            return ids
                .into_iter()
                .flatten()
                .filter(|id| {
                    self.contacts.get(*id).is_some_and(|r| {
                        !is_deleted(r)
                            && r.get(&field.name).and_then(Value::as_str).is_some_and(|v| field.same_value(v, value))
                    })
                })
                .cloned()
                .collect();
        }
        self.contacts
            .values()
            .filter(|r| !is_deleted(r))
            .filter(|r| r.get(&field.name).and_then(Value::as_str).is_some_and(|v| field.same_value(v, value)))
            .filter_map(|r| r.get("Id").and_then(Value::as_str).map(String::from))
            .collect()
    }

    /// Rejects a change that would duplicate a unique field's value on another live record.
    fn check_unique(&self, schema: &Schema, changes: &Changes, own_id: Option<&str>) -> Result<(), RecordError> {
        for (name, value) in changes {
            let Some(field) = schema.field(name).filter(|f| f.unique) else { continue };
            let Some(v) = value.as_str() else { continue };
            if let Some(other) = self.find_live(field, v).into_iter().find(|id| Some(id.as_str()) != own_id) {
                return Err(RecordError::new(
                    "DUPLICATE_VALUE",
                    format!("duplicate value found: {name} duplicates value on record with id: {other}"),
                    &[name],
                ));
            }
        }
        Ok(())
    }

    /// Inserts a validated record; returns its id.
    pub fn create(
        &mut self,
        schema: &Schema,
        changes: Changes,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(String, ChangeEvent), RecordError> {
        self.check_unique(schema, &changes, None)?;
        let id = self.next_id(ids::CONTACT_PREFIX);
        let mut record = Record::new();
        for f in &schema.fields {
            record.insert(f.name.clone(), Value::Null);
        }
        let stamp = Value::String(crate::time::format(now));
        record.insert("Id".into(), Value::String(id.clone()));
        record.insert("IsDeleted".into(), Value::Bool(false));
        record.insert("OwnerId".into(), Value::String(actor.user_id.clone()));
        record.insert("CreatedById".into(), Value::String(actor.user_id.clone()));
        record.insert("CreatedDate".into(), stamp);
        apply(&mut record, changes, actor, now);
        self.contacts.insert(id.clone(), record);
        self.index_record(schema, &id, true);
        Ok((id.clone(), event(id, ChangeType::Create, actor, now)))
    }

    /// Applies validated changes to a live record.
    pub fn update(
        &mut self,
        schema: &Schema,
        id: &str,
        changes: Changes,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ChangeEvent, RecordError> {
        self.live(id)?;
        self.check_unique(schema, &changes, Some(id))?;
        self.index_record(schema, id, false);
        let record = self.contacts.get_mut(id).ok_or_else(RecordError::not_found)?;
        apply(record, changes, actor, now);
        self.index_record(schema, id, true);
        Ok(event(id.to_owned(), ChangeType::Update, actor, now))
    }

    /// Moves a live record to the recycle bin.
    pub fn delete(&mut self, id: &str, actor: &Actor, now: DateTime<Utc>) -> Result<ChangeEvent, RecordError> {
        self.live(id)?;
        let record = self.contacts.get_mut(id).ok_or_else(RecordError::not_found)?;
        record.insert("IsDeleted".into(), Value::Bool(true));
        apply(record, Changes::new(), actor, now);
        Ok(event(id.to_owned(), ChangeType::Delete, actor, now))
    }
}

fn apply(record: &mut Record, changes: Changes, actor: &Actor, now: DateTime<Utc>) {
    for (name, value) in changes {
        record.insert(name, value);
    }
    let stamp = Value::String(crate::time::format(now));
    record.insert("Name".into(), full_name(record));
    record.insert("LastModifiedDate".into(), stamp.clone());
    record.insert("LastModifiedById".into(), Value::String(actor.user_id.clone()));
    record.insert("SystemModstamp".into(), stamp);
}

fn event(record_id: String, change: ChangeType, actor: &Actor, at: DateTime<Utc>) -> ChangeEvent {
    ChangeEvent { record_id, change, client: actor.client.clone(), at }
}
