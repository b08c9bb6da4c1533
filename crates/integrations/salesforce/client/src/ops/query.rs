//! SOQL queries with `nextRecordsUrl` paging, as a stream of records or collected. Queries are typed
//! [`Query`] values, never SOQL text.

use crate::soql::Query;
use crate::transport::{Request, Target};
use crate::{Error, SalesforceClient, SalesforceContact};
use futures::{Stream, StreamExt, TryStreamExt, stream};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

/// One page of a query result.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage {
    pub total_size: u64,
    pub done: bool,
    #[serde(default)]
    pub next_records_url: Option<String>,
    pub records: Vec<Value>,
}

/// `query` leaves deleted records out; `queryAll` includes those in the recycle bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Live,
    IncludeDeleted,
}

enum Cursor {
    Start(String),
    Next(String),
    Done,
}

impl SalesforceClient {
    /// The pages of a query, fetched one after the other as the stream is polled.
    pub fn query_pages(&self, query: &Query, scope: Scope) -> impl Stream<Item = Result<QueryPage, Error>> + '_ {
        stream::try_unfold(Cursor::Start(query.to_string()), move |cursor| async move {
            let request = match cursor {
                Cursor::Done => return Ok(None),
                Cursor::Start(soql) => {
                    let resource = match scope {
                        Scope::Live => "query",
                        Scope::IncludeDeleted => "queryAll",
                    };
                    Request::new(Method::GET, &[resource, ""]).query("q", soql)
                }
                Cursor::Next(path) => {
                    Request { method: Method::GET, target: Target::Absolute(path), query: Vec::new(), body: None }
                }
            };
            let page: QueryPage = self.send(request).await?.json()?;
            let next = match (&page.next_records_url, page.done) {
                (Some(url), false) => Cursor::Next(url.clone()),
                _ => Cursor::Done,
            };
            Ok(Some((page, next)))
        })
    }

    /// The records of a query, as a stream across all pages.
    pub fn query_stream(&self, query: &Query, scope: Scope) -> impl Stream<Item = Result<Value, Error>> + '_ {
        self.query_pages(query, scope).map_ok(|page| stream::iter(page.records.into_iter().map(Ok))).try_flatten()
    }

    /// Every Contact a query returns, all pages collected. The query must select the fields to be read.
    pub async fn query_contacts(&self, query: &Query) -> Result<Vec<SalesforceContact>, Error> {
        self.collect_contacts(query, Scope::Live).await
    }

    /// Like [`SalesforceClient::query_contacts`], including deleted Contacts (`queryAll`).
    pub async fn query_all_contacts(&self, query: &Query) -> Result<Vec<SalesforceContact>, Error> {
        self.collect_contacts(query, Scope::IncludeDeleted).await
    }

    async fn collect_contacts(&self, query: &Query, scope: Scope) -> Result<Vec<SalesforceContact>, Error> {
        self.query_stream(query, scope)
            .map(|record| record.and_then(|value| self.contact_from(value)))
            .try_collect()
            .await
    }
}
