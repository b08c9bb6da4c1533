//! `SalesforceContact`: Salesforce's Contact as the client reads and writes it, and its mapping to the shared
//! customer model.
//!
//! Name mapping (LastName is required by Salesforce, FirstName optional): the local full name is split with
//! [`model::split_name_within`] (FirstName 40, LastName 80 characters) (the last word is LastName, the rest FirstName; one word is a LastName alone) and
//! joined back with [`model::join_name`]. An empty local name becomes the LastName [`NO_NAME`], which maps
//! back to an empty name, so the round trip is exact.
//!
//! The external-id field is configurable, so its JSON key is not fixed: the client fills
//! [`SalesforceContact::customer_id`] from the configured field when reading, and writes it under that name.

use crate::datetime;
use chrono::{DateTime, Utc};
use model::{CustomerFields, ExternalCustomer, join_name, split_name_within};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The LastName sent for a customer without a name (Salesforce's own placeholder for a missing LastName).
pub const NO_NAME: &str = "[not provided]";

/// Contact's FirstName and LastName lengths; longer names are split by [`model::split_name_within`].
pub const FIRST_NAME_MAX: usize = 40;
pub const LAST_NAME_MAX: usize = 80;

/// The Contact fields this client reads by default (the external-id field is added to them).
pub const CONTACT_FIELDS: &[&str] = &[
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "AccountId",
    "OwnerId",
    "IsDeleted",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
];

/// A Salesforce Contact. Fields absent from a response (not selected) are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesforceContact {
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "FirstName", default)]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default)]
    pub last_name: Option<String>,
    #[serde(rename = "Email", default)]
    pub email: Option<String>,
    #[serde(rename = "Phone", default)]
    pub phone: Option<String>,
    #[serde(rename = "AccountId", default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(rename = "OwnerId", default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(rename = "IsDeleted", default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde(rename = "CreatedDate", default, with = "datetime", skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTime<Utc>>,
    #[serde(rename = "LastModifiedDate", default, with = "datetime", skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<DateTime<Utc>>,
    #[serde(rename = "SystemModstamp", default, with = "datetime", skip_serializing_if = "Option::is_none")]
    pub system_modstamp: Option<DateTime<Utc>>,
    /// The value of the configured external-id field (the local customer id).
    #[serde(skip)]
    pub customer_id: Option<String>,
}

impl SalesforceContact {
    /// Reads a record from Salesforce JSON, taking the external id from `external_id_field`.
    pub fn from_json(value: Value, external_id_field: &str) -> Result<Self, serde_json::Error> {
        let customer_id = value.get(external_id_field).and_then(Value::as_str).map(str::to_owned);
        let mut contact: SalesforceContact = serde_json::from_value(value)?;
        contact.customer_id = customer_id;
        Ok(contact)
    }

    /// The JSON body of a write. The mirrored customer fields (FirstName, LastName, Email, Phone) are sent in
    /// full, `None` as null so that a removed phone is cleared; LastName is left out when `None` (a partial
    /// update). AccountId and OwnerId are sent only when set; read-only fields never. The external id is
    /// included under `external_id_field` when `with_external_id` and known.
    pub fn write_body(&self, external_id_field: &str, with_external_id: bool) -> Map<String, Value> {
        let mut body = Map::new();
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
        body.insert("FirstName".into(), opt(&self.first_name));
        if let Some(last) = &self.last_name {
            body.insert("LastName".into(), Value::String(last.clone()));
        }
        body.insert("Email".into(), opt(&self.email));
        body.insert("Phone".into(), opt(&self.phone));
        for (key, value) in [("AccountId", &self.account_id), ("OwnerId", &self.owner_id)] {
            if let Some(v) = value {
                body.insert(key.into(), Value::String(v.clone()));
            }
        }
        if let (true, Some(customer_id)) = (with_external_id, &self.customer_id) {
            body.insert(external_id_field.into(), Value::String(customer_id.clone()));
        }
        body
    }
}

impl ExternalCustomer for SalesforceContact {
    fn external_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn local_id(&self) -> Option<uuid::Uuid> {
        self.customer_id.as_deref().and_then(|s| s.parse().ok())
    }

    fn fields(&self) -> CustomerFields {
        let last = self.last_name.as_deref().unwrap_or_default();
        let name = match (self.first_name.as_deref(), last) {
            (None | Some(""), NO_NAME) => String::new(),
            (first, last) => join_name(first, last),
        };
        CustomerFields {
            name,
            email: self.email.clone().unwrap_or_default(),
            phone: self.phone.clone().filter(|p| !p.is_empty()),
        }
    }

    fn from_fields(fields: &CustomerFields, local_id: uuid::Uuid) -> Self {
        let (first_name, last) = split_name_within(&fields.name, FIRST_NAME_MAX, LAST_NAME_MAX);
        let last_name = if last.is_empty() { NO_NAME.to_owned() } else { last };
        SalesforceContact {
            first_name,
            last_name: Some(last_name),
            email: Some(fields.email.clone()).filter(|e| !e.is_empty()),
            phone: fields.phone.clone().filter(|p| !p.is_empty()),
            customer_id: Some(local_id.to_string()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests;
