//! Building SOQL safely: a query is built only from typed parts ([`Query`], [`Filter`], [`Value`]), never from
//! text. Field names are checked and values are always quoted and escaped here, so no input can change the
//! shape of a query.

use crate::Error;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;

/// A Contact query, `SELECT … FROM Contact [WHERE …] [ORDER BY …] [LIMIT n]`, built from checked field names
/// and typed filters. It can only be made through [`Query::contacts`] and its builder methods; its `Display`
/// is the SOQL text.
///
/// ```
/// use salesforce_client::soql::{Filter, Order, Query};
/// let query = Query::contacts(&["Id", "Email"])?
///     .filter(Filter::eq("Email", "ada@example.com"))?
///     .order_by("LastModifiedDate", Order::Desc)?
///     .limit(10);
/// assert_eq!(
///     query.to_string(),
///     "SELECT Id, Email FROM Contact WHERE Email = 'ada@example.com' ORDER BY LastModifiedDate DESC LIMIT 10"
/// );
/// # Ok::<(), salesforce_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    fields: Vec<String>,
    filter: Option<Filter>,
    order: Vec<(String, Order)>,
    limit: Option<u32>,
}

impl Query {
    /// Selects `fields` of Contact. Refused unless there is at least one field and every name is a plain
    /// field name (see [`field_name`]).
    pub fn contacts(fields: &[&str]) -> Result<Self, Error> {
        if fields.is_empty() {
            return Err(Error::InvalidInput("a query must select at least one field".into()));
        }
        let fields = fields.iter().map(|f| field_name(f).map(str::to_owned)).collect::<Result<_, _>>()?;
        Ok(Query { fields, filter: None, order: Vec::new(), limit: None })
    }

    /// Keeps the records matching `filter` (ANDed with any filter given before). Refused if a field name in it
    /// is not a plain field name, or an `In`, `And` or `Or` is empty.
    pub fn filter(mut self, filter: Filter) -> Result<Self, Error> {
        filter.check()?;
        self.filter = Some(match self.filter.take() {
            None => filter,
            Some(Filter::And(mut all)) => {
                all.push(filter);
                Filter::And(all)
            }
            Some(earlier) => Filter::And(vec![earlier, filter]),
        });
        Ok(self)
    }

    /// Sorts by `field` (after any sort keys given before).
    pub fn order_by(mut self, field: &str, order: Order) -> Result<Self, Error> {
        self.order.push((field_name(field)?.to_owned(), order));
        Ok(self)
    }

    /// Returns at most `limit` records.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SELECT {} FROM Contact", self.fields.join(", "))?;
        if let Some(filter) = &self.filter {
            write!(f, " WHERE {}", filter.render())?;
        }
        for (i, (field, order)) in self.order.iter().enumerate() {
            let keyword = match order {
                Order::Asc => "ASC",
                Order::Desc => "DESC",
            };
            write!(f, "{} {field} {keyword}", if i == 0 { " ORDER BY" } else { "," })?;
        }
        if let Some(limit) = self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        Ok(())
    }
}

/// A sort direction for [`Query::order_by`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// A condition on Contact fields. Field names are checked when the filter is given to [`Query::filter`];
/// values are rendered as escaped literals, never as SOQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Eq(String, Value),
    Ne(String, Value),
    Lt(String, Value),
    Le(String, Value),
    Gt(String, Value),
    Ge(String, Value),
    /// `field LIKE '…'`: the wildcards come only from the [`Pattern`]; `%` and `_` in its text match only
    /// themselves.
    Like(String, Pattern),
    /// `field IN (…)`, with at least one value.
    In(String, Vec<Value>),
    /// All of the filters (at least one).
    And(Vec<Filter>),
    /// Any of the filters (at least one).
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

/// What a `LIKE` looks for: the text, matched literally and case-insensitively, at the start, the end or
/// anywhere in the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    StartsWith(String),
    EndsWith(String),
    Contains(String),
}

/// A value to compare a field with.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    DateTime(DateTime<Utc>),
    Bool(bool),
    Int(i64),
    Null,
}

