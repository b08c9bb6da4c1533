//! The Customer object (<https://docs.stripe.com/api/customers/object>): what is stored, the JSON Stripe
//! returns for it, and how create and update parameters change it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::form::Params;

/// Parameters `POST /v1/customers` and `POST /v1/customers/{id}` accept.
pub const WRITE_PARAMS: [&str; 6] = ["name", "email", "phone", "description", "metadata", "expand"];

const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_KEY: usize = 40;
const MAX_METADATA_VALUE: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub created: i64,
    /// Breaks ties of `created` in listings (insertion order).
    pub seq: u64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub invoice_prefix: String,
    #[serde(default)]
    pub deleted: bool,
}

/// The validated changes of one create or update.
#[derive(Debug, Default)]
pub struct Changes {
    /// `Some(None)`: the field is cleared (sent as an empty string).
    fields: Vec<(&'static str, Option<String>)>,
    metadata: Option<crate::form::HashUpdate>,
}

impl Changes {
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        params.only(&WRITE_PARAMS)?;
        let mut fields = Vec::new();
        for name in ["name", "email", "phone", "description"] {
            if let Some(v) = params.scalar(name)? {
                check_len(name, v, if name == "email" { 512 } else { 5000 })?;
                fields.push((name, Some(v.to_owned()).filter(|v| !v.is_empty())));
            }
        }
        let metadata = params.hash("metadata");
        if let Some(m) = &metadata {
            check_metadata(m)?;
        }
        Ok(Self { fields, metadata })
    }

    /// Applies the changes; metadata merges, an empty value unsets its key.
    pub fn apply(&self, c: &mut Customer) {
        for (name, value) in &self.fields {
            let slot = match *name {
                "name" => &mut c.name,
                "email" => &mut c.email,
                "phone" => &mut c.phone,
                _ => &mut c.description,
            };
            slot.clone_from(value);
        }
        if let Some(m) = &self.metadata {
            if m.clear {
                c.metadata.clear();
            }
            for (k, v) in &m.entries {
                if v.is_empty() {
                    c.metadata.remove(k);
                } else {
                    c.metadata.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn check_len(param: &str, v: &str, max: usize) -> Result<(), ApiError> {
    if v.chars().count() > max {
        return Err(ApiError::invalid(
            "string_length_exceeded",
            param,
            format!("Invalid string: {}...; must be at most {max} characters", v.chars().take(10).collect::<String>()),
        ));
    }
    Ok(())
}

fn check_metadata(m: &crate::form::HashUpdate) -> Result<(), ApiError> {
    if m.entries.len() > MAX_METADATA_KEYS {
        return Err(ApiError::invalid("parameter_invalid_string", "metadata", "You can specify up to 50 keys."));
    }
    for (k, v) in &m.entries {
        if k.chars().count() > MAX_METADATA_KEY {
            return Err(ApiError::invalid(
                "parameter_invalid_string",
                &format!("metadata[{k}]"),
                "Metadata keys can have up to 40 characters.",
            ));
        }
        check_len(&format!("metadata[{k}]"), v, MAX_METADATA_VALUE)?;
    }
    Ok(())
}

impl Customer {
    pub fn new(id: String, created: i64, seq: u64) -> Self {
        Self {
            id,
            created,
            seq,
            name: None,
            email: None,
            phone: None,
            description: None,
            metadata: BTreeMap::new(),
            invoice_prefix: crate::ids::invoice_prefix(),
            deleted: false,
        }
    }

    /// The customer as Stripe's API returns it (fields in Stripe's alphabetical order).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "object": "customer",
            "address": null,
            "balance": 0,
            "created": self.created,
            "currency": null,
            "default_source": null,
            "delinquent": false,
            "description": self.description,
            "discount": null,
            "email": self.email,
            "invoice_prefix": self.invoice_prefix,
            "invoice_settings": {
                "custom_fields": null,
                "default_payment_method": null,
                "footer": null,
                "rendering_options": null
            },
            "livemode": false,
            "metadata": self.metadata,
            "name": self.name,
            "next_invoice_sequence": 1,
            "phone": self.phone,
            "preferred_locales": [],
            "shipping": null,
            "tax_exempt": "none",
            "test_clock": null
        })
    }

    /// What `DELETE` answers and a later `GET` returns: Stripe keeps the stub of a deleted customer.
    pub fn deleted_stub(&self) -> Value {
        json!({ "id": self.id, "object": "customer", "deleted": true })
    }

    /// `data.previous_attributes` of a `customer.updated` event: the old values of the changed top-level
    /// fields; for metadata, only the changed keys, with `null` for keys that did not exist before
    /// (<https://docs.stripe.com/api/events/object#event_object-data-previous_attributes>). None: no change.
    pub fn previous_attributes(&self, before: &Customer) -> Option<Value> {
        let (old, new) = (before.to_json(), self.to_json());
        let mut prev = Map::new();
        for (k, v) in old.as_object().into_iter().flatten() {
            if k != "metadata" && new.get(k) != Some(v) {
                prev.insert(k.clone(), v.clone());
            }
        }
        let mut meta = Map::new();
        for (k, v) in &before.metadata {
            if self.metadata.get(k) != Some(v) {
                meta.insert(k.clone(), json!(v));
            }
        }
        for k in self.metadata.keys().filter(|k| !before.metadata.contains_key(*k)) {
            meta.insert(k.clone(), Value::Null);
        }
        if !meta.is_empty() {
            prev.insert("metadata".into(), Value::Object(meta));
        }
        (!prev.is_empty()).then_some(Value::Object(prev))
    }
}
