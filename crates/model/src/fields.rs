//! The shared base of every customer representation: the fields that the local catalog, Stripe's customer and
//! Salesforce's Contact have in common, and the trait through which each external model maps to and from them.

use serde::{Deserialize, Serialize};

/// What a customer is, independent of where it is stored. Stripe customers, Salesforce contacts and local
/// rows all convert to and from this, so the sync compares like with like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFields {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
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
    fn join_inverts_split() {
        for name in ["Ada Lovelace", "Grace Brewster Hopper", "Cher"] {
            let (first, last) = split_name(name);
            assert_eq!(join_name(first.as_deref(), &last), name);
        }
    }
}
