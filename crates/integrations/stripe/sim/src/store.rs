//! The account's state behind one lock, and its snapshot: when a data file is set, a background task
//! writes the state (when it changed, at most every interval, backing off as the state grows) to a temporary file renamed over the data
//! file, so that requests never wait for the disk. The state is loaded from that file at start.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;

use crate::state::State;

pub struct Store {
    state: Mutex<State>,
    data_file: Option<PathBuf>,
    dirty: AtomicBool,
    /// Woken when deliveries are queued.
    pub wake_deliveries: Notify,
}

impl Store {
    pub fn open(data_file: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut state: State = match &data_file {
            Some(path) if path.exists() => {
                let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?
            }
            _ => State::default(),
        };
        state.reindex();
        state.deliveries.in_flight = 0;
        Ok(Self { state: Mutex::new(state), data_file, dirty: AtomicBool::new(false), wake_deliveries: Notify::new() })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state and marks it for the next snapshot.
    pub fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.lock());
        self.dirty.store(true, Ordering::Release);
        result
    }

    /// Writes the state to the data file when it changed since the last snapshot.
    pub fn flush(&self) -> anyhow::Result<()> {
        let Some(path) = &self.data_file else { return Ok(()) };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let snapshot = self.lock().persisted();
        let bytes = serde_json::to_vec(&snapshot)?;
        let tmp = path.with_extension("tmp");
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
        Ok(())
    }

    /// Snapshots at most every `interval` (on a blocking thread) until the task is aborted. The lock is held
    /// only to copy the state; the pause after a snapshot is also at least 10 times what it took, so that
    /// snapshots of a large state cost at most a tenth of a core.
    pub async fn flush_loop(self: Arc<Self>, interval: Duration) {
        if self.data_file.is_none() {
            return;
        }
        loop {
            let me = self.clone();
            let started = std::time::Instant::now();
            let result = tokio::task::spawn_blocking(move || me.flush()).await;
            if let Err(e) = result.map_err(anyhow::Error::from).and_then(|r| r) {
                self.dirty.store(true, Ordering::Release);
                tracing::warn!(error = %e, "could not write the stripe-sim snapshot");
            }
            tokio::time::sleep(interval.max(started.elapsed() * 10)).await;
        }
    }
}
