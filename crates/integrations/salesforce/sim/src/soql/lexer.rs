//! Tokens of SOQL.

use chrono::{DateTime, Utc};

use super::SoqlError;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    DateTime(DateTime<Utc>),
    Op(&'static str),
    Comma,
    LParen,
    RParen,
}

impl Token {
    /// Whether this is the keyword `kw` (case-insensitive).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Token::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
}

pub fn tokenize(src: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let (token, next) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ',' => (Token::Comma, i + 1),
            '(' => (Token::LParen, i + 1),
            ')' => (Token::RParen, i + 1),
            '\'' => string(&chars, i + 1)?,
            '=' | '!' | '<' | '>' => operator(&chars, i)?,
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                literal(&chars, i)?
            }
            c if c.is_alphabetic() || c == '_' => word(&chars, i),
            other => return Err(SoqlError::Malformed(format!("unexpected token: '{other}'"))),
        };
        tokens.push(token);
        i = next;
    }
    Ok(tokens)
}

fn scan(chars: &[char], start: usize, keep: impl Fn(char) -> bool) -> usize {
    chars[start..].iter().position(|&c| !keep(c)).map_or(chars.len(), |p| start + p)
}

/// A name or keyword; a date literal with a count (`LAST_N_DAYS:30`) keeps its `:n` in the one token.
fn word(chars: &[char], start: usize) -> (Token, usize) {
    let mut end = scan(chars, start, |c| c.is_alphanumeric() || c == '_' || c == '.');
    if chars.get(end) == Some(&':') {
        let digits_end = scan(chars, end + 1, |c| c.is_ascii_digit());
        if digits_end > end + 1 {
            end = digits_end;
        }
    }
    (Token::Ident(chars[start..end].iter().collect()), end)
}

fn string(chars: &[char], start: usize) -> Result<(Token, usize), SoqlError> {
    let mut out = String::new();
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\'' => return Ok((Token::Str(out), i + 1)),
            '\\' => {
                let esc = chars.get(i + 1).ok_or_else(|| SoqlError::Malformed("unterminated string".into()))?;
                out.push_str(match esc {
                    'n' => "\n",
                    'r' => "\r",
                    't' => "\t",
                    'b' => "\u{8}",
                    'f' => "\u{c}",
                    '"' => "\"",
                    '\'' => "'",
                    '\\' => "\\",
                    '_' => "\\_",
                    '%' => "\\%",
                    other => {
                        return Err(SoqlError::Malformed(format!("Invalid string literal: unknown escape \\{other}")));
                    }
                });
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(SoqlError::Malformed("unterminated string literal".into()))
}

fn operator(chars: &[char], i: usize) -> Result<(Token, usize), SoqlError> {
    let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
    let op = match two.as_str() {
        "!=" => "!=",
        "<>" => "!=",
        "<=" => "<=",
        ">=" => ">=",
        _ => match chars[i] {
            '=' => "=",
            '<' => "<",
            '>' => ">",
            _ => return Err(SoqlError::Malformed("unexpected token: '!'".into())),
        },
    };
    let len = if op.len() == 2 || two == "<>" { 2 } else { 1 };
    Ok((Token::Op(op), i + len))
}

fn literal(chars: &[char], start: usize) -> Result<(Token, usize), SoqlError> {
    let end = scan(chars, start + 1, |c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-'));
    let text: String = chars[start..end].iter().collect();
    if text.contains('T') && text[1..].contains('-') {
        return crate::time::parse(&text).map(|t| (Token::DateTime(t), end)).ok_or_else(|| {
            SoqlError::Malformed(format!("line 1:{start} no viable alternative at character '{text}'"))
        });
    }
    text.parse::<f64>()
        .map(|n| (Token::Num(n), end))
        .map_err(|_| SoqlError::Malformed(format!("unexpected token: '{text}'")))
}
