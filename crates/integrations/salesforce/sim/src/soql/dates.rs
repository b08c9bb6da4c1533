//! Salesforce's relative date literals in WHERE clauses — `TODAY`, `YESTERDAY` and `LAST_N_DAYS:n` — each
//! standing for a run of whole days (UTC here), resolved against the org's clock when the query runs.

use chrono::{DateTime, TimeDelta, Utc};

/// A relative date literal as written in a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLiteral {
    Today,
    Yesterday,
    /// The last `n` days and today: from 00:00 `n` days ago to the end of today.
    LastNDays(u32),
}

impl DateLiteral {
    /// The literal `word` names (case-insensitive, `LAST_N_DAYS:n` with its count), `None` for other words.
    pub fn parse(word: &str) -> Option<Self> {
        if word.eq_ignore_ascii_case("TODAY") {
            return Some(Self::Today);
        }
        if word.eq_ignore_ascii_case("YESTERDAY") {
            return Some(Self::Yesterday);
        }
        let (name, n) = word.split_once(':')?;
        let n = n.parse().ok().filter(|_| name.eq_ignore_ascii_case("LAST_N_DAYS"))?;
        Some(Self::LastNDays(n))
    }

    /// The instants the literal covers when the clock reads `now`: `[start, end)`, whole UTC days.
    pub fn range(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let today = midnight(now);
        let tomorrow = days_before(today, -1);
        match self {
            Self::Today => (today, tomorrow),
            Self::Yesterday => (days_before(today, 1), today),
            Self::LastNDays(n) => (days_before(today, i64::from(n)), tomorrow),
        }
    }
}

/// 00:00 UTC of the day `t` falls in.
fn midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    crate::time::truncate(t, TimeDelta::days(1))
}

/// `days` days before `t` (after it when negative), clamped to the representable range.
fn days_before(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    match t.checked_sub_signed(TimeDelta::days(days)) {
        Some(d) => d,
        None if days > 0 => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}
