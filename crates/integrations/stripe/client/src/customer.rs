//! Stripe's customer object, the parameters the client sends, and the shared base model mapping.

use std::collections::BTreeMap;

use model::{CustomerFields, ExternalCustomer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The metadata key under which a Stripe customer carries the local customer id it is linked to.
pub const LOCAL_ID_METADATA_KEY: &str = "customer_sync_id";

/// The metadata key under which the product stores the fingerprint of the fields it last wrote
/// ([`model::CustomerFields::fingerprint`]). A customer whose fields still match it holds the product's own
/// write: the notification about it is an echo, whoever's request caused it.
pub const FINGERPRINT_METADATA_KEY: &str = "customer_sync_fingerprint";

/// A Stripe customer as the API returns it (the fields customer sync uses; others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StripeCustomer {
    /// `cus_…`; empty for a record built locally and not yet sent.
    #[serde(default)]
    pub id: String,
    #[serde(default = "customer_object")]
    pub object: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Creation time, Unix seconds.
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub livemode: bool,
    /// True only in the stub Stripe returns for a deleted customer.
    #[serde(default)]
    pub deleted: bool,
}

fn customer_object() -> String {
    "customer".to_owned()
}

impl ExternalCustomer for StripeCustomer {
    fn external_id(&self) -> Option<&str> {
        Some(self.id.as_str()).filter(|id| !id.is_empty())
    }

    fn local_id(&self) -> Option<Uuid> {
        self.metadata.get(LOCAL_ID_METADATA_KEY).and_then(|v| Uuid::parse_str(v).ok())
    }

    fn fields(&self) -> CustomerFields {
        CustomerFields {
            name: self.name.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            phone: self.phone.clone().filter(|p| !p.is_empty()),
        }
    }

    fn from_fields(fields: &CustomerFields, local_id: Uuid) -> Self {
        Self {
            id: String::new(),
            object: customer_object(),
            name: Some(fields.name.clone()),
            email: Some(fields.email.clone()),
            phone: fields.phone.clone(),
            description: None,
            metadata: BTreeMap::from([(LOCAL_ID_METADATA_KEY.to_owned(), local_id.to_string())]),
            created: 0,
            livemode: false,
            deleted: false,
        }
    }
}

impl StripeCustomer {
    /// True when the customer's fields are exactly what the product last wrote (see
    /// [`FINGERPRINT_METADATA_KEY`]).
    pub fn holds_own_write(&self) -> bool {
        self.metadata.get(FINGERPRINT_METADATA_KEY).is_some_and(|f| *f == self.fields().fingerprint())
    }
}

/// What `GET /v1/customers/{id}` found: Stripe keeps a stub `{"id","object":"customer","deleted":true}` for
/// deleted customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retrieved {
    Active(StripeCustomer),
    Deleted { id: String },
}

/// The answer to `DELETE /v1/customers/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeletedCustomer {
    pub id: String,
    #[serde(default)]
    pub deleted: bool,
}

/// The fields to send on create or update. On update only the fields set are changed; an empty string
/// clears a field (Stripe's rule). Metadata merges into what Stripe has; an empty value removes the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerParams {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

impl CustomerParams {
    /// Every shared field, linked to `local_id` through metadata, with the fields' fingerprint. A missing
    /// phone is sent as empty, which clears it on update.
    pub fn from_fields(fields: &CustomerFields, local_id: Uuid) -> Self {
        Self {
            name: Some(fields.name.clone()),
            email: Some(fields.email.clone()),
            phone: Some(fields.phone.clone().unwrap_or_default()),
            description: None,
            metadata: BTreeMap::from([
                (LOCAL_ID_METADATA_KEY.to_owned(), local_id.to_string()),
                (FINGERPRINT_METADATA_KEY.to_owned(), fields.fingerprint()),
            ]),
        }
    }

    /// The form pairs Stripe expects, metadata as `metadata[key]=value` (serde_urlencoded cannot nest).
    pub(crate) fn form_pairs(&self) -> Vec<(String, String)> {
        let scalars =
            [("name", &self.name), ("email", &self.email), ("phone", &self.phone), ("description", &self.description)];
        let mut pairs: Vec<(String, String)> =
            scalars.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), v.clone()))).collect();
        pairs.extend(self.metadata.iter().map(|(k, v)| (format!("metadata[{k}]"), v.clone())));
        pairs
    }
}

/// Filters and cursor of `GET /v1/customers` (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    /// 1 to 100; Stripe's default is 10.
    pub limit: Option<u8>,
    /// The id of the last customer of the previous page.
    pub starting_after: Option<String>,
    /// Exact, case-sensitive email match.
    pub email: Option<String>,
}

impl ListParams {
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(limit) = self.limit {
            q.push(("limit", limit.to_string()));
        }
        if let Some(after) = &self.starting_after {
            q.push(("starting_after", after.clone()));
        }
        if let Some(email) = &self.email {
            q.push(("email", email.clone()));
        }
        q
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_sent_as_bracketed_pairs_and_unset_fields_are_left_out() {
        let params = CustomerParams {
            name: Some("Ada Lovelace".into()),
            metadata: BTreeMap::from([("customer_sync_id".into(), "abc".into())]),
            ..Default::default()
        };
        assert_eq!(
            params.form_pairs(),
            vec![
                ("name".to_owned(), "Ada Lovelace".to_owned()),
                ("metadata[customer_sync_id]".to_owned(), "abc".to_owned()),
            ]
        );
    }

    #[test]
    fn a_customer_maps_to_the_shared_fields_and_back() {
        let local = Uuid::now_v7();
        let fields = CustomerFields { name: "Ada Lovelace".into(), email: "ada@example.com".into(), phone: None };
        let customer = StripeCustomer::from_fields(&fields, local);
        assert_eq!(customer.fields(), fields);
        assert_eq!(customer.local_id(), Some(local));
        assert_eq!(customer.external_id(), None);
    }

    #[test]
    fn a_deleted_stub_parses_with_the_deleted_flag() {
        let c: StripeCustomer =
            serde_json::from_str(r#"{"id":"cus_1","object":"customer","deleted":true}"#).expect("parses");
        assert!(c.deleted);
        assert_eq!(c.external_id(), Some("cus_1"));
    }
}
