//! The shared base of every customer representation: the fields that the local catalog, Stripe's customer and
//! Salesforce's Contact have in common, and the trait through which each external model maps to and from them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Length limits of the strictest synced system (Salesforce Contact: Email 80, Phone 40; FirstName 40 plus
/// LastName 80 for the name), so that a customer accepted anywhere can reach every system.
pub const NAME_MAX: usize = 120;
pub const EMAIL_MAX: usize = 80;
pub const PHONE_MAX: usize = 40;

/// A field that breaks the catalog's rules. Every path into the catalog (api, webhooks, worker) checks
/// with the same functions, so none can bypass them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError { field, message: message.into() }
}

/// What a customer is, independent of where it is stored. Stripe customers, Salesforce contacts and local
/// rows all convert to and from this, so the sync compares like with like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFields {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

impl CustomerFields {
    /// Validated, trimmed fields (an empty phone means none).
    pub fn parse(name: &str, email: &str, phone: Option<&str>) -> Result<Self, FieldError> {
        Ok(Self {
            name: valid_name(name)?,
            email: valid_email(email)?,
            phone: phone.map(valid_phone).transpose()?.flatten(),
        })
    }

    /// These fields, checked against the catalog's rules.
    pub fn validated(&self) -> Result<Self, FieldError> {
        Self::parse(&self.name, &self.email, self.phone.as_deref())
    }

    /// A short stable digest of the fields. The product stores it beside what it writes to a system (Stripe
    /// metadata), so a later notification whose fields still hash to it is recognised as its own write.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [self.name.as_str(), self.email.as_str(), self.phone.as_deref().unwrap_or("")] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        hex::encode(&h.finalize()[..8])
    }
}

