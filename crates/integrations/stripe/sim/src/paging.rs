//! Cursor paging as Stripe lists do it (<https://docs.stripe.com/api/pagination>): newest first, `limit`
//! 1–100 (default 10), `starting_after` (older than that object) or `ending_before` (newer than it), and
//! `created` as an integer or a hash of `gt`, `gte`, `lt`, `lte`.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::error::ApiError;
use crate::form::Params;

/// The position of an object in a listing: (created, insertion sequence).
pub type Key = (i64, u64);
pub type Index = BTreeMap<Key, String>;

#[derive(Debug, Clone, Default)]
pub struct Created {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl Created {
    pub fn parse(params: &Params) -> Result<Self, ApiError> {
        let mut c = Self::default();
        for (op, v) in params.hash_or_scalar("created") {
            let n: i64 = v.parse().map_err(|_| {
                ApiError::invalid("parameter_invalid_integer", "created", format!("Invalid integer: {v}"))
            })?;
            match op.as_str() {
                "" => (c.gte, c.lte) = (Some(n), Some(n)),
                "gt" => c.gt = Some(n),
                "gte" => c.gte = Some(n),
                "lt" => c.lt = Some(n),
                "lte" => c.lte = Some(n),
                other => return Err(ApiError::unknown_parameter(&format!("created[{other}]"))),
            }
        }
        Ok(c)
    }

    pub fn matches(&self, t: i64) -> bool {
        self.gt.is_none_or(|b| t > b)
            && self.gte.is_none_or(|b| t >= b)
            && self.lt.is_none_or(|b| t < b)
            && self.lte.is_none_or(|b| t <= b)
    }
}

#[derive(Debug, Clone)]
pub enum Cursor {
    Start,
    After(String),
    Before(String),
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub limit: usize,
    pub cursor: Cursor,
    pub created: Created,
}

impl ListQuery {
    pub fn parse(params: &Params) -> Result<Self, ApiError> {
        let limit = match params.scalar("limit")? {
            None => 10,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid(
                        "parameter_invalid_integer",
                        "limit",
                        "This value must be greater than or equal to 1 and less than or equal to 100.",
                    ));
                }
            },
        };
        let cursor = match (params.scalar("starting_after")?, params.scalar("ending_before")?) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "parameter_invalid_string",
                    "ending_before",
                    "You may only specify one of these parameters: ending_before, starting_after.",
                ));
            }
            (Some(a), None) => Cursor::After(a.to_owned()),
            (None, Some(b)) => Cursor::Before(b.to_owned()),
            (None, None) => Cursor::Start,
        };
        Ok(Self { limit, cursor, created: Created::parse(params)? })
    }
}

/// The ids of one page, newest first, and whether more lie beyond it in the paging direction.
pub fn page<'a>(
    index: &'a Index,
    start: Option<Key>,
    q: &ListQuery,
    keep: impl Fn(&'a str) -> bool,
) -> (Vec<&'a str>, bool) {
    let ok = |(k, id): (&Key, &'a String)| (q.created.matches(k.0) && keep(id)).then_some(id.as_str());
    let take = q.limit + 1;
    let mut ids: Vec<&str> = match (&q.cursor, start) {
        (Cursor::Before(_), Some(k)) => {
            index.range((Bound::Excluded(k), Bound::Unbounded)).filter_map(ok).take(take).collect()
        }
        (Cursor::After(_), Some(k)) => index.range(..k).rev().filter_map(ok).take(take).collect(),
        _ => index.iter().rev().filter_map(ok).take(take).collect(),
    };
    let has_more = ids.len() > q.limit;
    ids.truncate(q.limit);
    if matches!(q.cursor, Cursor::Before(_)) {
        ids.reverse();
    }
    (ids, has_more)
}
