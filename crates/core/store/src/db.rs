//! Connection pool and embedded migrations.

use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use diesel_async::pooled_connection::deadpool::Pool as PgPool;

/// The migrations in the workspace's migrations/ folder, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../../migrations");

/// A pool of `size` connections to `database_url`. Connections are not pinged on checkout (`Fast`: only an
/// open transaction or a broken connection is refused): a ping is a round trip and a statement per request,
/// and after a database restart a dead connection fails its first use once (a 503, or a retry in the
/// relay and the worker) and is discarded.
pub fn pool(database_url: &str, size: usize) -> anyhow::Result<Pool<AsyncPgConnection>> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Ok(Pool::builder(manager).max_size(size).build()?)
}

/// Applies every pending migration. Blocking work runs off the async threads.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    with_harness(database_url, |conn| {
        conn.run_pending_migrations(MIGRATIONS)?;
        Ok(())
    })
    .await
}

/// Reverts every applied migration (for the up → down → up test and for resets).
pub async fn revert_all(database_url: &str) -> anyhow::Result<()> {
    with_harness(database_url, |conn| {
        conn.revert_all_migrations(MIGRATIONS)?;
        Ok(())
    })
    .await
}

type Harness = AsyncConnectionWrapper<AsyncPgConnection>;
type HarnessResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

async fn with_harness(
    database_url: &str,
    f: impl FnOnce(&mut Harness) -> HarnessResult + Send + 'static,
) -> anyhow::Result<()> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = Harness::establish(&url)?;
        f(&mut conn).map_err(|e| anyhow::anyhow!(e))
    })
    .await?
}
