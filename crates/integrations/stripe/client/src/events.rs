//! `GET /v1/events`: the account's events, newest first, kept by Stripe for 30 days. The catch-up that
//! recovers webhook deliveries the product missed reads them (https://docs.stripe.com/api/events/list).

use reqwest::Method;

use crate::client::{Call, Response, StripeClient};
use crate::customer::List;
use crate::error::StripeError;
use crate::webhook::Event;

/// Filters and cursor of `GET /v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventListParams {
    /// Only these event types (`types[]`, at most 20).
    pub types: Vec<String>,
    /// Only events created at or after this Unix time (`created[gte]`).
    pub created_gte: Option<i64>,
    /// 1 to 100; Stripe's default is 10.
    pub limit: Option<u8>,
    /// The id of the last (oldest) event of the previous page.
    pub starting_after: Option<String>,
}

impl EventListParams {
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q: Vec<(&'static str, String)> = self.types.iter().map(|t| ("types[]", t.clone())).collect();
        if let Some(gte) = self.created_gte {
            q.push(("created[gte]", gte.to_string()));
        }
        if let Some(limit) = self.limit {
            q.push(("limit", limit.to_string()));
        }
        if let Some(after) = &self.starting_after {
            q.push(("starting_after", after.clone()));
        }
        q
    }
}

impl StripeClient {
    /// One page of events, newest first.
    pub async fn list_events(&self, params: &EventListParams) -> Result<Response<List<Event>>, StripeError> {
        if params.limit.is_some_and(|l| !(1..=100).contains(&l)) {
            return Err(StripeError::Invalid("list limit must be 1 to 100".into()));
        }
        if params.types.len() > 20 {
            return Err(StripeError::Invalid("at most 20 event types".into()));
        }
        self.send(Call {
            method: Method::GET,
            path: "/v1/events".to_owned(),
            query: params.query_pairs(),
            form: Vec::new(),
            key: None,
        })
        .await
    }

    /// Every event matching `params`, following `has_more` page by page, oldest first.
    pub async fn list_all_events(&self, params: &EventListParams) -> Result<Vec<Event>, StripeError> {
        let mut params = params.clone();
        let mut all = Vec::new();
        loop {
            let page = self.list_events(&params).await?.body;
            params.starting_after = page.data.last().map(|e| e.id.clone());
            all.extend(page.data);
            if !page.has_more || params.starting_after.is_none() {
                all.reverse();
                return Ok(all);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_created_and_the_cursor_become_stripes_query_parameters() {
        let params = EventListParams {
            types: vec!["customer.created".into(), "customer.deleted".into()],
            created_gte: Some(1_700_000_000),
            limit: Some(100),
            starting_after: Some("evt_1".into()),
        };
        assert_eq!(
            params.query_pairs(),
            vec![
                ("types[]", "customer.created".to_owned()),
                ("types[]", "customer.deleted".to_owned()),
                ("created[gte]", "1700000000".to_owned()),
                ("limit", "100".to_owned()),
                ("starting_after", "evt_1".to_owned()),
            ]
        );
    }
}
