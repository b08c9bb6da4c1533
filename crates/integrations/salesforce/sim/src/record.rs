//! Contact records as stored (canonical field name → JSON value) and the validation of client writes:
//! unknown or read-only fields, types, lengths, e-mail syntax and required fields, with Salesforce's codes.

use serde_json::{Map, Value};

use crate::error::RecordError;
use crate::ids;
use crate::schema::{FieldDef, FieldType, Schema};

/// A stored Contact: canonical field names to values.
pub type Record = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Create,
    Update,
}

/// The validated changes of one write, canonical names to values (empty strings become null).
pub type Changes = Vec<(String, Value)>;

/// Validates a request body's fields for a create or an update. `attributes` and (for updates) `Id` are
/// ignored; everything else must be a writable Contact field with a value of the right type and length.
pub fn validate(schema: &Schema, body: &Map<String, Value>, mode: WriteMode) -> Result<Changes, RecordError> {
    let mut changes = Changes::new();
    for (key, value) in body {
        if key == "attributes" {
            continue;
        }
        if key.eq_ignore_ascii_case("Id") {
            if mode == WriteMode::Create {
                return Err(RecordError::new("INVALID_FIELD", "cannot specify Id in an insert call", &["Id"]));
            }
            continue;
        }
        let def = schema.field(key).ok_or_else(|| {
            RecordError::new("INVALID_FIELD", format!("No such column '{key}' on sobject of type Contact"), &[])
        })?;
        check_writable(def, mode)?;
        changes.push((def.name.clone(), check_value(def, value)?));
    }
    check_required(schema, &changes, mode)?;
    Ok(changes)
}

fn check_writable(def: &FieldDef, mode: WriteMode) -> Result<(), RecordError> {
    let allowed = match mode {
        WriteMode::Create => def.createable,
        WriteMode::Update => def.updateable,
    };
    if allowed {
        return Ok(());
    }
    let verb = if mode == WriteMode::Create { "create" } else { "update" };
    Err(RecordError::new(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        format!(
            "Unable to {verb} fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            def.name
        ),
        &[&def.name],
    ))
}

fn check_value(def: &FieldDef, value: &Value) -> Result<Value, RecordError> {
    match (def.ftype, value) {
        (_, Value::Null) => Ok(Value::Null),
        (t, Value::String(s)) if t.is_text() => check_text(def, s),
        (FieldType::Reference, Value::String(s)) if s.is_empty() => Ok(Value::Null),
        (FieldType::Reference, Value::String(s)) => ids::normalize(s).map(Value::String).ok_or_else(|| {
            RecordError::new("MALFORMED_ID", format!("{}: id value of incorrect type: {s}", def.label), &[&def.name])
        }),
        (FieldType::Boolean, Value::Bool(b)) => Ok(Value::Bool(*b)),
        (_, other) => Err(RecordError::new(
            "JSON_PARSER_ERROR",
            format!("Cannot deserialize instance of {} from {other} value", def.ftype_name()),
            &[&def.name],
        )),
    }
}

impl FieldDef {
    fn ftype_name(&self) -> &'static str {
        if self.ftype == FieldType::Boolean { "boolean" } else { "string" }
    }
}

fn check_text(def: &FieldDef, s: &str) -> Result<Value, RecordError> {
    if s.is_empty() {
        return Ok(Value::Null);
    }
    if s.chars().count() > def.length as usize {
        return Err(RecordError::new(
            "STRING_TOO_LONG",
            format!("{}: data value too large: {s} (max length={})", def.label, def.length),
            &[&def.name],
        ));
    }
    if def.ftype == FieldType::Email && !is_email(s) {
        return Err(RecordError::new(
            "INVALID_EMAIL_ADDRESS",
            format!("{}: invalid email address: {s}", def.label),
            &[&def.name],
        ));
    }
    Ok(Value::String(s.to_owned()))
}

/// A plausibility check in the spirit of Salesforce's: one `@`, a non-empty local part, a dotted domain.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

fn check_required(schema: &Schema, changes: &Changes, mode: WriteMode) -> Result<(), RecordError> {
    let missing: Vec<&str> = schema
        .fields
        .iter()
        .filter(|f| !f.nillable && f.createable)
        .filter(|f| match changes.iter().find(|(name, _)| *name == f.name) {
            Some((_, v)) => v.is_null(),
            None => mode == WriteMode::Create,
        })
        .map(|f| f.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(RecordError::new(
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", missing.join(", ")),
        &missing,
    ))
}

/// The computed full name: "First Last", or the last name alone.
pub fn full_name(record: &Record) -> Value {
    let part = |k: &str| record.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    match (part("FirstName"), part("LastName")) {
        (Some(f), Some(l)) => Value::String(format!("{f} {l}")),
        (None, Some(l)) => Value::String(l.to_owned()),
        (Some(f), None) => Value::String(f.to_owned()),
        (None, None) => Value::Null,
    }
}

/// The API representation of a record: `attributes` first, then the given fields (all when `None`).
pub fn to_api(schema: &Schema, record: &Record, fields: Option<&[String]>, version: &str) -> Value {
    let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        serde_json::json!({"type": "Contact", "url": format!("/services/data/{version}/sobjects/Contact/{id}")}),
    );
    let all: Vec<String>;
    let names = match fields {
        Some(f) => f,
        None => {
            all = schema.fields.iter().map(|f| f.name.clone()).collect();
            &all
        }
    };
    for name in names {
        out.insert(name.clone(), record.get(name).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}
