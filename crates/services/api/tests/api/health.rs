use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn readyz_is_ok_when_database_and_kafka_answer() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((status.as_u16(), body["database"].as_bool(), body["kafka"].as_bool()), (200, Some(true), Some(true)));
}

#[tokio::test]
async fn readyz_stays_ready_when_kafka_does_not_answer_and_reports_it() {
    let app = crate::helpers::spawn_app_with(|c| c.kafka_brokers = "127.0.0.1:1".into()).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "writes go to the outbox; a Kafka outage must not take the api out of rotation");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["kafka"], false);
    assert_eq!(body["database"], true);
}
