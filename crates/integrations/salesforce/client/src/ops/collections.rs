//! sObject Collections: create, update, upsert and delete Contacts up to 200 per call. Larger inputs are sent
//! in chunks of 200, one after the other; the results come back in the caller's order, one per record.
//! Calls use `allOrNone=false`, so one bad record does not fail the others. Records that fail with a
//! retryable code (e.g. UNABLE_TO_LOCK_ROW) are sent again, alone, under the client's retry policy.

use super::record_id;
use crate::transport::Request;
use crate::{Error, ErrorCode, SalesforceClient, SalesforceContact};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The most records Salesforce takes in one collection call.
pub const MAX_RECORDS_PER_CALL: usize = 200;

/// One record's outcome, at the same index as the record in the input.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordResult {
    #[serde(default)]
    pub id: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub created: Option<bool>,
    #[serde(default)]
    pub errors: Vec<RecordError>,
}

/// Why a record failed (collections report `statusCode` where single calls say `errorCode`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordError {
    #[serde(rename = "statusCode")]
    pub status_code: ErrorCode,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

impl RecordResult {
    /// Failed, and only for transient reasons.
    pub fn is_retryable(&self) -> bool {
        !self.success && !self.errors.is_empty() && self.errors.iter().all(|e| e.status_code.is_retryable())
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Create,
    Update,
    Upsert,
    Delete,
}

impl SalesforceClient {
    /// Creates the Contacts; `Id` must not be set.
    pub async fn create_contacts(&self, contacts: &[SalesforceContact]) -> Result<Vec<RecordResult>, Error> {
        let items = contacts.iter().map(|c| self.collection_record(c, None)).collect();
        self.collection(Op::Create, items).await
    }

    /// Updates the Contacts; each must carry its `id`.
    pub async fn update_contacts(&self, contacts: &[SalesforceContact]) -> Result<Vec<RecordResult>, Error> {
        let items = contacts
            .iter()
            .map(|c| {
                let id = c.id.as_deref().ok_or_else(|| Error::InvalidInput("an update needs the id".into()))?;
                Ok(self.collection_record(c, Some(record_id(id)?)))
            })
            .collect::<Result<_, Error>>()?;
        self.collection(Op::Update, items).await
    }

    /// Upserts the Contacts by the external-id field; each must carry its `customer_id`.
    pub async fn upsert_contacts(&self, contacts: &[SalesforceContact]) -> Result<Vec<RecordResult>, Error> {
        if contacts.iter().any(|c| c.customer_id.as_deref().is_none_or(str::is_empty)) {
            return Err(Error::InvalidInput("an upsert needs every contact's customer_id".into()));
        }
        let items = contacts.iter().map(|c| self.collection_record(c, None)).collect();
        self.collection(Op::Upsert, items).await
    }

    /// Sets only the external-id field of existing Contacts, given as `(Id, customer id)` pairs: links Contacts
    /// made outside the product to their customers, so that the product's upserts on that field find them
    /// instead of creating twins. No other field is sent.
    pub async fn set_customer_ids(&self, pairs: &[(String, String)]) -> Result<Vec<RecordResult>, Error> {
        let items = pairs
            .iter()
            .map(|(id, customer_id)| {
                let mut record = Map::new();
                record.insert("attributes".into(), json!({ "type": "Contact" }));
                record.insert("id".into(), Value::String(record_id(id)?.to_owned()));
                record.insert(self.external_id_field.to_string(), Value::String(customer_id.clone()));
                Ok(Value::Object(record))
            })
            .collect::<Result<_, Error>>()?;
        self.collection(Op::Update, items).await
    }

    /// Deletes the Contacts with these ids.
    pub async fn delete_contacts<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<RecordResult>, Error> {
        let items = ids
            .iter()
            .map(|id| record_id(id.as_ref()).map(|id| Value::String(id.to_owned())))
            .collect::<Result<_, Error>>()?;
        self.collection(Op::Delete, items).await
    }

    fn collection_record(&self, contact: &SalesforceContact, id: Option<&str>) -> Value {
        let mut record = Map::new();
        record.insert("attributes".into(), json!({ "type": "Contact" }));
        if let Some(id) = id {
            record.insert("id".into(), Value::String(id.to_owned()));
        }
        record.extend(contact.write_body(&self.external_id_field, true));
        Value::Object(record)
    }

    async fn collection(&self, op: Op, items: Vec<Value>) -> Result<Vec<RecordResult>, Error> {
        let mut done = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_RECORDS_PER_CALL) {
            match self.chunk_with_retries(op, chunk).await {
                Ok(results) => done.extend(results),
                Err(source) if done.is_empty() => return Err(source),
                Err(source) => return Err(Error::PartialBatch { done, source: Box::new(source) }),
            }
        }
        Ok(done)
    }

    async fn chunk_with_retries(&self, op: Op, chunk: &[Value]) -> Result<Vec<RecordResult>, Error> {
        let mut results = self.send_chunk(op, chunk).await?;
        let policy = self.transport.retry;
        for delay in policy.delays() {
            let pending: Vec<usize> = (0..results.len()).filter(|&i| results[i].is_retryable()).collect();
            if pending.is_empty() {
                break;
            }
            tokio::time::sleep(delay).await;
            let again: Vec<Value> = pending.iter().map(|&i| chunk[i].clone()).collect();
            // A failed resend leaves the earlier (retryable) failures in place for the caller.
            let Ok(again) = self.send_chunk(op, &again).await else { break };
            for (i, result) in pending.into_iter().zip(again) {
                results[i] = result;
            }
        }
        Ok(results)
    }

    async fn send_chunk(&self, op: Op, chunk: &[Value]) -> Result<Vec<RecordResult>, Error> {
        let records = || json!({ "allOrNone": false, "records": chunk });
        let request = match op {
            Op::Create => Request::new(Method::POST, &["composite", "sobjects"]).body(records()),
            Op::Update => Request::new(Method::PATCH, &["composite", "sobjects"]).body(records()),
            Op::Upsert => Request::new(Method::PATCH, &["composite", "sobjects", "Contact", &self.external_id_field])
                .body(records()),
            Op::Delete => Request::new(Method::DELETE, &["composite", "sobjects"])
                .query("ids", chunk.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
                .query("allOrNone", "false"),
        };
        let results: Vec<RecordResult> = self.send(request).await?.json()?;
        if results.len() != chunk.len() {
            return Err(Error::Protocol(format!(
                "collection call returned {} results for {} records",
                results.len(),
                chunk.len()
            )));
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_record_results_read_statuscode_errors() {
        let body = r#"[{"id":"003000000000001AAA","success":true,"errors":[]},
            {"success":false,"errors":[{"statusCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [LastName]","fields":["LastName"]}]},
            {"success":false,"errors":[{"statusCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access","fields":[]}]}]"#;
        let results: Vec<RecordResult> = serde_json::from_str(body).expect("results");
        assert!(results[0].success && !results[0].is_retryable());
        assert_eq!(results[1].errors[0].status_code, ErrorCode::RequiredFieldMissing);
        assert!(!results[1].is_retryable());
        assert!(results[2].is_retryable());
    }

    #[test]
    fn inputs_are_cut_into_calls_of_at_most_200_records() {
        let items: Vec<u32> = (0..450).collect();
        let sizes: Vec<usize> = items.chunks(MAX_RECORDS_PER_CALL).map(<[u32]>::len).collect();
        assert_eq!(sizes, vec![200, 200, 50]);
    }
}
