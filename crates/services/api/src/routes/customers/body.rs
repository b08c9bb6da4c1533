//! Request and response bodies and their validation. Limits follow the strictest system a customer is synced
//! to (Salesforce Contact: Email 80, Phone 40 characters), so that a customer accepted here can reach both.

use actix_web::HttpResponse;
use actix_web::http::header;
use model::CustomerFields;
use serde::{Deserialize, Deserializer};
use store::{Customer, CustomerPatch};

use crate::error::ApiError;
use crate::extract::etag;

pub use model::fields::{EMAIL_MAX, NAME_MAX, PHONE_MAX};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[schema(schema_with = crate::routes::openapi::customer_name)]
    pub name: String,
    #[schema(schema_with = crate::routes::openapi::customer_email)]
    pub email: String,
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_phone)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchCustomer {
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_name_or_null)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_email_or_null)]
    pub email: Option<String>,
    /// Absent: unchanged; `null`: cleared.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = crate::routes::openapi::customer_phone_patch)]
    pub phone: Option<Option<String>>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A customer response with its ETag.
pub fn customer_response(mut builder: actix_web::HttpResponseBuilder, c: Customer) -> HttpResponse {
    builder.insert_header((header::ETAG, etag(c.version))).json(c)
}

impl CreateCustomer {
    pub fn validate(self) -> Result<CustomerFields, ApiError> {
        Ok(CustomerFields {
            name: name(&self.name)?,
            email: email(&self.email)?,
            phone: self.phone.as_deref().map(phone).transpose()?.flatten(),
        })
    }
}

impl PatchCustomer {
    pub fn validate(self) -> Result<CustomerPatch, ApiError> {
        Ok(CustomerPatch {
            name: self.name.as_deref().map(name).transpose()?,
            email: self.email.as_deref().map(email).transpose()?,
            phone: self.phone.map(|p| p.as_deref().map(phone).transpose().map(Option::flatten)).transpose()?,
        })
    }
}

fn invalid(e: model::FieldError) -> ApiError {
    ApiError::validation(e.field, e.message)
}

fn name(value: &str) -> Result<String, ApiError> {
    model::fields::valid_name(value).map_err(invalid)
}

fn email(value: &str) -> Result<String, ApiError> {
    model::fields::valid_email(value).map_err(invalid)
}

/// A phone number; an empty one means none.
fn phone(value: &str) -> Result<Option<String>, ApiError> {
    model::fields::valid_phone(value).map_err(invalid)
}
