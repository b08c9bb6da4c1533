//! Salesforce Contacts as a [`sync_core::Connector`]. A linked Contact is updated by its Id (which also writes
//! the external-id field, so a Contact made in Salesforce carries its customer id from then on); an unlinked
//! one is upserted on the external-id field (`Customer_Id__c` by default), so a retried create can never make a
//! twin. A linked Contact that no longer exists is upserted again. Batches of up to 200 go out as sObject
//! Collections calls with `allOrNone=false`, and each record's result stands alone.
//! Deletes go by the linked Id in one collection call; a record already gone counts as deleted. Names are
//! split to FirstName 40 / LastName 80 by [`model::split_name_within`].
//!
//! It must never touch the database or Kafka: the engine decides what to push and stores the outcome.

pub mod inbound;

use async_trait::async_trait;
use events::Integration;
use model::{CustomerFields, ExternalCustomer};
use salesforce_client::{Error, MAX_RECORDS_PER_CALL, RecordResult, SalesforceClient, SalesforceContact};
use sync_core::{Connector, PushDone, PushError, PushRequest, PushResult};

/// Salesforce, as the core knows it: its topics are `salesforce-customer-*`, its links, metrics and dead
/// letters `salesforce`, and changes made there have the origin `salesforce`.
pub const SALESFORCE: Integration = Integration::new("salesforce");

pub struct SalesforceConnector {
    client: SalesforceClient,
}

impl SalesforceConnector {
    pub fn new(client: SalesforceClient) -> Self {
        Self { client }
    }

    async fn upserts(&self, contacts: &[SalesforceContact]) -> Vec<PushResult> {
        if contacts.is_empty() {
            return Vec::new();
        }
        match self.client.upsert_contacts(contacts).await {
            Ok(results) => results.iter().map(|r| record(r, |id| PushDone::Upserted { external_id: id })).collect(),
            Err(e) => vec![Err(call_error(&e)); contacts.len()],
        }
    }

    /// Updates linked Contacts by Id; a Contact gone from Salesforce comes back as `None`, to be upserted.
    async fn updates(&self, contacts: &[SalesforceContact]) -> Vec<Option<PushResult>> {
        if contacts.is_empty() {
            return Vec::new();
        }
        match self.client.update_contacts(contacts).await {
            Ok(results) => results
                .iter()
                .map(|r| match record(r, |id| PushDone::Upserted { external_id: id }) {
                    Err(_) if r.errors.iter().any(|e| e.status_code.is_missing_record()) => None,
                    other => Some(other),
                })
                .collect(),
            Err(e) => vec![Some(Err(call_error(&e))); contacts.len()],
        }
    }

    async fn deletes(&self, ids: &[String]) -> Vec<PushResult> {
        if ids.is_empty() {
            return Vec::new();
        }
        match self.client.delete_contacts(ids).await {
            Ok(results) => results
                .iter()
                .map(|r| match record(r, |_| PushDone::Deleted) {
                    Err(_) if r.errors.iter().any(|e| e.status_code.is_missing_record()) => Ok(PushDone::Deleted),
                    other => other,
                })
                .collect(),
            Err(e) => vec![Err(call_error(&e)); ids.len()],
        }
    }

    /// A delete whose create was sent but never confirmed: find the record by the external id.
    async fn delete_unlinked(&self, customer_id: uuid::Uuid) -> PushResult {
        let found =
            self.client.find_contact_by_customer_id(&customer_id.to_string()).await.map_err(|e| call_error(&e))?;
        match found.and_then(|c| c.id) {
            Some(id) => self.deletes(&[id]).await.pop().unwrap_or(Ok(PushDone::Deleted)),
            None => Ok(PushDone::Deleted),
        }
    }
}

fn record(r: &RecordResult, done: impl FnOnce(String) -> PushDone) -> PushResult {
    if r.success {
        return Ok(done(r.id.clone().unwrap_or_default()));
    }
    let message = r.errors.iter().map(|e| format!("{}: {}", e.status_code, e.message)).collect::<Vec<_>>().join("; ");
    if r.is_retryable() { Err(PushError::Retryable(message)) } else { Err(PushError::Permanent(message)) }
}

fn call_error(e: &Error) -> PushError {
    if e.is_retryable() {
        PushError::Retryable(format!("salesforce: {e}"))
    } else {
        PushError::Permanent(format!("salesforce: {e}"))
    }
}

#[async_trait]
impl Connector for SalesforceConnector {
    fn integration(&self) -> Integration {
        crate::SALESFORCE
    }

    fn max_batch(&self) -> usize {
        MAX_RECORDS_PER_CALL
    }

    fn normalize(&self, fields: &CustomerFields) -> CustomerFields {
        SalesforceContact::from_fields(fields, uuid::Uuid::nil()).fields()
    }

    async fn push(&self, requests: &[PushRequest]) -> Vec<PushResult> {
        let mut upserts = Vec::new();
        let mut linked = Vec::new();
        let mut deletes = Vec::new();
        let mut unlinked = Vec::new();
        for (i, r) in requests.iter().enumerate() {
            match r {
                PushRequest::Upsert(u) => {
                    let mut contact = SalesforceContact::from_fields(&u.fields, u.customer_id);
                    match &u.external_id {
                        Some(id) => {
                            contact.id = Some(id.clone());
                            linked.push((i, contact));
                        }
                        None => upserts.push((i, contact)),
                    }
                }
                PushRequest::Delete { external_id: Some(id), .. } => deletes.push((i, id.clone())),
                PushRequest::Delete { customer_id, external_id: None, .. } => unlinked.push((i, *customer_id)),
            }
        }
        let mut results: Vec<PushResult> = vec![Err(PushError::Retryable("not attempted".into())); requests.len()];
        let by_id: Vec<SalesforceContact> = linked.iter().map(|(_, c)| c.clone()).collect();
        for ((i, contact), r) in linked.into_iter().zip(self.updates(&by_id).await) {
            match r {
                Some(r) => results[i] = r,
                None => upserts.push((i, SalesforceContact { id: None, ..contact })),
            }
        }
        let contacts: Vec<SalesforceContact> = upserts.iter().map(|(_, c)| c.clone()).collect();
        for ((i, _), r) in upserts.iter().zip(self.upserts(&contacts).await) {
            results[*i] = r;
        }
        let ids: Vec<String> = deletes.iter().map(|(_, id)| id.clone()).collect();
        for ((i, _), r) in deletes.iter().zip(self.deletes(&ids).await) {
            results[*i] = r;
        }
        for (i, customer_id) in unlinked {
            results[i] = self.delete_unlinked(customer_id).await;
        }
        if let Some(usage) = self.client.api_usage() {
            // Salesforce's own count of the org's API requests in the last 24 h (`Sforce-Limit-Info`).
            metrics::gauge!("salesforce_api_requests_used").set(usage.used as f64);
            metrics::gauge!("salesforce_api_requests_allowed").set(usage.allowed as f64);
        }
        results
    }
}
