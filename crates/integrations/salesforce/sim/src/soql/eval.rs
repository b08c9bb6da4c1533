//! Evaluation of a parsed query over Contact records: type checks of the literals (as Salesforce does
//! before running), filtering, ordering, OFFSET/LIMIT and projection.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::SoqlError;
use super::parser::{Expr, Literal, Op, Query};
use crate::ids;
use crate::record::{Record, to_api};
use crate::schema::{FieldType, Schema};

/// The result of a query before paging.
#[derive(Debug)]
pub struct Evaluated {
    pub total: usize,
    pub records: Vec<Value>,
}

/// Runs `query` over `records`; `version` is the `vNN.0` used in `attributes.url`, `now` the org's clock
/// (which days `TODAY`, `YESTERDAY` and `LAST_N_DAYS:n` stand for).
pub fn evaluate<'a>(
    query: &Query,
    schema: &Schema,
    records: impl Iterator<Item = &'a Record>,
    version: &str,
    now: DateTime<Utc>,
) -> Result<Evaluated, SoqlError> {
    let filter = query.filter.clone().map(|f| typed(f, schema, now)).transpose()?;
    let mut hits: Vec<&Record> = records.filter(|r| filter.as_ref().is_none_or(|f| matches(f, r, schema))).collect();
    if query.count {
        return Ok(Evaluated { total: hits.len(), records: Vec::new() });
    }
    hits.sort_by(|a, b| order(query, schema, a, b));
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(usize::MAX);
    let records: Vec<Value> =
        hits.into_iter().skip(offset).take(limit).map(|r| to_api(schema, r, Some(&query.fields), version)).collect();
    Ok(Evaluated { total: records.len(), records })
}

fn field_type(schema: &Schema, name: &str) -> FieldType {
    schema.field(name).map_or(FieldType::String, |f| f.ftype)
}

/// Checks every literal against its field's type, canonicalizes id literals and resolves date literals
/// to the days they stand for at `now`.
fn typed(expr: Expr, schema: &Schema, now: DateTime<Utc>) -> Result<Expr, SoqlError> {
    let sub = |e: Box<Expr>| typed(*e, schema, now).map(Box::new);
    Ok(match expr {
        Expr::And(a, b) => Expr::And(sub(a)?, sub(b)?),
        Expr::Or(a, b) => Expr::Or(sub(a)?, sub(b)?),
        Expr::Not(a) => Expr::Not(sub(a)?),
        Expr::Cmp { field, op, value } => {
            let t = field_type(schema, &field);
            if op == Op::Like && !t.is_text() {
                return Err(SoqlError::InvalidFilter(format!("invalid operator on {field}: LIKE")));
            }
            let value = check_literal(&field, t, value, now)?;
            Expr::Cmp { field, op, value }
        }
        Expr::In { field, values, negated } => {
            let t = field_type(schema, &field);
            let values = values.into_iter().map(|v| check_literal(&field, t, v, now)).collect::<Result<_, _>>()?;
            Expr::In { field, values, negated }
        }
    })
}

fn check_literal(field: &str, t: FieldType, value: Literal, now: DateTime<Utc>) -> Result<Literal, SoqlError> {
    let wrong = |kind: &str, quoted: &str| {
        SoqlError::Malformed(format!(
            "value of filter criterion for field '{field}' must be of type {kind} and {quoted} be enclosed in quotes"
        ))
    };
    match (t, value) {
        (_, Literal::Null) => Ok(Literal::Null),
        (FieldType::Id | FieldType::Reference, Literal::Str(s)) => ids::normalize(&s)
            .map(Literal::Str)
            .ok_or_else(|| SoqlError::InvalidFilter(format!("invalid ID field: {s}"))),
        (t, Literal::Str(s)) if t.is_text() => Ok(Literal::Str(s)),
        (FieldType::DateTime, Literal::DateTime(d)) => Ok(Literal::DateTime(d)),
        (FieldType::DateTime, Literal::Date(d)) => {
            let (start, end) = d.range(now);
            Ok(Literal::Days(start, end))
        }
        (FieldType::DateTime, _) => Err(wrong("dateTime", "should not")),
        (FieldType::Boolean, Literal::Bool(b)) => Ok(Literal::Bool(b)),
        (FieldType::Boolean, _) => Err(wrong("boolean", "should not")),
        _ => Err(wrong("string", "should")),
    }
}

