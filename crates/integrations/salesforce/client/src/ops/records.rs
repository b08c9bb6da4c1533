//! Single-record Contact operations: create, get, update, delete, upsert by external id, and lookups.

use super::record_id;
use crate::contact::CONTACT_FIELDS;
use crate::soql::{self, Filter, Query};
use crate::transport::Request;
use crate::{Error, ErrorCode, SalesforceClient, SalesforceContact};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

/// The outcome of an upsert: the Contact's id and whether it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertOutcome {
    pub id: String,
    pub created: bool,
}

#[derive(Deserialize)]
struct SaveResult {
    id: String,
    #[serde(default)]
    created: Option<bool>,
}

impl SalesforceClient {
    /// Creates a Contact and returns its id. `Id` must not be set.
    pub async fn create_contact(&self, contact: &SalesforceContact) -> Result<String, Error> {
        let body = contact.write_body(&self.external_id_field, true);
        let request = Request::new(Method::POST, &["sobjects", "Contact", ""]).body(Value::Object(body));
        Ok(self.send(request).await?.json::<SaveResult>()?.id)
    }

    /// Reads a Contact with `fields` (all of [`CONTACT_FIELDS`] and the external-id field when `None`).
    pub async fn get_contact(&self, id: &str, fields: Option<&[&str]>) -> Result<SalesforceContact, Error> {
        let fields = match fields {
            Some(fields) => fields.iter().map(|f| soql::field_name(f)).collect::<Result<Vec<_>, _>>()?,
            None => self.default_fields(),
        };
        let request =
            Request::new(Method::GET, &["sobjects", "Contact", record_id(id)?]).query("fields", fields.join(","));
        let value: Value = self.send(request).await?.json()?;
        self.contact_from(value)
    }

    /// Updates a Contact's fields (see [`SalesforceContact::write_body`] for what is sent).
    pub async fn update_contact(&self, id: &str, contact: &SalesforceContact) -> Result<(), Error> {
        let body = contact.write_body(&self.external_id_field, true);
        let request = Request::new(Method::PATCH, &["sobjects", "Contact", record_id(id)?]);
        self.send(request.body(Value::Object(body))).await.map(drop)
    }

    /// Deletes a Contact (it goes to the recycle bin).
    pub async fn delete_contact(&self, id: &str) -> Result<(), Error> {
        let request = Request::new(Method::DELETE, &["sobjects", "Contact", record_id(id)?]);
        self.send(request).await.map(drop)
    }

    /// Creates or updates the Contact whose external-id field equals `contact.customer_id`.
    pub async fn upsert_contact(&self, contact: &SalesforceContact) -> Result<UpsertOutcome, Error> {
        let key = contact
            .customer_id
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| Error::InvalidInput("an upsert needs the contact's customer_id".into()))?;
        let body = contact.write_body(&self.external_id_field, false);
        let request = Request::new(Method::PATCH, &["sobjects", "Contact", &self.external_id_field, key])
            .body(Value::Object(body));
        let response = self.send(request).await?;
        if response.status == StatusCode::MULTIPLE_CHOICES {
            return Err(Error::MultipleMatches(matching_ids(&response.body)));
        }
        let saved: SaveResult = response.json()?;
        Ok(UpsertOutcome { id: saved.id, created: saved.created.unwrap_or(response.status == StatusCode::CREATED) })
    }

    /// The Contacts whose Email equals `email` (Salesforce compares case-insensitively).
    pub async fn find_contacts_by_email(&self, email: &str) -> Result<Vec<SalesforceContact>, Error> {
        let query = Query::contacts(&self.default_fields())?.filter(Filter::eq("Email", email))?;
        self.query_contacts(&query).await
    }

    /// The Contact linked to a local customer, if any.
    pub async fn find_contact_by_customer_id(&self, customer_id: &str) -> Result<Option<SalesforceContact>, Error> {
        let query =
            Query::contacts(&self.default_fields())?.filter(Filter::eq(&*self.external_id_field, customer_id))?;
        let mut found = self.query_contacts(&query).await?;
        match found.len() {
            0 | 1 => Ok(found.pop()),
            _ => Err(Error::MultipleMatches(found.into_iter().filter_map(|c| c.id).collect())),
        }
    }

    pub(crate) fn default_fields(&self) -> Vec<&str> {
        let mut fields = CONTACT_FIELDS.to_vec();
        fields.push(&self.external_id_field);
        fields
    }

    pub(crate) fn contact_from(&self, value: Value) -> Result<SalesforceContact, Error> {
        SalesforceContact::from_json(value, &self.external_id_field)
            .map_err(|e| Error::Protocol(format!("unreadable Contact: {e}")))
    }
}

/// The ids in a 300 answer (a JSON list of record URLs).
fn matching_ids(body: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(body)
        .unwrap_or_default()
        .iter()
        .filter_map(|url| url.rsplit('/').next().map(str::to_owned))
        .collect()
}

impl ErrorCode {
    /// NOT_FOUND or ENTITY_IS_DELETED: the record is not (or no longer) there.
    pub fn is_missing_record(&self) -> bool {
        matches!(self, ErrorCode::NotFound | ErrorCode::EntityIsDeleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multiple_choices_body_gives_the_matching_ids() {
        let body = r#"["/services/data/v59.0/sobjects/Contact/003000000000001AAA",
                       "/services/data/v59.0/sobjects/Contact/003000000000002AAA"]"#;
        assert_eq!(matching_ids(body), vec!["003000000000001AAA", "003000000000002AAA"]);
        assert!(matching_ids("not json").is_empty());
    }
}
