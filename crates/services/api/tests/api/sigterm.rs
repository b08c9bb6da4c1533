use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_api_binary_serves_and_stops_cleanly_on_sigterm() {
    let db = testkit::db::fresh().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .env("API_DATABASE_URL", &db.url)
        .env("API_LISTEN", format!("127.0.0.1:{port}"))
        .env("API_WORKERS", "1")
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await {
            Ok(r) if r.status() == 200 => break,
            _ => {
                assert!(Instant::now() < deadline, "the api binary did not come up");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let status = testkit::process::terminate(&mut child, Duration::from_secs(35)).await;
    assert!(status.success(), "clean exit, got {status}");
}
