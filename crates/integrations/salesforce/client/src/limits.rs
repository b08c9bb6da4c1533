//! `Sforce-Limit-Info: api-usage=18/5000`: the org's API calls used and allowed in the last 24 hours.

use std::sync::Mutex;

/// API calls used and allowed, as of the latest response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub allowed: u64,
}

impl ApiUsage {
    /// Parses the header value; other entries (e.g. `per-app-api-usage=…`) are ignored.
    pub fn parse(header: &str) -> Option<Self> {
        header.split(',').find_map(|part| {
            let value = part.trim().strip_prefix("api-usage=")?;
            let (used, allowed) = value.split_once('/')?;
            Some(ApiUsage { used: used.trim().parse().ok()?, allowed: allowed.trim().parse().ok()? })
        })
    }
}

/// The latest usage seen on any response, shared by all clones of a client.
#[derive(Debug, Default)]
pub(crate) struct UsageTracker(Mutex<Option<ApiUsage>>);

impl UsageTracker {
    pub(crate) fn observe(&self, headers: &reqwest::header::HeaderMap) {
        let parsed = headers.get("sforce-limit-info").and_then(|v| v.to_str().ok()).and_then(ApiUsage::parse);
        if let (Some(usage), Ok(mut latest)) = (parsed, self.0.lock()) {
            *latest = Some(usage);
        }
    }

    pub(crate) fn latest(&self) -> Option<ApiUsage> {
        self.0.lock().ok().and_then(|g| *g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_usage_entry_is_parsed() {
        assert_eq!(ApiUsage::parse("api-usage=18/5000"), Some(ApiUsage { used: 18, allowed: 5000 }));
        assert_eq!(
            ApiUsage::parse("per-app-api-usage=2/250(appName=x), api-usage=25/15000"),
            Some(ApiUsage { used: 25, allowed: 15000 })
        );
    }

    #[test]
    fn a_malformed_header_gives_nothing() {
        for h in ["", "api-usage=", "api-usage=5", "api-usage=a/b", "usage=1/2"] {
            assert_eq!(ApiUsage::parse(h), None, "{h}");
        }
    }
}
