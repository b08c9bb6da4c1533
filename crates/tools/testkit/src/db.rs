//! A fresh database per test, cloned from a template migrated once per set of migrations.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

/// The server URL used by tests (`DATABASE_URL`), default the local service of `scripts/lib/postgres.sh`.
pub fn server_url() -> String {
    crate::env_or("DATABASE_URL", "postgres://customer_sync:customer_sync@127.0.0.1:5432/customer_sync")
}

fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{base}/{name}")
}

/// A database of its own for one test. Dropped databases of dead test processes are cleaned up later.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

/// The workspace's migrations folder, the one `store` embeds in the binaries.
fn migrations_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../migrations")
}

fn template_name() -> String {
    let mut files: Vec<_> = walk(&migrations_dir());
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    format!("cs_tpl_{}", &hex::encode(h.finalize())[..12])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries.flatten().flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] }).collect()
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<()> {
    diesel::sql_query(sql).execute(conn).await?;
    Ok(())
}

async fn ensure_template(admin: &mut AsyncPgConnection, template: &str) -> anyhow::Result<()> {
    // Serialise creation across test processes.
    exec(admin, "SELECT pg_advisory_lock(727272)").await?;
    let result = async {
        let exists = diesel::sql_query(format!("SELECT 1 AS one FROM pg_database WHERE datname = '{template}'"))
            .execute(admin)
            .await?
            == 1;
        if !exists {
            let building = format!("{template}_building");
            exec(admin, &format!("DROP DATABASE IF EXISTS {building}")).await?;
            exec(admin, &format!("CREATE DATABASE {building}")).await?;
            migrate(with_database(&server_url(), &building)).await?;
            exec(admin, &format!("ALTER DATABASE {building} RENAME TO {template}")).await?;
        }
        anyhow::Ok(())
    }
    .await;
    exec(admin, "SELECT pg_advisory_unlock(727272)").await?;
    result
}

/// Runs the migrations from their folder, as `store::db::migrate` runs the same files embedded (read here, so
/// that test support does not depend on the crate whose tests use it).
async fn migrate(url: String) -> anyhow::Result<()> {
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    type Harness = AsyncConnectionWrapper<AsyncPgConnection>;
    tokio::task::spawn_blocking(move || {
        let mut conn = <Harness as diesel::Connection>::establish(&url)?;
        let migrations = FileBasedMigrations::from_path(migrations_dir())?;
        conn.run_pending_migrations(migrations).map_err(|e| anyhow::anyhow!(e))?;
        anyhow::Ok(())
    })
    .await?
}

/// Drops test databases left by test processes that are no longer running.
async fn drop_orphans(admin: &mut AsyncPgConnection) -> anyhow::Result<()> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'cs\\_t\\_%'").load(admin).await?;
    for n in names {
        let pid = n.datname.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = exec(admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", n.datname)).await;
        }
    }
    Ok(())
}

static CLEANED: std::sync::Once = std::sync::Once::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A new database with every migration applied.
pub async fn fresh() -> anyhow::Result<TestDb> {
    let mut admin = AsyncPgConnection::establish(&server_url()).await?;
    let template = template_name();
    ensure_template(&mut admin, &template).await?;
    let mut first = false;
    CLEANED.call_once(|| first = true);
    if first {
        drop_orphans(&mut admin).await?;
    }
    let name = format!("cs_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    exec(&mut admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await?;
    Ok(TestDb { url: with_database(&server_url(), &name), name })
}

/// An empty database with no migrations applied (for migration tests).
pub async fn empty() -> anyhow::Result<TestDb> {
    let mut admin = AsyncPgConnection::establish(&server_url()).await?;
    let name = format!("cs_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    exec(&mut admin, &format!("CREATE DATABASE {name}")).await?;
    Ok(TestDb { url: with_database(&server_url(), &name), name })
}

impl TestDb {
    pub async fn connect(&self) -> anyhow::Result<AsyncPgConnection> {
        Ok(AsyncPgConnection::establish(&self.url).await?)
    }

    /// Rows in `table` (for "nothing changed" assertions).
    pub async fn count(&self, table: &str) -> anyhow::Result<i64> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.connect().await?;
        let c: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result(&mut conn).await?;
        Ok(c.n)
    }

    /// Waits until the outbox is empty (a relay drained it) or `timeout` passed; returns the rows left.
    pub async fn drained(&self, timeout: std::time::Duration) -> anyhow::Result<i64> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = self.count("outbox").await?;
            if left == 0 || std::time::Instant::now() > deadline {
                return Ok(left);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
