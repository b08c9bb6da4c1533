//! Wakes the relay when PostgreSQL announces new outbox rows (LISTEN outbox). Reconnects after failures; the
//! relay's fallback poll covers any notification lost meanwhile.

use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, stream};
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

/// Runs until the task is dropped.
pub async fn listen(database_url: String, wake: Arc<Notify>) {
    loop {
        if let Err(e) = listen_once(&database_url, &wake).await {
            tracing::warn!(error = %e, "outbox listener lost its connection; reconnecting");
        }
        wake.notify_one();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(database_url: &str, wake: &Notify) -> anyhow::Result<()> {
    let (client, mut connection) = tokio_postgres::connect(database_url, NoTls).await?;
    let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
    let listen = client.batch_execute("LISTEN outbox");
    tokio::pin!(listen);
    // The LISTEN only completes while the connection is being polled.
    loop {
        tokio::select! {
            r = &mut listen => { r?; break; }
            m = messages.next() => { if m.is_none() { anyhow::bail!("connection closed") } }
        }
    }
    tracing::debug!("listening for outbox notifications");
    while let Some(message) = messages.next().await {
        if let AsyncMessage::Notification(_) = message? {
            wake.notify_one();
        }
    }
    anyhow::bail!("connection closed")
}
