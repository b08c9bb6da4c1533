//! Stripe's search query language for customers (<https://docs.stripe.com/search#search-query-language>):
//! clauses `field:'value'` (exact, case-insensitive), `field~'value'` (substring, 3+ characters),
//! `metadata['key']:'value'`, `created>1700000000` (`>`, `<`, `>=`, `<=`, `:`), `field:null`, `-` to negate,
//! joined by all `AND` or all `OR` (mixing them is an error, as in Stripe).

use crate::customer::Customer;
use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Created,
    Text(&'static str),
    Metadata(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Contains,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negated: bool,
    field: Field,
    op: Op,
    /// None: `null`.
    value: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    clauses: Vec<Clause>,
    any: bool,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::invalid("parameter_invalid_string", "query", message)
}

impl Query {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let mut p = Parser { s: text.trim(), clauses: Vec::new() };
        let mut joins = Vec::new();
        loop {
            let clause = p.clause()?;
            p.clauses.push(clause);
            p.s = p.s.trim_start();
            if p.s.is_empty() {
                break;
            }
            let join = ["AND ", "OR "].into_iter().find(|j| p.s.starts_with(j)).ok_or_else(|| {
                bad(format!(
                    "Something went wrong parsing the query near `{}`",
                    p.s.chars().take(20).collect::<String>()
                ))
            })?;
            joins.push(join);
            p.s = &p.s[join.len()..];
        }
        if joins.windows(2).any(|w| w[0] != w[1]) {
            return Err(bad("Combining `AND` and `OR` in the same query is not supported."));
        }
        Ok(Self { clauses: p.clauses, any: joins.first() == Some(&"OR ") })
    }

    pub fn matches(&self, c: &Customer) -> bool {
        let hit = |cl: &Clause| cl.matches(c) != cl.negated;
        if self.any { self.clauses.iter().any(hit) } else { self.clauses.iter().all(hit) }
    }
}

impl Clause {
    fn matches(&self, c: &Customer) -> bool {
        let text = match &self.field {
            Field::Created => {
                let Some(v) = self.value.as_deref().and_then(|v| v.parse::<i64>().ok()) else { return false };
                return match self.op {
                    Op::Eq | Op::Contains => c.created == v,
                    Op::Gt => c.created > v,
                    Op::Gte => c.created >= v,
                    Op::Lt => c.created < v,
                    Op::Lte => c.created <= v,
                };
            }
            Field::Text("email") => c.email.as_deref(),
            Field::Text("name") => c.name.as_deref(),
            Field::Text(_) => c.phone.as_deref(),
            Field::Metadata(k) => c.metadata.get(k).map(String::as_str),
        };
        match (&self.value, text) {
            (None, t) => t.is_none(),
            (Some(_), None) => false,
            (Some(v), Some(t)) if matches!(self.field, Field::Metadata(_)) && self.op == Op::Eq => t == v,
            (Some(v), Some(t)) if self.op == Op::Contains => t.to_lowercase().contains(&v.to_lowercase()),
            (Some(v), Some(t)) => t.eq_ignore_ascii_case(v),
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    clauses: Vec<Clause>,
}

impl Parser<'_> {
    fn clause(&mut self) -> Result<Clause, ApiError> {
        self.s = self.s.trim_start();
        let negated = self.s.starts_with('-');
        if negated {
            self.s = &self.s[1..];
        }
        let end = self.s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(self.s.len());
        let name = &self.s[..end];
        self.s = &self.s[end..];
        let field = match name {
            "created" => Field::Created,
            "email" => Field::Text("email"),
            "name" => Field::Text("name"),
            "phone" => Field::Text("phone"),
            "metadata" => {
                let rest = self.s.strip_prefix('[').ok_or_else(|| bad("Expected `[` after `metadata`."))?;
                self.s = rest;
                let key = self.quoted()?.ok_or_else(|| bad("A metadata key must be quoted."))?;
                self.s = self.s.strip_prefix(']').ok_or_else(|| bad("Expected `]` after the metadata key."))?;
                Field::Metadata(key)
            }
            other => {
                return Err(bad(format!("Field `{other}` is an unsupported search field for resource `customers`.")));
            }
        };
        let op = self.op()?;
        if op == Op::Contains && !matches!(field, Field::Text(_) | Field::Metadata(_)) {
            return Err(bad("`~` is only supported on string fields."));
        }
        let value = self.value()?;
        if op == Op::Contains && value.as_deref().is_some_and(|v| v.chars().count() < 3) {
            return Err(bad("Substring matching (`~`) needs at least 3 characters."));
        }
        Ok(Clause { negated, field, op, value })
    }

    fn op(&mut self) -> Result<Op, ApiError> {
        for (token, op) in
            [(">=", Op::Gte), ("<=", Op::Lte), (":", Op::Eq), ("~", Op::Contains), (">", Op::Gt), ("<", Op::Lt)]
        {
            if let Some(rest) = self.s.strip_prefix(token) {
                self.s = rest;
                return Ok(op);
            }
        }
        Err(bad("Expected `:`, `~`, `>`, `<`, `>=` or `<=` after the field."))
    }

    fn value(&mut self) -> Result<Option<String>, ApiError> {
        if let Some(v) = self.quoted()? {
            return Ok(Some(v));
        }
        let end = self.s.find(char::is_whitespace).unwrap_or(self.s.len());
        let word = &self.s[..end];
        self.s = &self.s[end..];
        match word {
            "" => Err(bad("Expected a value.")),
            "null" => Ok(None),
            w if w.parse::<f64>().is_ok() => Ok(Some(w.to_owned())),
            w => Err(bad(format!("String values must be quoted: `{w}`."))),
        }
    }

    /// A `'…'` or `"…"` string (backslash escapes the quote), or None when none starts here.
    fn quoted(&mut self) -> Result<Option<String>, ApiError> {
        let Some(quote) = self.s.chars().next().filter(|c| *c == '\'' || *c == '"') else { return Ok(None) };
        let mut out = String::new();
        let mut chars = self.s[1..].char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '\\' => out.extend(chars.next().map(|(_, c)| c)),
                c if c == quote => {
                    self.s = &self.s[1 + i + 1..];
                    return Ok(Some(out));
                }
                c => out.push(c),
            }
        }
        Err(bad("Unterminated string in the query."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> Customer {
        let mut c = Customer::new("cus_1".into(), 100, 1);
        c.email = Some("Ada@example.com".into());
        c.name = Some("Ada Lovelace".into());
        c.metadata.insert("tier".into(), "gold".into());
        c
    }

    #[test]
    fn clauses_joined_by_and_or_or_match_as_stripe_documents() {
        let c = customer();
        assert!(Query::parse("email:'ada@example.com'").unwrap().matches(&c));
        assert!(Query::parse("metadata['tier']:'gold' AND name~'love'").unwrap().matches(&c));
        assert!(Query::parse("name:'nobody' OR created>=100").unwrap().matches(&c));
        assert!(!Query::parse("-metadata[\"tier\"]:'gold'").unwrap().matches(&c));
        assert!(Query::parse("phone:null").unwrap().matches(&c));
    }

    #[test]
    fn mixing_and_with_or_and_unknown_fields_are_refused() {
        assert!(Query::parse("name:'a' AND email:'b' OR phone:'c'").is_err());
        assert!(Query::parse("balance:0").is_err());
        assert!(Query::parse("name:unquoted").is_err());
    }
}
