//! Child processes of the project's binaries, for tests that kill or signal them.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Sends SIGTERM and waits up to `timeout` for the process to exit; panics if it does not.
pub async fn terminate(child: &mut Child, timeout: Duration) -> ExitStatus {
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "process {pid} did not stop within {timeout:?} of SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
