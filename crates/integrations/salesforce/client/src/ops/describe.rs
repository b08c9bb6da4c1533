//! `GET sobjects/Contact/describe`: the Contact's metadata, e.g. to check that the external-id field exists.

use crate::transport::Request;
use crate::{Error, SalesforceClient};
use reqwest::Method;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDescribe {
    pub name: String,
    #[serde(default)]
    pub key_prefix: Option<String>,
    pub fields: Vec<FieldDescribe>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub nillable: bool,
    #[serde(default)]
    pub createable: bool,
    #[serde(default)]
    pub updateable: bool,
    #[serde(default)]
    pub external_id: bool,
}

impl ObjectDescribe {
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

impl SalesforceClient {
    /// The Contact object's description.
    pub async fn describe_contact(&self) -> Result<ObjectDescribe, Error> {
        let request = Request::new(Method::GET, &["sobjects", "Contact", "describe"]);
        self.send(request).await?.json()
    }
}
