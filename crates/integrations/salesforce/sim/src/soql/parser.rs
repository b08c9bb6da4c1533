//! Recursive-descent parser of the SOQL subset, resolving field names against Contact's schema.

use chrono::{DateTime, Utc};

use super::SoqlError;
use super::dates::DateLiteral;
use super::lexer::{Token, tokenize};
use crate::schema::Schema;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    /// A relative date literal (`TODAY`, `YESTERDAY`, `LAST_N_DAYS:n`).
    Date(DateLiteral),
    /// The instants `[start, end)` a relative date literal stands for, once resolved against the clock by
    /// evaluation (never produced by the parser).
    Days(DateTime<Utc>, DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { field: String, op: Op, value: Literal },
    In { field: String, values: Vec<Literal>, negated: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub field: String,
    pub descending: bool,
    pub nulls_last: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Canonical field names in the order selected; empty for `COUNT()`.
    pub fields: Vec<String>,
    pub count: bool,
    pub filter: Option<Expr>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    schema: &'a Schema,
}

/// Parses `soql` against Contact's schema.
pub fn parse(soql: &str, schema: &Schema) -> Result<Query, SoqlError> {
    let mut p = Parser { tokens: tokenize(soql)?, pos: 0, schema };
    let query = p.query()?;
    match p.peek() {
        None => Ok(query),
        Some(t) => Err(unexpected(t)),
    }
}

fn unexpected(t: &Token) -> SoqlError {
    let shown = match t {
        Token::Ident(s) | Token::Str(s) => s.clone(),
        Token::Num(n) => n.to_string(),
        Token::DateTime(d) => d.to_rfc3339(),
        Token::Op(o) => (*o).to_owned(),
        Token::Comma => ",".into(),
        Token::LParen => "(".into(),
        Token::RParen => ")".into(),
    };
    SoqlError::Malformed(format!("unexpected token: '{shown}'"))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Result<Token, SoqlError> {
        let t =
            self.tokens.get(self.pos).cloned().ok_or_else(|| SoqlError::Malformed("unexpected end of query".into()))?;
        self.pos += 1;
        Ok(t)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.is_kw(kw));
        self.pos += usize::from(hit);
        hit
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        match self.next()? {
            t if t.is_kw(kw) => Ok(()),
            t => Err(unexpected(&t)),
        }
    }

    fn expect(&mut self, want: &Token) -> Result<(), SoqlError> {
        match self.next()? {
            t if &t == want => Ok(()),
            t => Err(unexpected(&t)),
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let (fields, count) = self.select_list()?;
        self.expect_kw("FROM")?;
        match self.next()? {
            Token::Ident(o) if o.eq_ignore_ascii_case("Contact") => {}
            Token::Ident(o) => return Err(SoqlError::InvalidType(format!("sObject type '{o}' is not supported."))),
            t => return Err(unexpected(&t)),
        }
        let filter = if self.eat_kw("WHERE") { Some(self.or_expr()?) } else { None };
        let order = if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            self.order_list()?
        } else {
            Vec::new()
        };
        let limit = if self.eat_kw("LIMIT") { Some(self.count_value()?) } else { None };
        let offset = if self.eat_kw("OFFSET") { Some(self.count_value()?) } else { None };
        Ok(Query { fields, count, filter, order, limit, offset })
    }

    fn select_list(&mut self) -> Result<(Vec<String>, bool), SoqlError> {
        if self.peek().is_some_and(|t| t.is_kw("COUNT")) && self.tokens.get(self.pos + 1) == Some(&Token::LParen) {
            self.pos += 2;
            self.expect(&Token::RParen)?;
            return Ok((Vec::new(), true));
        }
        let mut fields = vec![self.field()?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            let f = self.field()?;
            if fields.contains(&f) {
                return Err(SoqlError::Malformed(format!("duplicate field selected: {f}")));
            }
            fields.push(f);
        }
        Ok((fields, false))
    }

    fn field(&mut self) -> Result<String, SoqlError> {
        match self.next()? {
            Token::Ident(name) => self.schema.field(&name).map(|f| f.name.clone()).ok_or_else(|| {
                SoqlError::InvalidField(format!(
                    "No such column '{name}' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
                ))
            }),
            t => Err(unexpected(&t)),
        }
    }

    fn count_value(&mut self) -> Result<usize, SoqlError> {
        match self.next()? {
            Token::Num(n) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            t => Err(unexpected(&t)),
        }
    }

    fn order_list(&mut self) -> Result<Vec<Order>, SoqlError> {
        let mut order = Vec::new();
        loop {
            let field = self.field()?;
            let descending = self.eat_kw("DESC");
            if !descending {
                self.eat_kw("ASC");
            }
            // Salesforce: nulls first in ascending order, last in descending, unless told.
            let mut nulls_last = descending;
            if self.eat_kw("NULLS") {
                nulls_last = if self.eat_kw("LAST") {
                    true
                } else {
                    self.expect_kw("FIRST")?;
                    false
                };
            }
            order.push(Order { field, descending, nulls_last });
            if self.peek() != Some(&Token::Comma) {
                return Ok(order);
            }
            self.pos += 1;
        }
    }

    fn or_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.and_expr()?;
        while self.eat_kw("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and_expr()?));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SoqlError> {
        let mut left = self.unary()?;
        while self.eat_kw("AND") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or_expr()?;
            self.expect(&Token::RParen)?;
            return Ok(inner);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Expr, SoqlError> {
        let field = self.field()?;
        let negated = self.eat_kw("NOT");
        if self.eat_kw("IN") {
            return Ok(Expr::In { field, values: self.literal_list()?, negated });
        }
        if negated {
            return Err(SoqlError::Malformed("expecting IN after NOT".into()));
        }
        let op = match self.next()? {
            Token::Op("=") => Op::Eq,
            Token::Op("!=") => Op::Ne,
            Token::Op("<") => Op::Lt,
            Token::Op("<=") => Op::Le,
            Token::Op(">") => Op::Gt,
            Token::Op(">=") => Op::Ge,
            t if t.is_kw("LIKE") => Op::Like,
            t => return Err(unexpected(&t)),
        };
        Ok(Expr::Cmp { field, op, value: self.literal()? })
    }

    fn literal_list(&mut self) -> Result<Vec<Literal>, SoqlError> {
        self.expect(&Token::LParen)?;
        let mut values = vec![self.literal()?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            values.push(self.literal()?);
        }
        self.expect(&Token::RParen)?;
        Ok(values)
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        Ok(match self.next()? {
            Token::Str(s) => Literal::Str(s),
            Token::Num(n) => Literal::Num(n),
            Token::DateTime(d) => Literal::DateTime(d),
            Token::Ident(word) => keyword_literal(&word).ok_or_else(|| unexpected(&Token::Ident(word)))?,
            t => return Err(unexpected(&t)),
        })
    }
}

/// The literals written as words: `null`, `true`, `false` and the relative date literals.
fn keyword_literal(word: &str) -> Option<Literal> {
    match word.to_ascii_lowercase().as_str() {
        "null" => Some(Literal::Null),
        "true" => Some(Literal::Bool(true)),
        "false" => Some(Literal::Bool(false)),
        _ => DateLiteral::parse(word).map(Literal::Date),
    }
}
