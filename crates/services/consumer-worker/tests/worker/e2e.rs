//! The whole product end to end: api, producer-relay and consumer-worker as separate processes over real
//! PostgreSQL and Kafka, with stripe-sim (signed webhooks to the api, retried; the events the catch-up
//! reads) and salesforce-sim; one test runs against localstripe instead, as a second opinion on Stripe.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION, Topic};
use model::ExternalCustomer;
use salesforce_sim::RunningSim;
use serde_json::{Value, json};
use stripe_client::{CustomerParams, IdempotencyKey};
use testkit::db::TestDb;
use uuid::Uuid;

pub(crate) const SECRET: &str = "whsec_e2e_test_secret";
pub(crate) const OM_TOKEN: &str = "e2e-outbound-token";
pub(crate) const CALLOUT_SECRET: &str = "e2e-callout-secret";

/// Which Salesforce inbound paths run.
#[derive(Default, Clone, Copy)]
pub(crate) struct Inbound {
    pub outbound_messages: bool,
    pub callouts: bool,
    pub poll: bool,
}

pub(crate) fn binary(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_consumer-worker")).with_file_name(name)
}

/// The three binaries and what they talk to. Dropping it kills the processes.
/// A child process killed when the test ends, passed or not.
pub(crate) struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A localstripe of the test's own: localstripe sends every event to every endpoint registered with it, so
/// a shared one would let one test's Stripe edits reach another test's api.
async fn private_localstripe() -> (KillOnDrop, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let python = testkit::systems::workspace_file(".cache/venv/bin/python");
    let child = Command::new(python)
        .args(["-m", "localstripe", "--port", &port.to_string(), "--from-scratch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    eventually("the private localstripe answers", Duration::from_secs(30), || async {
        reqwest::get(format!("{url}/v1/customers")).await.is_ok()
    })
    .await;
    (KillOnDrop(child), url)
}

/// The Stripe stand-in a test runs against.
pub(crate) enum StripeStandIn {
    /// stripe-sim in the test's process: the default.
    Sim(stripe_sim::RunningSim),
    /// A localstripe of the test's own, killed with the test.
    Localstripe(#[allow(dead_code)] KillOnDrop),
}

pub(crate) struct System {
    /// This test's Stripe, stopped with the test (after the binaries: `Drop for System` runs first).
    pub stripe_stand_in: StripeStandIn,
    pub stripe_url: String,
    pub db: TestDb,
    pub sim: RunningSim,
    pub api_url: String,
    pub env: Vec<(String, String)>,
    pub kafka: kafka::KafkaSettings,
    children: HashMap<&'static str, Child>,
    webhook_id: String,
    pub http: reqwest::Client,
    /// Where the relay and the worker serve their metrics.
    pub relay_metrics: String,
    pub worker_metrics: String,
}

impl Drop for System {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The failure's context: what the three binaries said last (the test harness shows it).
            for name in ["api", "producer-relay", "consumer-worker"] {
                let path =
                    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("e2e-{}-{name}.log", self.webhook_id));
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                eprintln!("--- the last lines of {name}'s log ---");
                for line in &lines[lines.len().saturating_sub(40)..] {
                    eprintln!("{line}");
                }
            }
        }
        for child in self.children.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn register_webhook(stripe_url: &str, id: &str, url: &str, events: &[&str]) {
    let mut form = vec![("url", url.to_owned()), ("secret", SECRET.to_owned())];
    form.extend(events.iter().map(|e| ("events[]", (*e).to_owned())));
    let r =
        reqwest::Client::new().post(format!("{stripe_url}/_config/webhooks/{id}")).form(&form).send().await.unwrap();
    assert!(r.status().is_success());
}

impl System {
    pub async fn start() -> Self {
        Self::start_with(Inbound::default(), Vec::new()).await
    }

    /// With these Salesforce inbound paths, and environment overrides for the binaries.
    pub async fn start_with(inbound: Inbound, overrides: Vec<(String, String)>) -> Self {
        let config = stripe_sim::SimConfig {
            retry: stripe_sim::RetrySchedule {
                initial: Duration::from_millis(200),
                max: Duration::from_secs(2),
                retry_for: Duration::from_secs(600),
            },
            ..Default::default()
        };
        let sim = stripe_sim::spawn(config).await.unwrap();
        let url = sim.url.clone();
        Self::start_on(StripeStandIn::Sim(sim), url, inbound, overrides).await
    }

