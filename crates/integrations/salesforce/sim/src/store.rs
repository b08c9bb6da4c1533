//! The org's state behind one lock, persisted as JSON to the data file (write-behind, atomic rename) so
//! that it survives restarts. Every committed change is queued for push delivery in the same critical
//! section, so a change is never stored without its notification or the reverse.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use anyhow::Context;
use tokio::sync::Notify;

use crate::push::PushSettings;
use crate::schema::Schema;
use crate::state::{ChangeEvent, State};

pub struct Store {
    state: Mutex<State>,
    pub schema: Schema,
    pub push: PushSettings,
    data_file: Option<PathBuf>,
    dirty: AtomicBool,
    /// Woken when push queues gain work (outbound, callout).
    pub wake_outbound: Notify,
    pub wake_callout: Notify,
}

impl Store {
    /// Opens the store, loading the data file when it exists.
    pub fn open(schema: Schema, push: PushSettings, data_file: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut state: State = match &data_file {
            Some(path) if path.exists() => {
                let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?
            }
            _ => State::starting_now(),
        };
        state.reindex(&schema);
        Ok(Self {
            state: Mutex::new(state),
            schema,
            push,
            data_file,
            dirty: AtomicBool::new(false),
            wake_outbound: Notify::new(),
            wake_callout: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state; the change events `f` pushes are queued for delivery before the lock is released.
    pub fn write<R>(&self, f: impl FnOnce(&mut State, &mut Vec<ChangeEvent>) -> R) -> R {
        let mut state = self.lock();
        let mut events = Vec::new();
        let result = f(&mut state, &mut events);
        let queued = events
            .iter()
            .map(|e| self.push.enqueue(&mut state, e))
            .fold((false, false), |acc, q| (acc.0 | q.0, acc.1 | q.1));
        drop(state);
        self.dirty.store(true, Ordering::Release);
        if queued.0 {
            self.wake_outbound.notify_one();
        }
        if queued.1 {
            self.wake_callout.notify_one();
        }
        result
    }

    /// Writes the state to the data file when it changed since the last flush. The lock is held only to copy
    /// the state: serialising and writing happen outside it, so requests never wait for the disk.
    pub fn flush(&self) -> anyhow::Result<()> {
        let Some(path) = &self.data_file else { return Ok(()) };
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let state = self.lock().clone();
        let bytes = serde_json::to_vec(&state)?;
        let tmp = path.with_extension("tmp");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
        Ok(())
    }

    /// Flushes every 200 ms, on a blocking thread, until the task is aborted; after a flush that took longer
    /// than 20 ms it waits ten times as long, so that persisting a large org costs at most a tenth of a core.
    pub async fn flush_loop(self: std::sync::Arc<Self>) {
        loop {
            let me = self.clone();
            let started = std::time::Instant::now();
            let result = tokio::task::spawn_blocking(move || me.flush()).await;
            if let Err(e) = result.map_err(anyhow::Error::from).and_then(|r| r) {
                self.dirty.store(true, Ordering::Release);
                tracing::warn!(error = %e, "could not persist salesforce-sim state");
            }
            tokio::time::sleep(std::time::Duration::from_millis(200).max(started.elapsed() * 10)).await;
        }
    }
}
