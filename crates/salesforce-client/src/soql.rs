//! Building SOQL safely: values are always quoted and escaped here, field names are checked, so no input can
//! change the shape of a query.

use crate::Error;
use chrono::{DateTime, SecondsFormat, Utc};

/// A SOQL string literal for `value`, quotes included: backslash, both quotes and the control characters
/// SOQL knows are escaped, so `' OR Name != '` stays one value.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        push_escaped(&mut out, c);
    }
    out.push('\'');
    out
}

/// Like [`quote`], for the right side of `LIKE`: `%` and `_` in `value` match only themselves.
pub fn quote_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            c => push_escaped(&mut out, c),
        }
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
pub fn datetime(at: DateTime<Utc>) -> String {
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
        Err(Error::Config(format!("not a valid field name: {name:?}")))
    }
}

/// `SELECT f1, f2 FROM Contact[ WHERE …]`, with every field name checked.
pub fn select_contacts(fields: &[&str], where_clause: Option<&str>) -> Result<String, Error> {
    let fields = fields.iter().map(|f| field_name(f)).collect::<Result<Vec<_>, _>>()?;
    let mut soql = format!("SELECT {} FROM Contact", fields.join(", "));
    if let Some(clause) = where_clause {
        soql.push_str(" WHERE ");
        soql.push_str(clause);
    }
    Ok(soql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_value_is_only_wrapped_in_quotes() {
        assert_eq!(quote("ada@example.com"), "'ada@example.com'");
    }

    #[test]
    fn an_injection_attempt_with_quotes_stays_one_literal() {
        assert_eq!(quote("' OR Name != '"), r"'\' OR Name != \''");
        assert_eq!(quote("x' OR Email != 'y"), r"'x\' OR Email != \'y'");
    }

    #[test]
    fn backslashes_are_escaped_before_they_can_escape_the_closing_quote() {
        // Without escaping the backslash, `\'` would swallow the closing quote.
        assert_eq!(quote(r"a\"), r"'a\\'");
        assert_eq!(quote(r"\' OR Id != \'"), r"'\\\' OR Id != \\\''");
    }

    #[test]
    fn double_quotes_and_control_characters_are_escaped() {
        assert_eq!(quote("say \"hi\"\n\t\r"), r#"'say \"hi\"\n\t\r'"#);
        assert_eq!(quote("\u{8}\u{c}"), r"'\b\f'");
    }

    #[test]
    fn every_quote_inside_an_escaped_literal_is_preceded_by_an_odd_number_of_backslashes() {
        for input in ["'", "\\'", "\\\\'", "'''", "a\\", "' OR Name != '", "\\\\\\"] {
            let quoted = quote(input);
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
    fn like_wildcards_are_escaped_only_for_like() {
        assert_eq!(quote_like("50%_off'"), r"'50\%\_off\''");
        assert_eq!(quote("50%_off"), "'50%_off'");
    }

    #[test]
    fn field_names_that_could_change_the_query_are_refused() {
        assert!(field_name("Customer_Id__c").is_ok());
        for bad in ["", "Email, Id", "Name FROM User --", "1abc", "Id'", "a b"] {
            assert!(field_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_select_lists_the_checked_fields() {
        let soql = select_contacts(&["Id", "Email"], Some("Email = 'a'")).expect("soql");
        assert_eq!(soql, "SELECT Id, Email FROM Contact WHERE Email = 'a'");
        assert!(select_contacts(&["Id; DELETE"], None).is_err());
    }

    #[test]
    fn datetimes_are_utc_literals() {
        let at = DateTime::parse_from_rfc3339("2024-10-10T21:13:07+02:00").expect("date");
        assert_eq!(datetime(at.with_timezone(&Utc)), "2024-10-10T19:13:07Z");
    }
}
