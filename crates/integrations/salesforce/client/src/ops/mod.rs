//! Contact operations, one file per family.

pub mod collections;
pub mod describe;
pub mod query;
pub mod records;
pub mod windows;

use crate::Error;

/// Checks that `id` looks like a Salesforce id (15 or 18 letters and digits) before it goes into a path.
pub(crate) fn record_id(id: &str) -> Result<&str, Error> {
    if matches!(id.len(), 15 | 18) && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(Error::InvalidInput(format!("not a Salesforce id: {id:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_15_or_18_alphanumeric_characters_are_accepted_as_ids() {
        assert!(record_id("003M000000qfPyS").is_ok());
        assert!(record_id("003M000000qfPySIAU").is_ok());
        for bad in ["", "003", "003M000000qfPyS/..", "003M000000qfPy%2F", "003M000000qfPySIAUX"] {
            assert!(record_id(bad).is_err(), "{bad}");
        }
    }
}