fn matches(expr: &Expr, record: &Record, schema: &Schema) -> bool {
    match expr {
        Expr::And(a, b) => matches(a, record, schema) && matches(b, record, schema),
        Expr::Or(a, b) => matches(a, record, schema) || matches(b, record, schema),
        Expr::Not(a) => !matches(a, record, schema),
        Expr::Cmp { field, op, value } => compare_op(field_type(schema, field), record.get(field), *op, value),
        Expr::In { field, values, negated } => {
            let t = field_type(schema, field);
            let found = values.iter().any(|v| compare_op(t, record.get(field), Op::Eq, v));
            found != *negated
        }
    }
}

fn compare_op(t: FieldType, actual: Option<&Value>, op: Op, lit: &Literal) -> bool {
    let actual = actual.unwrap_or(&Value::Null);
    if *lit == Literal::Null {
        return match op {
            Op::Eq => actual.is_null(),
            Op::Ne => !actual.is_null(),
            _ => false,
        };
    }
    if op == Op::Like {
        return match (actual, lit) {
            (Value::String(s), Literal::Str(p)) => like(s, p),
            _ => false,
        };
    }
    let ord = compare_value(t, actual, lit);
    match op {
        Op::Eq => ord == Some(Ordering::Equal),
        Op::Ne => ord != Some(Ordering::Equal),
        Op::Lt => ord == Some(Ordering::Less),
        Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => ord == Some(Ordering::Greater),
        Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Op::Like => false,
    }
}

/// Orders a stored value against a literal; `None` when the stored value is null or incomparable.
fn compare_value(t: FieldType, actual: &Value, lit: &Literal) -> Option<Ordering> {
    match (actual, lit) {
        (Value::String(a), Literal::Str(b)) if t.is_text() => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Value::String(a), Literal::Str(b)) => Some(a.as_str().cmp(b)),
        (Value::String(a), Literal::DateTime(b)) => crate::time::parse(a).map(|a| a.cmp(b)),
        (Value::String(a), Literal::Days(start, end)) => crate::time::parse(a).map(|a| against_days(a, *start, *end)),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// Orders an instant against a date literal's days `[start, end)`: equal within them (so `=` means
/// "during", `<` before the first day, `>` after the last, `>=` from the first day's 00:00 on).
fn against_days(t: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> Ordering {
    if t < start {
        Ordering::Less
    } else if t >= end {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// SOQL LIKE: `%` any run, `_` one character, `\%`/`\_` literal, case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let mut pat = Vec::new();
    let mut chars = pattern.to_lowercase().chars().collect::<Vec<_>>().into_iter();
    while let Some(c) = chars.next() {
        pat.push(match c {
            '\\' => Pat::Lit(chars.next().unwrap_or('\\')),
            '%' => Pat::Any,
            '_' => Pat::One,
            c => Pat::Lit(c),
        });
    }
    like_at(&text, &pat)
}

enum Pat {
    Lit(char),
    One,
    Any,
}

fn like_at(text: &[char], pat: &[Pat]) -> bool {
    match pat.split_first() {
        None => text.is_empty(),
        Some((Pat::Any, rest)) => (0..=text.len()).any(|i| like_at(&text[i..], rest)),
        Some((Pat::One, rest)) => !text.is_empty() && like_at(&text[1..], rest),
        Some((Pat::Lit(c), rest)) => text.first() == Some(c) && like_at(&text[1..], rest),
    }
}

fn order(query: &Query, schema: &Schema, a: &Record, b: &Record) -> Ordering {
    for key in &query.order {
        let t = field_type(schema, &key.field);
        let (va, vb) = (a.get(&key.field).unwrap_or(&Value::Null), b.get(&key.field).unwrap_or(&Value::Null));
        let ord = match (va.is_null(), vb.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if key.nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, false) => {
                let o = sort_key(t, va).cmp(&sort_key(t, vb));
                if key.descending { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn sort_key(t: FieldType, v: &Value) -> String {
    match v {
        Value::String(s) if t.is_text() => s.to_lowercase(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
