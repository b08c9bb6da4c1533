//! The Customers API: create, retrieve, update, delete, list.

use reqwest::Method;

use crate::client::{Call, Response, StripeClient};
use crate::customer::{CustomerParams, DeletedCustomer, List, ListParams, Retrieved, StripeCustomer};
use crate::error::StripeError;
use crate::idempotency::IdempotencyKey;

/// `cus_…` ids go into URL paths; anything else could address another resource.
fn customer_path(id: &str) -> Result<String, StripeError> {
    let valid = !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(StripeError::Invalid(format!("{id:?} is not a customer id")));
    }
    Ok(format!("/v1/customers/{id}"))
}

impl StripeClient {
    /// `POST /v1/customers`.
    pub async fn create_customer(
        &self,
        params: &CustomerParams,
        key: &IdempotencyKey,
    ) -> Result<Response<StripeCustomer>, StripeError> {
        self.send(Call {
            method: Method::POST,
            path: "/v1/customers".to_owned(),
            query: Vec::new(),
            form: params.form_pairs(),
            key: Some(key),
        })
        .await
    }

    /// `GET /v1/customers/{id}`; a deleted customer's stub comes back as [`Retrieved::Deleted`].
    pub async fn retrieve_customer(&self, id: &str) -> Result<Response<Retrieved>, StripeError> {
        let response: Response<StripeCustomer> = self
            .send(Call {
                method: Method::GET,
                path: customer_path(id)?,
                query: Vec::new(),
                form: Vec::new(),
                key: None,
            })
            .await?;
        let body = if response.body.deleted {
            Retrieved::Deleted { id: response.body.id }
        } else {
            Retrieved::Active(response.body)
        };
        Ok(Response { body, request_id: response.request_id })
    }

    /// `POST /v1/customers/{id}`: changes only the fields set in `params`; metadata merges.
    pub async fn update_customer(
        &self,
        id: &str,
        params: &CustomerParams,
        key: &IdempotencyKey,
    ) -> Result<Response<StripeCustomer>, StripeError> {
        self.send(Call {
            method: Method::POST,
            path: customer_path(id)?,
            query: Vec::new(),
            form: params.form_pairs(),
            key: Some(key),
        })
        .await
    }

    /// `DELETE /v1/customers/{id}`.
    pub async fn delete_customer(
        &self,
        id: &str,
        key: &IdempotencyKey,
    ) -> Result<Response<DeletedCustomer>, StripeError> {
        self.send(Call {
            method: Method::DELETE,
            path: customer_path(id)?,
            query: Vec::new(),
            form: Vec::new(),
            key: Some(key),
        })
        .await
    }

    /// `GET /v1/customers`: one page, newest first.
    pub async fn list_customers(&self, params: &ListParams) -> Result<Response<List<StripeCustomer>>, StripeError> {
        if params.limit.is_some_and(|l| !(1..=100).contains(&l)) {
            return Err(StripeError::Invalid("list limit must be 1 to 100".into()));
        }
        self.send(Call {
            method: Method::GET,
            path: "/v1/customers".to_owned(),
            query: params.query_pairs(),
            form: Vec::new(),
            key: None,
        })
        .await
    }

    /// Every customer matching `params` (from its cursor on), following `has_more` page by page.
    pub async fn list_all_customers(&self, params: &ListParams) -> Result<Vec<StripeCustomer>, StripeError> {
        let mut params = params.clone();
        let mut all = Vec::new();
        loop {
            let page = self.list_customers(&params).await?.body;
            params.starting_after = page.data.last().map(|c| c.id.clone());
            all.extend(page.data);
            if !page.has_more || params.starting_after.is_none() {
                return Ok(all);
            }
        }
    }
}
