//! `syncctl backfill` and `syncctl reconcile` as an operator runs them: real processes over real PostgreSQL,
//! with an in-process stripe-sim and salesforce-sim.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use futures::StreamExt;
use model::{CustomerFields, ExternalCustomer};
use salesforce_client::{SalesforceClient, SalesforceContact};
use salesforce_sim::RunningSim;
use store::ChangeContext;
use store::links::Link;
use stripe_client::{ApiKey, CustomerParams, IdempotencyKey, StripeClient, StripeConfig, StripeCustomer};
use sync_core::Engine;
use testkit::db::TestDb;
use uuid::Uuid;

struct Env {
    db: TestDb,
    sim: RunningSim,
    stripe_url: String,
    _stripe: stripe_sim::RunningSim,
}

impl Env {
    async fn start() -> Self {
        let db = testkit::db::fresh().await.unwrap();
        let sim = testkit::systems::salesforce_sim(testkit::systems::sim_config()).await;
        let stripe = stripe_sim::spawn(stripe_sim::SimConfig::default()).await.unwrap();
        Self { db, sim, stripe_url: stripe.url.clone(), _stripe: stripe }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_syncctl"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SYNCCTL_DATABASE_URL", &self.db.url)
            .env("USER", "ops-alice")
            .env("STRIPE_API_BASE", &self.stripe_url)
            .env("STRIPE_SECRET_KEY", "sk_test_syncctl")
            .env("STRIPE_RATE_LIMIT", "1000")
            .envs(testkit::systems::salesforce_env(&self.sim))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    async fn syncctl(&self, args: &[&str]) -> Output {
        let started = Instant::now();
        let output = self.command(args).output().await.expect("syncctl runs");
        eprintln!(
            "syncctl {} -> {:?} in {:.1}s\n{}{}",
            args.join(" "),
            output.status.code(),
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn stripe_config(&self) -> StripeConfig {
        StripeConfig { rate_limit: 1000.0, ..StripeConfig::new(self.stripe_url.clone(), ApiKey::new("sk_test_1")) }
    }

    fn stripe(&self) -> StripeClient {
        StripeClient::new(&self.stripe_config()).unwrap()
    }

    /// Someone else's Salesforce client (a sales team's app), not the product's.
    fn someone(&self) -> SalesforceClient {
        testkit::systems::salesforce_as(&self.sim, "sales-team-app")
    }

    async fn customers(&self) -> Vec<store::Customer> {
        let mut conn = self.db.connect().await.unwrap();
        let (mut all, mut after) = (Vec::new(), None);
        loop {
            let page = store::customer::list(&mut conn, after, 1000).await.unwrap();
            let Some(last) = page.last().map(|c| c.id) else { return all };
            after = Some(last);
            all.extend(page);
        }
    }

    async fn links(&self, integration: &str) -> Vec<Link> {
        let mut conn = self.db.connect().await.unwrap();
        let (mut all, mut after) = (Vec::new(), None);
        loop {
            let page = store::links::links_after(&mut conn, integration, after, 1000).await.unwrap();
            let Some(last) = page.last().map(|l| l.customer_id) else { return all };
            after = Some(last);
            all.extend(page);
        }
    }

    async fn stripe_customers(&self) -> Vec<StripeCustomer> {
        self.stripe()
            .list_all_customers(&stripe_client::ListParams { limit: Some(100), ..Default::default() })
            .await
            .unwrap()
    }

    async fn contacts(&self) -> Vec<SalesforceContact> {
        let fields = [salesforce_client::CONTACT_FIELDS, &["Customer_Id__c"]].concat();
        let query = salesforce_client::soql::Query::contacts(&fields).unwrap();
        self.someone().query_contacts(&query).await.unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The rows of the first table in `text` (cells are separated by two or more spaces).
fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| *l != "(none)")
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect())
        .collect()
}

/// The backfill summary's row for `system`: seen, created, linked, updated, unchanged, skipped, failed.
fn counts(output: &Output, system: &str) -> [u64; 7] {
    let rows = table(&stdout(output));
    let row = rows.iter().find(|r| r[0] == system).unwrap_or_else(|| panic!("no {system} row"));
    let n: Vec<u64> = row[1..8].iter().map(|c| c.parse().unwrap()).collect();
    n.try_into().unwrap()
}

fn fields(name: &str, email: &str) -> CustomerFields {
    CustomerFields { name: name.into(), email: email.into(), phone: None }
}

async fn create_in_catalog(db: &TestDb, name: &str, email: &str) -> Uuid {
    registry::register().unwrap();
    let mut conn = db.connect().await.unwrap();
    store::catalog::create(&mut conn, &fields(name, email), &ChangeContext::local(None)).await.unwrap().id
}

/// Creates Stripe customers, `concurrency` at a time; returns their ids in the order given.
async fn seed_stripe(stripe: &StripeClient, customers: Vec<CustomerParams>, concurrency: usize) -> Vec<String> {
    futures::stream::iter(customers)
        .map(|params| async move {
            let key = IdempotencyKey::new(format!("seed-{}", Uuid::new_v4())).unwrap();
            stripe.create_customer(&params, &key).await.unwrap().body.id
        })
        .buffered(concurrency)
        .collect()
        .await
}

fn person(name: Option<&str>, email: &str) -> CustomerParams {
    CustomerParams { name: name.map(str::to_owned), email: Some(email.to_owned()), ..Default::default() }
}

fn contact(first: &str, last: &str, email: &str) -> SalesforceContact {
    SalesforceContact {
        first_name: Some(first.to_owned()),
        last_name: Some(last.to_owned()),
        email: Some(email.to_owned()),
        ..Default::default()
    }
}

/// What a run could change: the customers (id, fields, version) and the links (customer, system, record,
/// synced version), and the outbox.
async fn snapshot(
    env: &Env,
) -> (Vec<(Uuid, CustomerFields, i64)>, Vec<(Uuid, String, Option<String>, Option<i64>)>, i64) {
    let customers = env.customers().await.into_iter().map(|c| (c.id, c.fields(), c.version)).collect();
    let mut links = Vec::new();
    for integration in ["stripe", "salesforce"] {
        links.extend(
            env.links(integration)
                .await
                .into_iter()
                .map(|l| (l.customer_id, l.integration, l.external_id, l.synced_version)),
        );
    }
    (customers, links, env.db.count("outbox").await.unwrap())
}

const SHARED: usize = 200;
const PER_SIDE: usize = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_links_every_record_once_survives_a_kill_and_changes_nothing_the_second_time() {
    let env = Env::start().await;

    // The catalog already has a few: three in both systems, three only in Stripe, three only in Salesforce
    // (one of them under another case), two in neither.
    let mut existing: HashMap<String, Uuid> = HashMap::new();
    for email in ["shared-0@example.com", "shared-1@example.com", "shared-2@example.com"]
        .into_iter()
        .chain(["stripe-0@example.com", "stripe-1@example.com", "stripe-2@example.com"])
        .chain(["sf-0@example.com", "sf-1@example.com", "sf-case@example.com"])
        .chain(["catalog-only-0@example.com", "catalog-only-1@example.com"])
    {
        existing.insert(email.to_owned(), create_in_catalog(&env.db, "Already Here", email).await);
    }

    // Stripe: 200 shared emails (half with the same name as in Salesforce, half not), 1,798 of its own and
    // two without a name (the catalog requires one). Salesforce: the 200 shared and 1,800 of its own.
    let seeding = Instant::now();
    let mut stripe_people: Vec<CustomerParams> = (0..SHARED)
        .map(|i| {
            let name = if i % 2 == 0 { format!("Shared Person{i}") } else { format!("Stripe Name{i}") };
            person(Some(&name), &format!("shared-{i}@example.com"))
        })
        .collect();
    stripe_people.extend(
        (0..PER_SIDE - SHARED - 2)
            .map(|i| person(Some(&format!("Stripe Only{i}")), &format!("stripe-{i}@example.com"))),
    );
    // The nameless two are made first, so that Stripe (which lists newest first) lists them last: the resumed
    // run meets them. Their ids go last, as the counts below expect.
    let nameless = vec![person(None, "nameless-0@example.com"), person(None, "nameless-1@example.com")];
    let nameless_ids = seed_stripe(&env.stripe(), nameless, 1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // a later `created` second
    let mut stripe_ids = seed_stripe(&env.stripe(), stripe_people, 8).await;
    stripe_ids.extend(nameless_ids);
    let stripe_seconds = seeding.elapsed().as_secs_f64();
    let mut contacts: Vec<SalesforceContact> = (0..SHARED)
        .map(|i| {
            let (first, last) =
                if i % 2 == 0 { ("Shared", format!("Person{i}")) } else { ("Sales", format!("Name{i}")) };
            contact(first, &last, &format!("shared-{i}@example.com"))
        })
        .collect();
    contacts.extend(
        (0..PER_SIDE - SHARED - 1).map(|i| contact("Sales", &format!("Only{i}"), &format!("sf-{i}@example.com"))),
    );
    contacts.push(contact("Case", "Different", "SF-Case@Example.com"));
    let created = env.someone().create_contacts(&contacts).await.unwrap();
    assert!(created.iter().all(|r| r.success));
    let contact_ids: Vec<String> = created.into_iter().map(|r| r.id.unwrap()).collect();
    eprintln!(
        "seeded {PER_SIDE} Stripe customers in {stripe_seconds:.1}s ({:.0}/s, 8 at a time) and {PER_SIDE} Contacts in \
         {:.1}s",
        PER_SIDE as f64 / stripe_seconds,
        seeding.elapsed().as_secs_f64() - stripe_seconds
    );

    // A first run, killed (SIGKILL) once it has finished a few Stripe pages.
    let mut child = env.command(&["backfill"]).spawn().unwrap();
    let mut conn = env.db.connect().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let position = store::backfill::cursor(&mut conn, "stripe").await.unwrap();
        if position.is_some() && env.db.count("customers").await.unwrap() > 300 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the backfill ended before it could be killed");
        assert!(Instant::now() < deadline, "the backfill never saved a position");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let partial = env.db.count("customers").await.unwrap();
    let expected_customers = SHARED + (PER_SIDE - SHARED - 2) + (PER_SIDE - SHARED) + 2;
    assert!(partial < expected_customers as i64, "killed mid-run: {partial} customers so far");
    let stopped_at = store::backfill::cursor(&mut conn, "stripe").await.unwrap().unwrap();

    // Resumed: it goes on after the last finished page and ends like an uninterrupted run.
    let resumed = env.syncctl(&["backfill"]).await;
    assert_eq!(resumed.status.code(), Some(1), "two records could not be applied");
    assert!(stderr(&resumed).contains(&format!("stripe: resuming after {stopped_at}")), "{}", stderr(&resumed));
    let [seen, ..] = counts(&resumed, "stripe");
    assert!(seen < PER_SIDE as u64, "the resumed run starts after the saved position: {seen}");
    assert_eq!(counts(&resumed, "salesforce")[0], PER_SIDE as u64);
    let out = stdout(&resumed);
    let failures: Vec<_> = out.lines().filter(|l| l.contains("failed") && l.starts_with("stripe")).collect();
    assert_eq!(failures.len(), 2, "{out}");
    assert!(failures.iter().all(|l| l.contains("name must not be empty")), "{out}");
    assert!(store::backfill::cursor(&mut conn, "stripe").await.unwrap().is_none(), "done: the position is forgotten");

    // One customer per distinct email, every record linked once, shared emails linked to one customer.
    let customers = env.customers().await;
    assert_eq!(customers.len(), expected_customers);
    let by_email: HashMap<String, &store::Customer> = customers.iter().map(|c| (c.email.to_lowercase(), c)).collect();
    assert_eq!(by_email.len(), customers.len(), "no two customers share an email");
    for (email, id) in &existing {
        assert_eq!(by_email[email].id, *id, "{email} was linked to the customer already there");
    }
    let stripe_links: BTreeMap<String, Uuid> =
        env.links("stripe").await.into_iter().map(|l| (l.external_id.unwrap(), l.customer_id)).collect();
    let sf_links: BTreeMap<String, Uuid> =
        env.links("salesforce").await.into_iter().map(|l| (l.external_id.unwrap(), l.customer_id)).collect();
    let valid_stripe: BTreeSet<String> = stripe_ids[..PER_SIDE - 2].iter().cloned().collect();
    assert_eq!(stripe_links.keys().cloned().collect::<BTreeSet<_>>(), valid_stripe, "every valid customer linked");
    assert_eq!(sf_links.keys().cloned().collect::<BTreeSet<_>>(), contact_ids.iter().cloned().collect());
    let stripe_records = env.stripe_customers().await;
    assert_eq!(stripe_records.len(), PER_SIDE, "no Stripe customer created or deleted");
    for c in &stripe_records {
        if let Some(linked) = stripe_links.get(&c.id) {
            assert_eq!(by_email[&c.email.clone().unwrap()].id, *linked, "{} linked by its email", c.id);
        }
    }
    let sf_records = env.contacts().await;
    assert_eq!(sf_records.len(), PER_SIDE, "no Contact created or deleted");
    for c in &sf_records {
        let id = c.id.clone().unwrap();
        let linked = sf_links[&id];
        assert_eq!(by_email[&c.email.clone().unwrap().to_lowercase()].id, linked, "{id} linked by its email");
        assert_eq!(c.local_id(), Some(linked), "{id} carries its customer's id for the product's upserts");
    }
    for i in 0..SHARED {
        let customer = by_email[&format!("shared-{i}@example.com")].id;
        assert_eq!(stripe_links[&stripe_ids[i]], customer, "shared {i}: the Stripe record");
        assert_eq!(sf_links[&contact_ids[i]], customer, "shared {i}: the Contact, linked to the same customer");
    }

    // A second full run changes nothing.
    let before = snapshot(&env).await;
    let again = env.syncctl(&["backfill"]).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(counts(&again, "stripe"), [PER_SIDE as u64, 0, 0, 0, PER_SIDE as u64 - 2, 0, 2]);
    assert_eq!(counts(&again, "salesforce"), [PER_SIDE as u64, 0, 0, 0, PER_SIDE as u64, 0, 0]);
    assert_eq!(snapshot(&env).await, before, "the second run changed nothing");

    // A saved position is where a run goes on, unless --restart.
    let last = contact_ids.iter().max().unwrap().clone();
    store::backfill::set_cursor(&mut conn, "salesforce", &last).await.unwrap();
    let resumed = env.syncctl(&["backfill", "--integration", "salesforce"]).await;
    assert_eq!(resumed.status.code(), Some(0));
    assert_eq!(counts(&resumed, "salesforce")[0], 0, "nothing after the last Contact");
    store::backfill::set_cursor(&mut conn, "salesforce", &last).await.unwrap();
    let restarted = env.syncctl(&["backfill", "--integration", "salesforce", "--restart"]).await;
    assert_eq!(restarted.status.code(), Some(0));
    assert_eq!(counts(&restarted, "salesforce"), [PER_SIDE as u64, 0, 0, 0, PER_SIDE as u64, 0, 0]);
    assert!(table(&stdout(&restarted)).iter().all(|r| r[0] != "stripe"), "--integration: Salesforce only");
    assert_eq!(snapshot(&env).await, before);

    let trail = store::access::list_audit(&mut conn, &Default::default()).await.unwrap();
    let runs: Vec<_> = trail.iter().filter(|e| e.action == "syncctl backfill").collect();
    assert_eq!(runs.len(), 4, "every finished run is in the audit trail (the killed one could not say)");
    assert!(runs.iter().all(|e| e.actor == "cli:ops-alice"));
    assert!(runs.iter().any(|e| e.target.as_deref().is_some_and(|t| t.contains("restart"))));
}

/// Engines as the worker builds them, over this test's database and systems.
fn engines(env: &Env) -> (Engine, Engine) {
    let pool = store::db::pool(&env.db.url, 4).unwrap();
    let stripe = sync_stripe::StripeConnector::new(&env.stripe_config(), 4).unwrap();
    let salesforce = sync_salesforce::SalesforceConnector::new(testkit::systems::salesforce(&env.sim));
    (Engine::new(pool.clone(), Arc::new(stripe)), Engine::new(pool, Arc::new(salesforce)))
}

/// What the workers would do with the outbox: each integration's engine reconciles the customers its
/// events name (the resyncs `--fix` queued); the outbox is then emptied.
async fn drain_outbox(env: &Env, stripe: &Engine, salesforce: &Engine) -> usize {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        topic: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        payload: String,
    }
    let mut conn = env.db.connect().await.unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT topic, payload::text AS payload FROM outbox ORDER BY id")
        .load(&mut conn)
        .await
        .unwrap();
    let mut ids: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for row in &rows {
        let event: events::CustomerEvent = serde_json::from_str(&row.payload).unwrap();
        let integration = if row.topic.starts_with("stripe-") { "stripe" } else { "salesforce" };
        ids.entry(integration).or_default().push(event.customer_id.unwrap());
    }
    for (engine, name) in [(stripe, "stripe"), (salesforce, "salesforce")] {
        for (id, result) in engine.reconcile(ids.get(name).map(Vec::as_slice).unwrap_or_default()).await {
            assert!(result.is_ok(), "{name} push of {id}: {result:?}");
        }
    }
    diesel::sql_query("DELETE FROM outbox").execute(&mut conn).await.unwrap();
    rows.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_reports_injected_drift_exactly_and_fix_repairs_it() {
    let env = Env::start().await;
    let (stripe_engine, sf_engine) = engines(&env);
    let stripe = env.stripe();
    let someone = env.someone();

    // A, B, C and E in both systems, except E only in Stripe so far.
    let a = create_in_catalog(&env.db, "Ada Lovelace", "ada@example.com").await;
    let b = create_in_catalog(&env.db, "Grace Hopper", "grace@example.com").await;
    let c = create_in_catalog(&env.db, "Katherine Johnson", "katherine@example.com").await;
    let e = create_in_catalog(&env.db, "Mary Jackson", "mary@example.com").await;
    for (id, result) in stripe_engine.reconcile(&[a, b, c, e]).await {
        assert!(result.is_ok(), "{id}: {result:?}");
    }
    for (id, result) in sf_engine.reconcile(&[a, b, c]).await {
        assert!(result.is_ok(), "{id}: {result:?}");
    }
    let mut conn = env.db.connect().await.unwrap();
    let link = |links: Vec<Link>| links.into_iter().next().and_then(|l| l.external_id).unwrap();
    let a_stripe = link(store::links::links(&mut conn, "stripe", &[a]).await.unwrap());
    let b_contact = link(store::links::links(&mut conn, "salesforce", &[b]).await.unwrap());

    // Drift: A renamed in Stripe behind the product's back; B's Contact deleted in Salesforce (unheard of);
    // a Stripe customer of D, a customer deleted in the catalog; a Contact of a customer the catalog never had;
    // and a Stripe customer the catalog does not know at all (not drift: backfill's business).
    let params = CustomerParams { name: Some("Ada King".into()), ..Default::default() };
    let foreign = IdempotencyKey::new(format!("dashboard-{}", Uuid::new_v4())).unwrap();
    stripe.update_customer(&a_stripe, &params, &foreign).await.unwrap();
    someone.delete_contact(&b_contact).await.unwrap();
    let d = create_in_catalog(&env.db, "Dorothy Vaughan", "dorothy@example.com").await;
    store::catalog::delete(&mut conn, d, None, &ChangeContext::local(None)).await.unwrap();
    let d_stripe = seed_stripe(
        &stripe,
        vec![CustomerParams::from_fields(&fields("Dorothy Vaughan", "dorothy@example.com"), d)],
        1,
    )
    .await
    .remove(0);
    let u = Uuid::now_v7();
    let u_contact = someone
        .create_contact(&SalesforceContact {
            customer_id: Some(u.to_string()),
            ..contact("Unknown", "Person", "unknown@example.com")
        })
        .await
        .unwrap();
    seed_stripe(&stripe, vec![person(Some("Not Imported"), "not-imported@example.com")], 1).await;
    diesel::sql_query("DELETE FROM outbox").execute(&mut conn).await.unwrap();

    let s = |v: &str| v.to_owned();
    let drift = vec![
        vec![s("stripe"), s("different"), a.to_string(), a_stripe.clone(), s("differs: name")],
        vec![s("stripe"), s("orphaned"), d.to_string(), d_stripe.clone(), s("its customer was deleted")],
        vec![s("salesforce"), s("missing"), b.to_string(), b_contact.clone(), s("the linked record no longer exists")],
        vec![s("salesforce"), s("missing"), e.to_string(), s("-"), s("no record")],
        vec![s("salesforce"), s("orphaned"), u.to_string(), u_contact.clone(), s("its customer is not in the catalog")],
    ];
    let report = env.syncctl(&["reconcile"]).await;
    assert_eq!(report.status.code(), Some(1), "drift found");
    let out = stdout(&report);
    assert_eq!(table(&out), drift, "{out}");
    assert!(
        out.contains("stripe: 6 records; 3 in sync, 0 missing, 1 different, 1 orphaned, 0 duplicate; 1 not linked"),
        "{out}"
    );
    assert!(
        out.contains("salesforce: 3 records; 2 in sync, 2 missing, 0 different, 1 orphaned, 0 duplicate; 0 not linked"),
        "{out}"
    );
    assert_eq!(env.db.count("outbox").await.unwrap(), 0, "a report changes nothing");
    let only_stripe = env.syncctl(&["reconcile", "--integration", "stripe"]).await;
    assert_eq!(table(&stdout(&only_stripe)), drift[..2].to_vec());

    // --fix: the same table with what was done; resyncs queued, the deleted customer's record deleted.
    let fixed = env.syncctl(&["reconcile", "--fix"]).await;
    assert_eq!(fixed.status.code(), Some(1), "drift was found, even though repairs are queued");
    let actions = [
        "resync queued",
        "deleted",
        "unlinked, resync queued",
        "resync queued",
        "left: not known to be ours to delete",
    ];
    let expected: Vec<Vec<String>> =
        drift.iter().zip(actions).map(|(row, action)| [row.clone(), vec![s(action)]].concat()).collect();
    assert_eq!(table(&stdout(&fixed)), expected, "{}", stdout(&fixed));
    let orphan = stripe.retrieve_customer(&d_stripe).await.unwrap().body;
    assert!(matches!(orphan, stripe_client::Retrieved::Deleted { .. }), "the orphan is deleted: {orphan:?}");
    assert_eq!(someone.get_contact(&u_contact, None).await.unwrap().local_id(), Some(u), "the unknown one is left");

    // The workers push the resyncs (here: the engines, as the worker would); then only the unknown Contact is
    // left, and once it is gone, no drift.
    assert!(drain_outbox(&env, &stripe_engine, &sf_engine).await >= 6, "A, B and E resynced to both systems");
    let after = env.syncctl(&["reconcile"]).await;
    assert_eq!(table(&stdout(&after)), drift[4..].to_vec(), "{}", stdout(&after));
    let a_now = match stripe.retrieve_customer(&a_stripe).await.unwrap().body {
        stripe_client::Retrieved::Active(c) => c,
        other => panic!("A's Stripe customer: {other:?}"),
    };
    assert_eq!(a_now.name.as_deref(), Some("Ada Lovelace"), "the catalog's name is back in Stripe");
    let recreated = someone.find_contact_by_customer_id(&b.to_string()).await.unwrap().unwrap();
    assert_ne!(recreated.id.as_deref(), Some(b_contact.as_str()), "B's Contact was created anew");
    someone.delete_contact(&u_contact).await.unwrap();
    let clean = env.syncctl(&["reconcile"]).await;
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    assert!(table(&stdout(&clean)).is_empty());
    assert!(stdout(&clean).contains("\nno drift\n"));

    let trail = store::access::list_audit(&mut conn, &Default::default()).await.unwrap();
    let runs: Vec<_> = trail.iter().rev().filter(|e| e.action == "syncctl reconcile").collect();
    assert_eq!(runs.len(), 5);
    assert!(runs.iter().all(|e| e.actor == "cli:ops-alice"));
    assert_eq!(runs.iter().map(|e| e.status).collect::<Vec<_>>(), [1, 1, 1, 1, 0]);
    assert!(runs[2].target.as_deref().is_some_and(|t| t.ends_with("; fix")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_fix_links_rather_than_twins_and_sets_the_salesforce_external_id() {
    let env = Env::start().await;
    let (stripe_engine, sf_engine) = engines(&env);
    let stripe = env.stripe();
    let someone = env.someone();
    let f = create_in_catalog(&env.db, "Frances Allen", "frances@example.com").await;
    let g = create_in_catalog(&env.db, "Gladys West", "gladys@example.com").await;
    let h = create_in_catalog(&env.db, "Hedy Lamarr", "hedy@example.com").await;
    for (id, result) in stripe_engine.reconcile(&[g, h]).await.into_iter().chain(sf_engine.reconcile(&[g]).await) {
        assert!(result.is_ok(), "{id}: {result:?}");
    }
    let mut conn = env.db.connect().await.unwrap();
    let g_stripe = store::links::links(&mut conn, "stripe", &[g]).await.unwrap().remove(0).external_id.unwrap();

    // F's Stripe customer exists (it carries F's id) but its link was lost; G has a twin in Stripe; H's Contact
    // was made in Salesforce and linked by an inbound change, so it lacks Customer_Id__c.
    let carriers = vec![
        CustomerParams::from_fields(&fields("Frances Allen", "frances@example.com"), f),
        CustomerParams::from_fields(&fields("Gladys West", "gladys@example.com"), g),
    ];
    let [f_stripe, g_twin]: [String; 2] = seed_stripe(&stripe, carriers, 1).await.try_into().unwrap();
    let h_contact = someone.create_contact(&contact("Hedy", "Lamarr", "hedy@example.com")).await.unwrap();
    let h_record = someone.get_contact(&h_contact, None).await.unwrap();
    let event = sync_salesforce::inbound::contact_event(&h_record, events::Action::Created, "test", chrono::Utc::now())
        .unwrap();
    assert_eq!(sf_engine.apply_inbound(&event).await, Ok(sync_core::Outcome::UpToDate));
    diesel::sql_query("DELETE FROM outbox").execute(&mut conn).await.unwrap();

    let s = |v: &str| v.to_owned();
    let drift = [
        vec![
            s("stripe"),
            s("missing"),
            f.to_string(),
            f_stripe.clone(),
            format!("not linked; {f_stripe} carries its id"),
        ],
        vec![
            s("stripe"),
            s("duplicate"),
            g.to_string(),
            g_twin.clone(),
            format!("its customer is linked to {g_stripe}"),
        ],
        vec![s("salesforce"), s("missing"), f.to_string(), s("-"), s("no record")],
        vec![s("salesforce"), s("different"), h.to_string(), h_contact.clone(), s("differs: Customer_Id__c")],
    ];
    let fixed = env.syncctl(&["reconcile", "--fix"]).await;
    assert_eq!(fixed.status.code(), Some(1));
    let actions =
        [format!("linked {f_stripe}, resync queued"), s("left: a twin"), s("resync queued"), s("Customer_Id__c set")];
    let expected: Vec<Vec<String>> =
        drift.iter().zip(actions).map(|(row, action)| [row.clone(), vec![action]].concat()).collect();
    assert_eq!(table(&stdout(&fixed)), expected, "{}", stdout(&fixed));

    drain_outbox(&env, &stripe_engine, &sf_engine).await;
    let after = env.syncctl(&["reconcile"]).await;
    assert_eq!(table(&stdout(&after)), drift[1..2].to_vec(), "only the twin is left: {}", stdout(&after));
    let f_customers = testkit::systems::stripe_customers_of(&stripe, f).await;
    assert_eq!(f_customers.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), [f_stripe], "linked, not twinned");
    assert_eq!(someone.get_contact(&h_contact, None).await.unwrap().local_id(), Some(h));

    // With its external id set, a change to H updates its Contact instead of creating another.
    let patch = store::CustomerPatch { name: Some("Hedy Kiesler".into()), ..Default::default() };
    store::catalog::update(&mut conn, h, &patch, None, &ChangeContext::local(None)).await.unwrap();
    for (id, result) in sf_engine.reconcile(&[h]).await {
        assert!(result.is_ok(), "{id}: {result:?}");
    }
    let contacts = someone.find_contacts_by_email("hedy@example.com").await.unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0].fields().name, "Hedy Kiesler");
}