impl Filter {
    /// `field = value`
    pub fn eq(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Eq(field.into(), value.into())
    }

    /// `field != value`
    pub fn ne(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Ne(field.into(), value.into())
    }

    /// `field < value`
    pub fn lt(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Lt(field.into(), value.into())
    }

    /// `field <= value`
    pub fn le(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Le(field.into(), value.into())
    }

    /// `field > value`
    pub fn gt(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Gt(field.into(), value.into())
    }

    /// `field >= value`
    pub fn ge(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Filter::Ge(field.into(), value.into())
    }

    /// `field LIKE 'text%'`, with `text` matched literally.
    pub fn starts_with(field: impl Into<String>, text: impl Into<String>) -> Self {
        Filter::Like(field.into(), Pattern::StartsWith(text.into()))
    }

    /// `field LIKE '%text'`, with `text` matched literally.
    pub fn ends_with(field: impl Into<String>, text: impl Into<String>) -> Self {
        Filter::Like(field.into(), Pattern::EndsWith(text.into()))
    }

    /// `field LIKE '%text%'`, with `text` matched literally.
    pub fn contains(field: impl Into<String>, text: impl Into<String>) -> Self {
        Filter::Like(field.into(), Pattern::Contains(text.into()))
    }

    /// `field IN (values…)`
    pub fn is_in<V: Into<Value>>(field: impl Into<String>, values: impl IntoIterator<Item = V>) -> Self {
        Filter::In(field.into(), values.into_iter().map(Into::into).collect())
    }

    /// Every filter in `all` holds.
    pub fn all(all: impl IntoIterator<Item = Filter>) -> Self {
        Filter::And(all.into_iter().collect())
    }

    /// At least one filter in `any` holds.
    pub fn any(any: impl IntoIterator<Item = Filter>) -> Self {
        Filter::Or(any.into_iter().collect())
    }

    /// `filter` does not hold.
    pub fn negate(filter: Filter) -> Self {
        Filter::Not(Box::new(filter))
    }

    fn check(&self) -> Result<(), Error> {
        match self {
            Filter::Eq(field, _)
            | Filter::Ne(field, _)
            | Filter::Lt(field, _)
            | Filter::Le(field, _)
            | Filter::Gt(field, _)
            | Filter::Ge(field, _)
            | Filter::Like(field, _) => field_name(field).map(drop),
            Filter::In(field, values) => {
                field_name(field)?;
                if values.is_empty() {
                    return Err(Error::InvalidInput(format!("IN on {field} needs at least one value")));
                }
                Ok(())
            }
            Filter::And(all) | Filter::Or(all) => {
                if all.is_empty() {
                    return Err(Error::InvalidInput("AND and OR need at least one filter".into()));
                }
                all.iter().try_for_each(Filter::check)
            }
            Filter::Not(inner) => inner.check(),
        }
    }

    /// The SOQL of a checked filter. `AND` and `OR` of several filters are parenthesised inside another
    /// filter, and `NOT` always parenthesises what it negates, so precedence never decides the meaning.
    fn render(&self) -> String {
        let compare = |field: &str, op: &str, value: &Value| format!("{field} {op} {}", value.literal());
        match self {
            Filter::Eq(field, value) => compare(field, "=", value),
            Filter::Ne(field, value) => compare(field, "!=", value),
            Filter::Lt(field, value) => compare(field, "<", value),
            Filter::Le(field, value) => compare(field, "<=", value),
            Filter::Gt(field, value) => compare(field, ">", value),
            Filter::Ge(field, value) => compare(field, ">=", value),
            Filter::Like(field, pattern) => format!("{field} LIKE {}", pattern.literal()),
            Filter::In(field, values) => {
                let values: Vec<_> = values.iter().map(Value::literal).collect();
                format!("{field} IN ({})", values.join(", "))
            }
            Filter::And(all) => Filter::join(all, " AND "),
            Filter::Or(all) => Filter::join(all, " OR "),
            Filter::Not(inner) => format!("NOT ({})", inner.render()),
        }
    }

