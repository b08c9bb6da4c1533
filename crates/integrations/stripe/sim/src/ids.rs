//! Object ids as Stripe shapes them: a prefix (`cus_`, `evt_`, `req_`, `we_`, `whsec_`) and random
//! base-62 characters, and the clock in Unix seconds and milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distr::Alphanumeric;

fn random(prefix: &str, len: usize) -> String {
    let tail: String = rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect();
    format!("{prefix}{tail}")
}

pub fn customer() -> String {
    random("cus_", 14)
}

pub fn event() -> String {
    random("evt_", 24)
}

pub fn request() -> String {
    random("req_", 14)
}

pub fn webhook_endpoint() -> String {
    random("we_", 24)
}

pub fn webhook_secret() -> String {
    random("whsec_", 32)
}

/// Stripe's invoice prefixes: 8 upper-case hexadecimal characters.
pub fn invoice_prefix() -> String {
    format!("{:08X}", rand::rng().random::<u32>())
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}