/// A name: trimmed, not empty, at most [`NAME_MAX`] characters, no control characters.
pub fn valid_name(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(field_error("name", "name must not be empty"));
    }
    if v.chars().count() > NAME_MAX {
        return Err(field_error("name", format!("name must be at most {NAME_MAX} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err(field_error("name", "name must not contain control characters"));
    }
    Ok(v.to_owned())
}

/// An email address like name@example.com, at most [`EMAIL_MAX`] characters.
pub fn valid_email(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let invalid = || field_error("email", "email must be an address like name@example.com");
    if v.chars().count() > EMAIL_MAX {
        return Err(field_error("email", format!("email must be at most {EMAIL_MAX} characters")));
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

/// A phone number of digits, spaces and `+-().`, at most [`PHONE_MAX`] characters; empty means none.
pub fn valid_phone(value: &str) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > PHONE_MAX {
        return Err(field_error("phone", format!("phone must be at most {PHONE_MAX} characters")));
    }
    let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || v.chars().filter(char::is_ascii_digit).count() < 3 {
        return Err(field_error("phone", "phone may hold digits, spaces and + - ( ) . only"));
    }
    Ok(Some(v.to_owned()))
}

/// An external system's customer record (Stripe customer, Salesforce contact).
pub trait ExternalCustomer: Sized {
    /// The system's own id for the record (`cus_…`, `003…`), when it has one.
    fn external_id(&self) -> Option<&str>;
    /// The local customer id the record is linked to, when the record carries it (Stripe metadata,
    /// the Salesforce external-id field).
    fn local_id(&self) -> Option<uuid::Uuid>;
    /// The record's fields in the shared shape.
    fn fields(&self) -> CustomerFields;
    /// A record to send to the system for these fields, linked to `local_id`.
    fn from_fields(fields: &CustomerFields, local_id: uuid::Uuid) -> Self;
}

/// Splits a full name into (first, last) for systems that require a last name (Salesforce's LastName).
///
/// The last whitespace-separated word is the last name; everything before it is the first name. A single
/// word is a last name alone. The split is the inverse of [`join_name`] for names without extra spaces.
pub fn split_name(full: &str) -> (Option<String>, String) {
    let full = full.trim();
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => {
            let first = first.trim_end();
            (Some(first.to_owned()).filter(|f| !f.is_empty()), last.to_owned())
        }
        None => (None, full.to_owned()),
    }
}

/// Splits a full name into (first, last) that fit `first_max` and `last_max` characters (Salesforce:
/// FirstName 40, LastName 80). The rule, in order:
/// 1. [`split_name`]: the last word is the last name, the rest the first name.
/// 2. While the first name is too long and has more than one word, its last word moves to the front of the
///    last name, as long as the last name still fits.
/// 3. Whatever still does not fit is cut at the limit (a first word over 40 characters, or a first name
///    whose words cannot move without the last name passing 80).
///
/// Names that fit are split exactly as [`split_name`] does, so [`join_name`] restores them.
pub fn split_name_within(full: &str, first_max: usize, last_max: usize) -> (Option<String>, String) {
    let (mut first, mut last) = split_name(full);
    while let Some(f) = first.as_deref().filter(|f| f.chars().count() > first_max) {
        let Some((rest, word)) = f.trim_end().rsplit_once(char::is_whitespace) else { break };
        if word.chars().count() + 1 + last.chars().count() > last_max {
            break;
        }
        last = format!("{word} {last}");
        first = Some(rest.trim_end().to_owned()).filter(|r| !r.is_empty());
    }
    let cut = |s: &str, max: usize| s.chars().take(max).collect::<String>();
    (first.map(|f| cut(&f, first_max)).filter(|f| !f.is_empty()), cut(&last, last_max))
}

/// Joins first and last names into the full name kept locally.
pub fn join_name(first: Option<&str>, last: &str) -> String {
    match first.map(str::trim).filter(|f| !f.is_empty()) {
        Some(first) => format!("{first} {}", last.trim()),
        None => last.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_word_is_a_last_name() {
        assert_eq!(split_name("Cher"), (None, "Cher".to_owned()));
    }

    #[test]
    fn the_last_word_is_the_last_name() {
        assert_eq!(split_name(" Ada  King Lovelace "), (Some("Ada  King".to_owned()), "Lovelace".to_owned()));
    }

    #[test]
    fn a_long_first_name_gives_words_to_the_last_name_until_both_fit() {
        let name = format!("{} {} Lovelace", "A".repeat(30), "B".repeat(20));
        let (first, last) = split_name_within(&name, 40, 80);
        assert_eq!(first.as_deref(), Some("A".repeat(30).as_str()));
        assert_eq!(last, format!("{} Lovelace", "B".repeat(20)));
        assert_eq!(join_name(first.as_deref(), &last), name, "nothing is lost when the words can move");
    }

    #[test]
    fn a_single_overlong_word_is_cut_at_the_limit() {
        let (first, last) = split_name_within(&format!("{} Lovelace", "A".repeat(50)), 40, 80);
        assert_eq!(first.map(|f| f.chars().count()), Some(40));
        assert_eq!(last, "Lovelace");
    }

    #[test]
    fn names_that_fit_split_as_usual() {
        assert_eq!(split_name_within("Ada King Lovelace", 40, 80), split_name("Ada King Lovelace"));
    }

    #[test]
    fn the_api_rules_hold_for_every_path() {
        assert!(
            CustomerFields::parse("  Ada ", "ada@example.com", Some(" "))
                .is_ok_and(|f| f.name == "Ada" && f.phone.is_none())
        );
        assert_eq!(CustomerFields::parse("", "ada@example.com", None).map_err(|e| e.field), Err("name"));
        assert_eq!(CustomerFields::parse("Ada", "not-an-email", None).map_err(|e| e.field), Err("email"));
        assert_eq!(CustomerFields::parse("Ada", "a@b.co", Some("call me")).map_err(|e| e.field), Err("phone"));
    }

    #[test]
    fn the_fingerprint_changes_with_every_field() {
        let f = CustomerFields { name: "Ada".into(), email: "a@b.co".into(), phone: None };
        let other = [
            CustomerFields { name: "Ad".into(), ..f.clone() },
            CustomerFields { email: "a@b.com".into(), ..f.clone() },
            CustomerFields { phone: Some("123".into()), ..f.clone() },
        ];
        for o in other {
            assert_ne!(f.fingerprint(), o.fingerprint());
        }
        assert_eq!(f.fingerprint(), f.clone().fingerprint());
    }

    #[test]
    fn join_inverts_split() {
        for name in ["Ada Lovelace", "Grace Brewster Hopper", "Cher"] {
            let (first, last) = split_name(name);
            assert_eq!(join_name(first.as_deref(), &last), name);
        }
    }
}