    fn join(all: &[Filter], operator: &str) -> String {
        if let [only] = all {
            return only.render();
        }
        let parts: Vec<_> =
            all.iter().map(|f| if f.is_compound() { format!("({})", f.render()) } else { f.render() }).collect();
        parts.join(operator)
    }

    /// Whether this renders as several filters joined by `AND` or `OR`.
    fn is_compound(&self) -> bool {
        match self {
            Filter::And(all) | Filter::Or(all) => all.len() > 1 || all.iter().any(Filter::is_compound),
            _ => false,
        }
    }
}

impl Pattern {
    /// The quoted `LIKE` literal: the text escaped as by [`quote`] and its `%` and `_` escaped too, between the
    /// pattern's own wildcards.
    fn literal(&self) -> String {
        let (text, leading, trailing) = match self {
            Pattern::StartsWith(text) => (text, "", "%"),
            Pattern::EndsWith(text) => (text, "%", ""),
            Pattern::Contains(text) => (text, "%", "%"),
        };
        let mut out = String::with_capacity(text.len() + 4);
        out.push('\'');
        out.push_str(leading);
        for c in text.chars() {
            match c {
                '%' => out.push_str("\\%"),
                '_' => out.push_str("\\_"),
                c => push_escaped(&mut out, c),
            }
        }
        out.push_str(trailing);
        out.push('\'');
        out
    }
}

