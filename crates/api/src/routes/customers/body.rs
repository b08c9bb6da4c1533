//! Request and response bodies and their validation. Limits follow the strictest system a customer is synced
//! to (Salesforce Contact: Email 80, Phone 40 characters), so that a customer accepted here can reach both.

use actix_web::HttpResponse;
use actix_web::http::header;
use model::{Customer, CustomerFields, CustomerPatch};
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;
use crate::extract::etag;

pub const NAME_MAX: usize = 120;
pub const EMAIL_MAX: usize = 80;
pub const PHONE_MAX: usize = 40;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchCustomer {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Absent: unchanged; `null`: cleared.
    #[serde(default, deserialize_with = "present")]
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

fn name(value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::validation("name", "name must not be empty"));
    }
    if v.chars().count() > NAME_MAX {
        return Err(ApiError::validation("name", format!("name must be at most {NAME_MAX} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(ApiError::validation("name", "name must not contain control characters"));
    }
    Ok(v.to_owned())
}

fn email(value: &str) -> Result<String, ApiError> {
    let v = value.trim();
    let invalid = || ApiError::validation("email", "email must be an address like name@example.com");
    if v.chars().count() > EMAIL_MAX {
        return Err(ApiError::validation("email", format!("email must be at most {EMAIL_MAX} characters")));
    }
    let (local, domain) = v.rsplit_once('@').ok_or_else(invalid)?;
    let label_ok = |l: &str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    if local_ok && labels.len() >= 2 && labels.iter().all(|l| label_ok(l)) { Ok(v.to_owned()) } else { Err(invalid()) }
}

/// A phone number; an empty one means none.
fn phone(value: &str) -> Result<Option<String>, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > PHONE_MAX {
        return Err(ApiError::validation("phone", format!("phone must be at most {PHONE_MAX} characters")));
    }
    let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || v.chars().filter(char::is_ascii_digit).count() < 3 {
        return Err(ApiError::validation("phone", "phone may hold digits, spaces and + - ( ) . only"));
    }
    Ok(Some(v.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasonable_emails_pass_and_broken_ones_fail() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "ÿ@exämple.de"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in ["", "plain", "@x.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", ".a@b.com", "a@-b.com"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(70))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Ada Lovelace ").ok().as_deref(), Some("Ada Lovelace"));
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(NAME_MAX + 1)).is_err());
        assert!(name("a\u{0}b").is_err());
    }

    #[test]
    fn phones_allow_common_notation_only() {
        assert_eq!(phone("+1 (555) 010-2030").ok().flatten().as_deref(), Some("+1 (555) 010-2030"));
        assert_eq!(phone("  ").ok(), Some(None));
        assert!(phone("call me").is_err());
        assert!(phone("12").is_err());
    }
}
