//! The SOQL subset the simulator understands: `SELECT f1, f2 | COUNT() FROM Contact [WHERE …] [ORDER BY f
//! [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]`, with `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`,
//! `LIKE`, `IN (…)`, `NOT IN (…)`, `AND`, `OR`, `NOT` and parentheses, on any Contact field. Literals:
//! quoted strings with SOQL escapes, numbers, `true`/`false`, `null`, unquoted date-times, and the date
//! literals `TODAY`, `YESTERDAY` and `LAST_N_DAYS:n` (whole UTC days of the org's clock: `= TODAY` is
//! within today, `< TODAY` before it, `>= LAST_N_DAYS:2` from 00:00 two days ago on).
//! Text comparisons are case-insensitive, as in Salesforce.

mod dates;
mod eval;
mod lexer;
mod parser;

pub use dates::DateLiteral;
pub use eval::{Evaluated, evaluate};
pub use parser::{Expr, Literal, Op, Order, Query, parse};

use crate::error::ApiError;

/// A query Salesforce would refuse, with its error code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SoqlError {
    #[error("MALFORMED_QUERY: {0}")]
    Malformed(String),
    #[error("INVALID_FIELD: {0}")]
    InvalidField(String),
    #[error("INVALID_TYPE: {0}")]
    InvalidType(String),
    #[error("INVALID_QUERY_FILTER_OPERATOR: {0}")]
    InvalidFilter(String),
}

impl From<SoqlError> for ApiError {
    fn from(e: SoqlError) -> Self {
        let (code, msg) = match e {
            SoqlError::Malformed(m) => ("MALFORMED_QUERY", m),
            SoqlError::InvalidField(m) => ("INVALID_FIELD", m),
            SoqlError::InvalidType(m) => ("INVALID_TYPE", m),
            SoqlError::InvalidFilter(m) => ("INVALID_QUERY_FILTER_OPERATOR", m),
        };
        ApiError::bad_request(code, msg)
    }
}