    /// Against a localstripe of the test's own (it lists no events by type or time: no catch-up).
    pub async fn start_with_localstripe() -> Self {
        let (process, url) = private_localstripe().await;
        let overrides = vec![("WORKER_STRIPE_CATCHUP".to_owned(), "false".to_owned())];
        Self::start_on(StripeStandIn::Localstripe(process), url, Inbound::default(), overrides).await
    }

    async fn start_on(
        stripe_stand_in: StripeStandIn,
        stripe_url: String,
        inbound: Inbound,
        overrides: Vec<(String, String)>,
    ) -> Self {
        let db = crate::fresh_db().await;
        let kafka = testkit::kafka::settings();
        let free_port = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (port, relay_metrics_port, worker_metrics_port) = (free_port(), free_port(), free_port());
        let api_url = format!("http://127.0.0.1:{port}");
        let sim_config = salesforce_sim::SimConfig {
            outbound_url: inbound
                .outbound_messages
                .then(|| format!("{api_url}/webhooks/salesforce/outbound-messages/{OM_TOKEN}")),
            callout_url: inbound.callouts.then(|| format!("{api_url}/webhooks/salesforce/callouts")),
            callout_secret: Some(CALLOUT_SECRET.to_owned()),
            exclude_client: Some(testkit::systems::SALESFORCE_CLIENT_NAME.to_owned()),
            // Retries no further apart than 2 s: a push refused while the machine is busy is retried within
            // the tests' deadlines (Salesforce's own backoff grows to hours).
            push_retry_initial: Duration::from_millis(200),
            push_retry_max: Duration::from_secs(2),
            ..testkit::systems::sim_config()
        };
        let sim = testkit::systems::salesforce_sim(sim_config).await;
        let mut env: Vec<(String, String)> = vec![
            ("API_LISTEN".into(), format!("127.0.0.1:{port}")),
            ("API_BOOTSTRAP_ADMIN_KEY".into(), testkit::ADMIN_KEY.into()),
            ("RELAY_METRICS_LISTEN".into(), format!("127.0.0.1:{relay_metrics_port}")),
            ("WORKER_METRICS_LISTEN".into(), format!("127.0.0.1:{worker_metrics_port}")),
            ("API_STRIPE_WEBHOOK_SECRETS".into(), SECRET.into()),
            ("STRIPE_API_BASE".into(), stripe_url.clone()),
            ("STRIPE_SECRET_KEY".into(), "sk_test_e2e".into()),
            ("STRIPE_RATE_LIMIT".into(), "500".into()),
            ("WORKER_GROUP_PREFIX".into(), format!("e2e{}", Uuid::new_v4().simple())),
            ("WORKER_RETRY_MAX_MS".into(), "1000".into()),
            ("WORKER_INSTANCE_ID".into(), "worker-0".into()),
            ("WORKER_STRIPE_CATCHUP_SECS".into(), "1".into()),
            ("RUST_LOG".into(), "info".into()),
            ("NO_COLOR".into(), "1".into()),
            ("API_SALESFORCE_ORG_ID".into(), sim.control.org_id()),
            ("API_SALESFORCE_OUTBOUND_TOKEN".into(), OM_TOKEN.into()),
            ("API_SALESFORCE_CALLOUT_SECRETS".into(), CALLOUT_SECRET.into()),
        ];
        if inbound.poll {
            env.push(("WORKER_SALESFORCE_POLLER".into(), "true".into()));
            env.push(("WORKER_SALESFORCE_POLL_SECS".into(), "1".into()));
        } else {
            env.push(("WORKER_SALESFORCE_POLLER".into(), "false".into()));
        }
        env.extend(overrides);
        for prefix in ["API", "RELAY", "WORKER"] {
            env.push((format!("{prefix}_DATABASE_URL"), db.url.clone()));
            env.push((format!("{prefix}_KAFKA_BROKERS"), kafka.brokers.clone()));
            env.push((format!("{prefix}_KAFKA_TOPIC_PREFIX"), kafka.topic_prefix.clone()));
            env.push((format!("{prefix}_KAFKA_PARTITIONS"), "4".into()));
        }
        env.extend(testkit::systems::salesforce_env(&sim));
        let webhook_id = format!("e2e-{}", Uuid::new_v4().simple());
        let mut system = System {
            stripe_stand_in,
            stripe_url,
            db,
            sim,
            api_url,
            env,
            kafka,
            children: HashMap::new(),
            webhook_id,
            http: testkit::admin_http(),
            relay_metrics: format!("http://127.0.0.1:{relay_metrics_port}/metrics"),
            worker_metrics: format!("http://127.0.0.1:{worker_metrics_port}/metrics"),
        };
        for name in ["producer-relay", "consumer-worker", "api"] {
            system.spawn(name);
        }
        system.wait_for_api().await;
        let url = format!("{}/webhooks/stripe", system.api_url);
        let events = ["customer.created", "customer.updated", "customer.deleted"];
        register_webhook(&system.stripe_url, &system.webhook_id, &url, &events).await;
        system
    }

