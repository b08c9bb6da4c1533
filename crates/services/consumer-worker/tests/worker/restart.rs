//! A worker killed and restarted (a crashed pod, an OOM kill) resumes at once: with static group
//! membership (`WORKER_INSTANCE_ID`) its partitions wait for it under its name instead of staying with the
//! dead member until that member's session expires.

use std::time::{Duration, Instant};

use crate::e2e::{Inbound, System, email, eventually};

/// From a SIGKILLed worker's replacement being started until a new local change is in both systems; `None`
/// when that did not happen `within`.
async fn resume_time(overrides: &[(&str, &str)], within: Duration) -> Option<Duration> {
    let overrides = overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut system = System::start_with(Inbound::default(), overrides).await;
    let t = Duration::from_secs(30);
    let warm = system.create("Ada Lovelace", &email("warm")).await;
    let id = warm["id"].as_str().unwrap().to_owned();
    eventually("the first customer reaches both systems", t, || async {
        system.contact(&id).await.is_some() && system.stripe(&id).await.len() == 1
    })
    .await;
    system.kill("consumer-worker");
    system.spawn("consumer-worker");
    let started = Instant::now();
    let next = system.create("Grace Hopper", &email("after-restart")).await;
    let id = next["id"].as_str().unwrap().to_owned();
    while started.elapsed() < within {
        if system.contact(&id).await.is_some() && system.stripe(&id).await.len() == 1 {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn a_worker_killed_and_restarted_under_its_name_handles_events_again_within_five_seconds() {
    let took = resume_time(&[("WORKER_INSTANCE_ID", "worker-0")], Duration::from_secs(5)).await;
    let took = took.expect("the restarted worker handled nothing within 5 s");
    println!("static membership: resumed {took:?} after the restart");
}

/// A coordinator's crash fences static members whose session ran out during the failover (librdkafka's fatal
/// `FencedInstanceId`); here another member joins under the worker's instance id, which fences it the same way.
#[tokio::test]
async fn a_worker_that_its_group_fenced_rejoins_in_place_and_handles_events_again_without_exiting() {
    use rdkafka::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};

    let mut system = System::start_with(Inbound::default(), Vec::new()).await;
    let t = Duration::from_secs(30);
    let warm = system.create("Ada Lovelace", &email("before-fence")).await;
    let id = warm["id"].as_str().unwrap().to_owned();
    eventually("the first customer reaches Salesforce", t, || async { system.contact(&id).await.is_some() }).await;

    let prefix = system.setting("WORKER_KAFKA_TOPIC_PREFIX").to_owned();
    let topics: Vec<String> =
        events::Topic::of(sync_salesforce::SALESFORCE).map(|topic| format!("{prefix}{topic}")).collect();
    let impostor: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", system.setting("WORKER_KAFKA_BROKERS"))
        .set("group.id", format!("{}-salesforce", system.setting("WORKER_GROUP_PREFIX")))
        .set("group.instance.id", system.setting("WORKER_INSTANCE_ID"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    impostor.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    let joined = Instant::now();
    while impostor.assignment().unwrap().count() == 0 {
        assert!(joined.elapsed() < t, "the impostor never joined the worker's group");
        let _ = impostor.poll(Duration::from_millis(100));
    }
    drop(impostor);
    eventually("the worker notices it was fenced", t, || async {
        system.logs().contains("the group fenced this consumer")
    })
    .await;

    let next = system.create("Grace Hopper", &email("after-fence")).await;
    let id = next["id"].as_str().unwrap().to_owned();
    eventually("a change after the fence reaches Salesforce", t, || async { system.contact(&id).await.is_some() })
        .await;
    assert!(system.is_running("consumer-worker"), "the fenced worker exited instead of rejoining");
}

/// The figures behind docs/operations.md's choice of membership: `scripts/bench/restart` runs this.
#[tokio::test]
#[ignore = "a measurement, not a test: run by scripts/bench/restart"]
async fn measure_how_long_a_restarted_worker_takes_to_resume_under_each_membership() {
    let cases: [(&str, &[(&str, &str)]); 4] = [
        ("classic, dynamic, 45 s session (librdkafka's default)", &[("WORKER_SESSION_TIMEOUT_MS", "45000")]),
        ("classic, dynamic, 10 s session", &[]),
        ("classic, static (group.instance.id), 10 s session", &[("WORKER_INSTANCE_ID", "worker-0")]),
        (
            "consumer protocol (KIP-848), static",
            &[("WORKER_GROUP_PROTOCOL", "consumer"), ("WORKER_INSTANCE_ID", "worker-0")],
        ),
    ];
    for (name, overrides) in cases {
        match resume_time(overrides, Duration::from_secs(90)).await {
            Some(took) => println!("RESUME\t{name}\t{:.1} s", took.as_secs_f64()),
            None => println!("RESUME\t{name}\tnot within 90 s"),
        }
    }
}