impl Value {
    fn literal(&self) -> String {
        match self {
            Value::Text(text) => quote(text),
            Value::DateTime(at) => datetime(*at),
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Null => "null".to_owned(),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<&String> for Value {
    fn from(text: &String) -> Self {
        Value::Text(text.clone())
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(at: DateTime<Utc>) -> Self {
        Value::DateTime(at)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(n.into())
    }
}

/// A SOQL string literal for `value`, quotes included: backslash, both quotes and the control characters
/// SOQL knows are escaped, so `' OR Name != '` stays one value.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        push_escaped(&mut out, c);
    }
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\'' => out.push_str("\\'"),
        '"' => out.push_str("\\\""),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c => out.push(c),
    }
}

/// A SOQL dateTime literal (unquoted, UTC), e.g. `2024-10-10T19:13:07Z`.
fn datetime(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks that `name` is a plain field name (`Email`, `Customer_Id__c`): letters, digits and underscores,
/// starting with a letter. Field names cannot be quoted in SOQL, so anything else is refused.
pub fn field_name(name: &str) -> Result<&str, Error> {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(name)
    } else {
        Err(Error::InvalidInput(format!("not a valid field name: {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What follows `WHERE` in a query on Id with `filter`.
    fn where_clause(filter: Filter) -> String {
        let soql = Query::contacts(&["Id"]).and_then(|q| q.filter(filter)).expect("a valid filter").to_string();
        soql.strip_prefix("SELECT Id FROM Contact WHERE ").expect("a WHERE clause").to_owned()
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).expect("date").with_timezone(&Utc)
    }

    #[test]
    fn a_plain_value_is_only_wrapped_in_quotes() {
        assert_eq!(quote("ada@example.com"), "'ada@example.com'");
        assert_eq!(where_clause(Filter::eq("Email", "ada@example.com")), "Email = 'ada@example.com'");
    }

    #[test]
    fn an_injection_attempt_with_quotes_stays_one_literal() {
        assert_eq!(quote("' OR Name != '"), r"'\' OR Name != \''");
        assert_eq!(quote("x' OR Email != 'y"), r"'x\' OR Email != \'y'");
        assert_eq!(where_clause(Filter::eq("Email", "' OR Id != '")), r"Email = '\' OR Id != \''");
    }

    #[test]
    fn backslashes_are_escaped_before_they_can_escape_the_closing_quote() {
        // Without escaping the backslash, `\'` would swallow the closing quote.
        assert_eq!(quote(r"a\"), r"'a\\'");
        assert_eq!(quote(r"\' OR Id != \'"), r"'\\\' OR Id != \\\''");
        assert_eq!(where_clause(Filter::eq("LastName", r"a\")), r"LastName = 'a\\'");
    }

    #[test]
    fn double_quotes_and_control_characters_are_escaped() {
        assert_eq!(quote("say \"hi\"\n\t\r"), r#"'say \"hi\"\n\t\r'"#);
        assert_eq!(quote("\u{8}\u{c}"), r"'\b\f'");
    }

    #[test]
    fn a_newline_in_a_value_cannot_start_a_new_clause() {
        let clause = where_clause(Filter::eq("Email", "x'\nOR Id != '"));
        assert_eq!(clause, r"Email = 'x\'\nOR Id != \''");
        assert!(!clause.contains('\n'));
    }

    #[test]
    fn every_quote_inside_an_escaped_literal_is_preceded_by_an_odd_number_of_backslashes() {
        let inputs = ["'", "\\'", "\\\\'", "'''", "a\\", "' OR Name != '", "\\\\\\", "%'_\\"];
        let literals = inputs.iter().flat_map(|input| {
            [quote(input), Pattern::Contains((*input).to_owned()).literal(), Value::from(*input).literal()]
        });
        for quoted in literals {
            let inner = &quoted[1..quoted.len() - 1];
            let bytes = inner.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'\'' {
                    let backslashes = bytes[..i].iter().rev().take_while(|c| **c == b'\\').count();
                    assert_eq!(backslashes % 2, 1, "unescaped quote in {quoted}");
                }
            }
            let trailing = bytes.iter().rev().take_while(|c| **c == b'\\').count();
            assert_eq!(trailing % 2, 0, "the closing quote is escaped in {quoted}");
        }
    }

    #[test]
    fn like_wildcards_in_the_text_are_escaped_and_only_the_pattern_adds_them() {
        assert_eq!(where_clause(Filter::starts_with("LastName", "50%_off'")), r"LastName LIKE '50\%\_off\'%'");
        assert_eq!(where_clause(Filter::ends_with("LastName", "_")), r"LastName LIKE '%\_'");
        assert_eq!(where_clause(Filter::contains("Email", "%")), r"Email LIKE '%\%%'");
        assert_eq!(where_clause(Filter::contains("Email", r"\%")), r"Email LIKE '%\\\%%'");
        // Outside LIKE, `%` and `_` are ordinary characters.
        assert_eq!(where_clause(Filter::eq("LastName", "50%_off")), "LastName = '50%_off'");
    }

    #[test]
    fn values_of_every_type_render_as_literals() {
        assert_eq!(
            where_clause(Filter::ge("SystemModstamp", at("2024-10-10T21:13:07+02:00"))),
            "SystemModstamp >= 2024-10-10T19:13:07Z"
        );
        assert_eq!(where_clause(Filter::eq("IsDeleted", true)), "IsDeleted = true");
        assert_eq!(where_clause(Filter::lt("NumberOfEmployees", -5)), "NumberOfEmployees < -5");
        assert_eq!(where_clause(Filter::ne("LastModifiedDate", Value::Null)), "LastModifiedDate != null");
        assert_eq!(where_clause(Filter::le("Id", "b")), "Id <= 'b'");
        assert_eq!(where_clause(Filter::gt("Id", "a")), "Id > 'a'");
    }

    #[test]
    fn in_lists_each_value_as_its_own_literal() {
        let filter = Filter::is_in("Email", ["a@example.com", "b', 'c"]);
        assert_eq!(where_clause(filter), r"Email IN ('a@example.com', 'b\', \'c')");
    }

    #[test]
    fn nested_and_or_not_are_parenthesised_so_that_precedence_cannot_change_them() {
        let a = || Filter::eq("FirstName", "a");
        let b = || Filter::eq("LastName", "b");
        let c = || Filter::eq("Email", "c");
        assert_eq!(where_clause(Filter::all([a(), b(), c()])), "FirstName = 'a' AND LastName = 'b' AND Email = 'c'");
        assert_eq!(
            where_clause(Filter::all([Filter::any([a(), b()]), c()])),
            "(FirstName = 'a' OR LastName = 'b') AND Email = 'c'"
        );
        assert_eq!(
            where_clause(Filter::any([Filter::all([a(), b()]), Filter::negate(Filter::any([c(), a()]))])),
            "(FirstName = 'a' AND LastName = 'b') OR NOT (Email = 'c' OR FirstName = 'a')"
        );
        assert_eq!(where_clause(Filter::negate(Filter::negate(a()))), "NOT (NOT (FirstName = 'a'))");
        // A single-filter AND is that filter; one holding an OR still needs the parentheses.
        assert_eq!(
            where_clause(Filter::all([Filter::all([Filter::any([a(), b()])]), c()])),
            "(FirstName = 'a' OR LastName = 'b') AND Email = 'c'"
        );
    }

    #[test]
    fn filters_given_one_after_the_other_are_anded() {
        let query = Query::contacts(&["Id"])
            .and_then(|q| q.filter(Filter::any([Filter::eq("FirstName", "a"), Filter::eq("LastName", "b")])))
            .and_then(|q| q.filter(Filter::eq("Email", "c")))
            .and_then(|q| q.filter(Filter::eq("Phone", "d")))
            .expect("query");
        assert_eq!(
            query.to_string(),
            "SELECT Id FROM Contact WHERE (FirstName = 'a' OR LastName = 'b') AND Email = 'c' AND Phone = 'd'"
        );
    }

    #[test]
    fn a_query_lists_its_fields_filter_order_and_limit() {
        let query = Query::contacts(&["Id", "Email"])
            .and_then(|q| q.filter(Filter::ge("SystemModstamp", at("2024-10-10T19:13:07Z"))))
            .and_then(|q| q.order_by("SystemModstamp", Order::Asc))
            .and_then(|q| q.order_by("Id", Order::Desc))
            .expect("query")
            .limit(200);
        assert_eq!(
            query.to_string(),
            "SELECT Id, Email FROM Contact WHERE SystemModstamp >= 2024-10-10T19:13:07Z \
             ORDER BY SystemModstamp ASC, Id DESC LIMIT 200"
        );
        assert_eq!(Query::contacts(&["Id"]).expect("query").to_string(), "SELECT Id FROM Contact");
    }

    #[test]
    fn field_names_that_could_change_the_query_are_refused() {
        assert!(field_name("Customer_Id__c").is_ok());
        for bad in ["", "Email OR Id", "Id--", "Email, Id", "Name FROM User --", "1abc", "Id'", "a b", "Id\n"] {
            assert!(field_name(bad).is_err(), "{bad:?}");
            assert!(Query::contacts(&["Id", bad]).is_err(), "selecting {bad:?}");
            let query = Query::contacts(&["Id"]).expect("query");
            assert!(query.clone().order_by(bad, Order::Asc).is_err(), "ordering by {bad:?}");
            for filter in [
                Filter::eq(bad, "x"),
                Filter::contains(bad, "x"),
                Filter::is_in(bad, ["x"]),
                Filter::negate(Filter::any([Filter::eq("Email", "x"), Filter::ge(bad, 1)])),
            ] {
                let err = query.clone().filter(filter.clone()).expect_err("a bad field name");
                assert!(matches!(err, Error::InvalidInput(_)), "{filter:?}: {err:?}");
            }
        }
    }

    #[test]
    fn a_query_without_fields_or_with_an_empty_list_is_refused() {
        assert!(Query::contacts(&[]).is_err());
        let query = Query::contacts(&["Id"]).expect("query");
        assert!(query.clone().filter(Filter::is_in("Email", Vec::<Value>::new())).is_err());
        assert!(query.clone().filter(Filter::all([])).is_err());
        assert!(query.filter(Filter::negate(Filter::any([]))).is_err());
    }

    #[test]
    fn datetimes_are_utc_literals() {
        assert_eq!(datetime(at("2024-10-10T21:13:07+02:00")), "2024-10-10T19:13:07Z");
    }
}