    pub fn spawn(&mut self, name: &'static str) {
        let log_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let log = std::fs::File::create(log_dir.join(format!("e2e-{}-{name}.log", self.webhook_id))).unwrap();
        let child = Command::new(binary(name))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e} (build the binaries first: cargo build --bins)"));
        self.children.insert(name, child);
    }

    /// Everything the three binaries wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        let log_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        ["api", "producer-relay", "consumer-worker"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(log_dir.join(format!("e2e-{}-{name}.log", self.webhook_id)));
                text.unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn kill(&mut self, name: &str) {
        let mut child = self.children.remove(name).unwrap();
        Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
        child.wait().unwrap();
    }

    /// Whether `name` is still running (it has not exited on its own).
    pub fn is_running(&mut self, name: &str) -> bool {
        self.children.get_mut(name).is_some_and(|child| child.try_wait().unwrap().is_none())
    }

    /// The value the binaries were started with for `key`.
    pub fn setting(&self, key: &str) -> &str {
        self.env.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap()
    }

    /// Stops `name` with SIGTERM, as an orchestrator would, and waits for it to exit.
    pub async fn terminate(&mut self, name: &str) -> std::process::ExitStatus {
        let mut child = self.children.remove(name).unwrap();
        testkit::process::terminate(&mut child, Duration::from_secs(40)).await
    }

    async fn wait_for_api(&self) {
        eventually("the api answers", Duration::from_secs(30), || async {
            self.http.get(format!("{}/healthz", self.api_url)).send().await.is_ok()
        })
        .await;
    }

    pub async fn create(&self, name: &str, email: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/customers", self.api_url))
            .json(&json!({"name": name, "email": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json().await.unwrap()
    }

    pub async fn get(&self, id: &str) -> Option<Value> {
        let r = self.http.get(format!("{}/v1/customers/{id}", self.api_url)).send().await.unwrap();
        if r.status() == 404 { None } else { Some(r.json().await.unwrap()) }
    }

    pub async fn contact(&self, id: &str) -> Option<salesforce_client::SalesforceContact> {
        testkit::systems::salesforce(&self.sim).find_contact_by_customer_id(id).await.unwrap()
    }

    pub async fn stripe(&self, id: &str) -> Vec<stripe_client::StripeCustomer> {
        testkit::systems::stripe_customers_of(&self.stripe_client(), id.parse().unwrap()).await
    }

    /// The catalog's customers (the first 100: every test here has fewer); none while the api is down.
    pub async fn customers(&self) -> Vec<Value> {
        let Ok(r) = self.http.get(format!("{}/v1/customers?limit=100", self.api_url)).send().await else {
            return Vec::new();
        };
        let list: Value = r.json().await.unwrap_or_default();
        list["data"].as_array().cloned().unwrap_or_default()
    }

    /// The id of the catalog's customer with `email`, once one is there (panics with `what` after `timeout`).
    pub async fn id_by_email(&self, email: &str, timeout: Duration, what: &str) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(c) = self.customers().await.iter().find(|c| c["email"] == email) {
                return c["id"].as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The in-process stripe-sim, when the test runs against it.
    pub fn stripe_sim(&self) -> &stripe_sim::RunningSim {
        match &self.stripe_stand_in {
            StripeStandIn::Sim(sim) => sim,
            StripeStandIn::Localstripe(_) => panic!("this test runs against localstripe"),
        }
    }

    /// A client of this test's Stripe.
    pub fn stripe_client(&self) -> stripe_client::StripeClient {
        let config = stripe_client::StripeConfig {
            rate_limit: 1000.0,
            ..stripe_client::StripeConfig::new(self.stripe_url.clone(), stripe_client::ApiKey::new("sk_test_1"))
        };
        stripe_client::StripeClient::new(&config).unwrap()
    }

    /// A customer created through the api in the trace `traceparent`, and a Contact made in Salesforce by
    /// someone else (its Outbound Message starts a trace of its own); returns their catalog ids once both
    /// reached every system.
    pub async fn traced_changes(&self, traceparent: &str, tag: &str) -> (String, String) {
        let t = Duration::from_secs(30);
        let r = self
            .http
            .post(format!("{}/v1/customers", self.api_url))
            .header("traceparent", traceparent)
            .json(&json!({"name": "Grace Hopper", "email": email(tag)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        eventually("the customer reaches both systems", t, || async {
            self.contact(&id).await.is_some() && self.stripe(&id).await.len() == 1
        })
        .await;
        let mut contact = testkit::systems::new_contact("Katherine", "Johnson");
        let remote = email(&format!("{tag}-sf"));
        contact.email = Some(remote.clone());
        testkit::systems::salesforce_as(&self.sim, "sales-team-app").create_contact(&contact).await.unwrap();
        let remote_id = self.id_by_email(&remote, t, "the Contact did not reach the catalog").await;
        eventually("the Contact reaches Stripe", t, || async { self.stripe(&remote_id).await.len() == 1 }).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        (id, remote_id)
    }

    /// Stops webhook deliveries to the api (as if they were lost).
    pub async fn silence(&self) {
        register_webhook(&self.stripe_url, &self.webhook_id, "http://127.0.0.1:9/unused", &["test.silenced"]).await;
    }
}

pub(crate) async fn eventually<F, Fut>(what: &str, timeout: Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn email(tag: &str) -> String {
    format!("{tag}-{}@example.com", Uuid::new_v4().simple())
}

#[tokio::test]
async fn a_change_made_anywhere_reaches_the_other_two_and_then_nothing_moves() {
    change_anywhere_reaches_the_other_two(System::start().await).await;
}

/// The same against localstripe: the product must work with both stand-ins.
#[tokio::test]
async fn with_localstripe_as_stripe_a_change_made_anywhere_reaches_the_other_two_and_then_nothing_moves() {
    change_anywhere_reaches_the_other_two(System::start_with_localstripe().await).await;
}

async fn change_anywhere_reaches_the_other_two(system: System) {
    let t = Duration::from_secs(30);
    let created = system.create("Ada Lovelace", &email("ada")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("the local create reaches Salesforce", t, || async { system.contact(&id).await.is_some() }).await;
    eventually("the local create reaches Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;

    let r = system
        .http
        .patch(format!("{}/v1/customers/{id}", system.api_url))
        .json(&json!({"name": "Ada King"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    eventually("the local update reaches Salesforce", t, || async {
        system.contact(&id).await.is_some_and(|c| c.fields().name == "Ada King")
    })
    .await;
    eventually("the local update reaches Stripe", t, || async {
        system.stripe(&id).await.first().is_some_and(|c| c.name.as_deref() == Some("Ada King"))
    })
    .await;

    // Someone edits the customer in Stripe (the stand-in's own API, with a key that is not ours).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let cus = system.stripe(&id).await.remove(0);
    let params = CustomerParams { name: Some("Countess of Lovelace".into()), ..Default::default() };
    let foreign = IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    system.stripe_client().update_customer(&cus.id, &params, &foreign).await.unwrap();
    eventually("the Stripe edit reaches the catalog", t, || async {
        system.get(&id).await.is_some_and(|c| c["name"] == "Countess of Lovelace")
    })
    .await;
    eventually("the Stripe edit reaches Salesforce", t, || async {
        system.contact(&id).await.is_some_and(|c| c.fields().name == "Countess of Lovelace")
    })
    .await;

    // No echo: once settled, nothing moves for five seconds.
    eventually("the outbox drains", t, || async { system.db.count("outbox").await.unwrap() == 0 }).await;
    let version = system.get(&id).await.unwrap()["version"].clone();
    let (calls_before, _) = system.sim.control.api_usage();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(system.get(&id).await.unwrap()["version"], version, "the catalog version stopped moving");
    assert_eq!(system.db.count("outbox").await.unwrap(), 0, "no further events");
    assert_eq!(system.sim.control.api_usage().0, calls_before, "no further Salesforce calls");
    assert_eq!(system.stripe(&id).await.len(), 1, "one Stripe customer");

    let r = system.http.delete(format!("{}/v1/customers/{id}", system.api_url)).send().await.unwrap();
    assert_eq!(r.status(), 204);
    eventually("the delete reaches Salesforce", t, || async { system.contact(&id).await.is_none() }).await;
    eventually("the delete reaches Stripe", t, || async { system.stripe(&id).await.is_empty() }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(system.get(&id).await.is_none(), "the deletion's echoes do not bring it back");
    system.silence().await;
}

#[tokio::test]
async fn a_salesforce_change_on_the_salesforce_topics_reaches_the_catalog_and_stripe() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    let address = email("sf");
    let contact_id = testkit::systems::salesforce(&system.sim)
        .create_contact(&salesforce_client::SalesforceContact {
            first_name: Some("Katherine".into()),
            last_name: Some("Johnson".into()),
            email: Some(address.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    // As the Salesforce inbound receivers will: a salesforce-origin event through the outbox.
    let event = CustomerEvent {
        event_id: Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action: Action::Created,
        origin: Origin::System(sync_salesforce::SALESFORCE),
        customer_id: None,
        external_id: Some(contact_id.clone()),
        customer: Some(CustomerSnapshot {
            name: "Katherine Johnson".into(),
            email: address.clone(),
            phone: None,
            version: None,
        }),
        occurred_at: chrono::Utc::now(),
        delivery_id: Some(format!("notification-{}", Uuid::new_v4())),
    };
    let mut conn = system.db.connect().await.unwrap();
    let topic = Topic::new(sync_salesforce::SALESFORCE, Action::Created);
    store::outbox::enqueue(&mut conn, topic, &event, None).await.unwrap();
    let id = system.id_by_email(&address, t, "the Salesforce contact did not reach the catalog").await;
    eventually("the Salesforce contact reaches Stripe", t, || async {
        system.stripe(&id).await.first().is_some_and(|c| c.name.as_deref() == Some("Katherine Johnson"))
    })
    .await;
    let contacts = testkit::systems::salesforce(&system.sim).find_contacts_by_email(&address).await.unwrap();
    assert_eq!(contacts.len(), 1, "the catalog's customer was not pushed back as a second contact");
    system.silence().await;
}

#[tokio::test]
async fn killing_the_worker_mid_burst_loses_nothing_and_duplicates_nothing() {
    let mut system = System::start().await;
    let mut ids = Vec::new();
    for i in 0..60 {
        ids.push(system.create(&format!("Burst {i}"), &email("burst")).await["id"].as_str().unwrap().to_owned());
    }
    // Kill the worker as soon as the first records arrive, in the middle of its batches.
    eventually("the first records arrive", Duration::from_secs(30), || async {
        system.contact(&ids[0]).await.is_some() || !system.stripe(&ids[0]).await.is_empty()
    })
    .await;
    system.kill("consumer-worker");
    system.spawn("consumer-worker");
    let stripe = system.stripe_client();
    eventually("every customer reaches both systems", Duration::from_secs(60), || async {
        let all = stripe.list_all_customers(&Default::default()).await.unwrap();
        let in_stripe =
            ids.iter().filter(|id| all.iter().any(|c| c.metadata.get("customer_sync_id") == Some(*id))).count();
        in_stripe == ids.len()
    })
    .await;
    let all = stripe.list_all_customers(&Default::default()).await.unwrap();
    let sf = testkit::systems::salesforce(&system.sim);
    for id in &ids {
        let twins = all.iter().filter(|c| c.metadata.get("customer_sync_id") == Some(id)).count();
        assert_eq!(twins, 1, "exactly one Stripe customer for {id}");
        eventually("the contact exists", Duration::from_secs(30), || async {
            sf.find_contact_by_customer_id(id).await.unwrap().is_some()
        })
        .await;
    }
    system.silence().await;
}

/// A Contact created, updated and deleted in salesforce-sim by someone else reaches the catalog and Stripe.
async fn salesforce_changes_reach_the_catalog_and_stripe(inbound: Inbound) {
    let system = System::start_with(inbound, Vec::new()).await;
    let t = Duration::from_secs(30);
    if inbound.poll {
        tokio::time::sleep(Duration::from_millis(1500)).await; // the poller's first run sets its cursor
    }
    let someone = testkit::systems::salesforce_as(&system.sim, "sales-team-app");
    let address = email("sf-inbound");
    let contact = salesforce_client::SalesforceContact {
        first_name: Some("Katherine".into()),
        last_name: Some("Johnson".into()),
        email: Some(address.clone()),
        ..Default::default()
    };
    let contact_id = someone.create_contact(&contact).await.unwrap();
    let id = system.id_by_email(&address, t, "the Contact did not reach the catalog").await;
    eventually("the Contact reaches Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;

    let edited = salesforce_client::SalesforceContact { last_name: Some("Goble".into()), ..contact.clone() };
    someone.update_contact(&contact_id, &edited).await.unwrap();
    eventually("the edit reaches the catalog", t, || async {
        system.get(&id).await.is_some_and(|c| c["name"] == "Katherine Goble")
    })
    .await;
    eventually("the edit reaches Stripe", t, || async {
        system.stripe(&id).await.first().is_some_and(|c| c.name.as_deref() == Some("Katherine Goble"))
    })
    .await;

    someone.delete_contact(&contact_id).await.unwrap();
    eventually("the deletion reaches the catalog", t, || async { system.get(&id).await.is_none() }).await;
    eventually("the deletion reaches Stripe", t, || async { system.stripe(&id).await.is_empty() }).await;
    let contacts = someone.find_contacts_by_email(&address).await.unwrap();
    assert!(contacts.is_empty(), "no Contact was pushed back as a twin: {contacts:?}");
    eventually("the outbox drains", t, || async { system.db.count("outbox").await.unwrap() == 0 }).await;
    system.silence().await;
}

#[tokio::test]
async fn a_salesforce_contact_reaches_the_catalog_and_stripe_through_outbound_messages() {
    // Outbound Messages carry creates and updates; deletions come through the signed callout (Salesforce's
    // Outbound Messages have no delete trigger).
    salesforce_changes_reach_the_catalog_and_stripe(Inbound { outbound_messages: true, callouts: true, poll: false })
        .await;
}

#[tokio::test]
async fn a_salesforce_contact_reaches_the_catalog_and_stripe_through_the_poller_alone() {
    salesforce_changes_reach_the_catalog_and_stripe(Inbound { poll: true, ..Inbound::default() }).await;
}

#[tokio::test]
async fn writes_through_the_salesforce_and_stripe_endpoints_reach_the_catalog_and_the_other_system_once() {
    let system = System::start_with(Inbound { outbound_messages: true, callouts: true, poll: false }, Vec::new()).await;
    let t = Duration::from_secs(30);
    let sf_email = email("via-sf-endpoint");
    let r = system
        .http
        .post(format!("{}/v1/salesforce/contacts", system.api_url))
        .json(&json!({"FirstName": "Mary", "LastName": "Jackson", "Email": sf_email}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let st_email = email("via-stripe-endpoint");
    let r = system
        .http
        .post(format!("{}/v1/stripe/customers", system.api_url))
        .json(&json!({"name": "Dorothy Vaughan", "email": st_email}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let stripe = system.stripe_client();
    let sf = testkit::systems::salesforce(&system.sim);
    eventually("both reach the catalog and the other system", t, || async {
        let data = system.customers().await;
        let (Some(a), Some(b)) = (
            data.iter().find(|c| c["email"] == sf_email.as_str()),
            data.iter().find(|c| c["email"] == st_email.as_str()),
        ) else {
            return false;
        };
        let a_in_stripe = !system.stripe(a["id"].as_str().unwrap()).await.is_empty();
        let b_in_salesforce = system.contact(b["id"].as_str().unwrap()).await.is_some();
        a_in_stripe && b_in_salesforce
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sf.find_contacts_by_email(&sf_email).await.unwrap().len(), 1, "one Contact");
    assert_eq!(sf.find_contacts_by_email(&st_email).await.unwrap().len(), 1, "one Contact");
    let by_email = |e: &str| stripe_client::ListParams { email: Some(e.to_owned()), ..Default::default() };
    assert_eq!(stripe.list_customers(&by_email(&sf_email)).await.unwrap().body.data.len(), 1, "one Stripe customer");
    assert_eq!(stripe.list_customers(&by_email(&st_email)).await.unwrap().body.data.len(), 1, "one Stripe customer");
    assert_eq!(system.customers().await.len(), 2, "two customers in the catalog");
    system.silence().await;
}

#[tokio::test]
async fn a_customer_deleted_in_stripe_is_deleted_in_the_catalog_and_salesforce() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    let created = system.create("Deleted In Stripe", &email("stripe-delete")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("linked in both", t, || async {
        system.stripe(&id).await.len() == 1 && system.contact(&id).await.is_some()
    })
    .await;
    let cus = system.stripe(&id).await.remove(0);
    let foreign = IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    system.stripe_client().delete_customer(&cus.id, &foreign).await.unwrap();
    eventually("the deletion reaches the catalog", t, || async { system.get(&id).await.is_none() }).await;
    eventually("and Salesforce", t, || async { system.contact(&id).await.is_none() }).await;
    system.silence().await;
}

#[tokio::test]
async fn a_resync_repairs_a_record_that_drifted_without_a_notification() {
    // Without the Stripe catch-up, which would otherwise bring the edit whose webhook is lost.
    let overrides = vec![("WORKER_STRIPE_CATCHUP".to_owned(), "false".to_owned())];
    let system = System::start_with(Inbound::default(), overrides).await;
    let t = Duration::from_secs(30);
    let created = system.create("Catalog Truth", &email("drift")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("linked in Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;
    // The webhook is lost (the endpoint is silenced) while someone edits the customer in Stripe.
    system.silence().await;
    let cus = system.stripe(&id).await.remove(0);
    let params = CustomerParams { name: Some("Drifted".into()), ..Default::default() };
    let foreign = IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    system.stripe_client().update_customer(&cus.id, &params, &foreign).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(system.get(&id).await.unwrap()["name"], "Catalog Truth", "the catalog never heard of it");
    let r = system.http.post(format!("{}/v1/customers/{id}/resync", system.api_url)).send().await.unwrap();
    assert_eq!(r.status(), 202);
    eventually("the resync repairs Stripe", t, || async {
        system.stripe(&id).await.first().and_then(|c| c.name.clone()).as_deref() == Some("Catalog Truth")
    })
    .await;
    // Stripe answers before the worker records the push: the link catches up a moment later.
    let status = || async {
        let r = system.http.get(format!("{}/v1/customers/{id}/sync", system.api_url)).send().await.unwrap();
        r.json::<Value>().await.unwrap()
    };
    eventually("the link records the resync", t, || async {
        status().await["integrations"]["stripe"]["synced_version"] == 1
    })
    .await;
    let status = status().await;
    assert_eq!(status["integrations"]["salesforce"]["last_error"], Value::Null, "{status}");
}

#[tokio::test]
async fn a_local_change_to_a_contact_made_in_salesforce_updates_that_contact_instead_of_making_a_twin() {
    let inbound = Inbound { outbound_messages: true, ..Default::default() };
    let system = System::start_with(inbound, Vec::new()).await;
    let t = Duration::from_secs(30);
    let someone = testkit::systems::salesforce_as(&system.sim, "sales-team-app");
    let contact = testkit::systems::new_contact("Dorothy", "Vaughan");
    let address = contact.email.clone().unwrap();
    let contact_id = someone.create_contact(&contact).await.unwrap();
    let id = system.id_by_email(&address, t, "the Contact did not reach the catalog").await;

    let r = system
        .http
        .patch(format!("{}/v1/customers/{id}", system.api_url))
        .json(&json!({"name": "Dorothy Johnson Vaughan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    eventually("the local change reaches the Contact made in Salesforce", t, || async {
        someone.get_contact(&contact_id, None).await.is_ok_and(|c| c.fields().name == "Dorothy Johnson Vaughan")
    })
    .await;
    let contacts = someone.find_contacts_by_email(&address).await.unwrap();
    assert_eq!(contacts.len(), 1, "one Contact, not a twin: {contacts:?}");
    assert_eq!(contacts[0].customer_id.as_deref(), Some(id.as_str()), "and it now carries its customer id");
    system.silence().await;
}
