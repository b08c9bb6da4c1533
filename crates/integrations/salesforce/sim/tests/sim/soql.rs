use chrono::{DateTime, Utc};
use salesforce_sim::Schema;
use salesforce_sim::soql::{SoqlError, evaluate, parse};
use serde_json::{Map, Value, json};

fn schema() -> Schema {
    Schema::contact("Customer_Id__c", true)
}

fn records() -> Vec<Map<String, Value>> {
    let rows = [
        ("003Sm0000000001IAA", "Ada", "Lovelace", "ada@example.com", "c-1", "2024-10-10T19:13:07.000+0000"),
        ("003Sm0000000002IAA", "Alan", "Turing", "alan@example.com", "c-2", "2024-10-11T08:00:00.000+0000"),
        ("003Sm0000000003IAA", "Grace", "Hopper", "grace@example.com", "c-3", "2024-10-12T08:00:00.000+0000"),
    ];
    rows.iter()
        .map(|(id, f, l, e, c, t)| {
            let v = json!({"Id": id, "FirstName": f, "LastName": l, "Name": format!("{f} {l}"), "Email": e, "Customer_Id__c": c, "SystemModstamp": t, "IsDeleted": false});
            v.as_object().expect("object").clone()
        })
        .collect()
}

/// The clock the queries run at: noon of the day Hopper was last modified.
fn now() -> DateTime<Utc> {
    "2024-10-12T12:00:00Z".parse().expect("date-time")
}

fn run(q: &str) -> Result<Vec<String>, SoqlError> {
    run_at(q, now())
}

fn run_at(q: &str, now: DateTime<Utc>) -> Result<Vec<String>, SoqlError> {
    let rs = records();
    let parsed = parse(q, &schema())?;
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0", now)?;
    Ok(out.records.iter().map(|r| r["LastName"].as_str().unwrap_or("-").to_owned()).collect())
}

#[test]
fn where_with_and_or_in_and_comparisons_selects_the_right_records() {
    assert_eq!(run("SELECT LastName FROM Contact WHERE Email = 'ADA@example.com'").unwrap(), ["Lovelace"]);
    assert_eq!(run("select lastname from contact where FirstName != 'Ada' and (LastName = 'Turing' or LastName = 'Hopper') order by LastName").unwrap(), ["Hopper", "Turing"]);
    assert_eq!(
        run("SELECT LastName FROM Contact WHERE Customer_Id__c IN ('c-1','c-3')").unwrap(),
        ["Lovelace", "Hopper"]
    );
    assert_eq!(run("SELECT LastName FROM Contact WHERE Customer_Id__c NOT IN ('c-1','c-3')").unwrap(), ["Turing"]);
    assert_eq!(
        run("SELECT LastName FROM Contact WHERE SystemModstamp > 2024-10-11T00:00:00Z").unwrap(),
        ["Turing", "Hopper"]
    );
    assert_eq!(
        run("SELECT LastName FROM Contact WHERE SystemModstamp < 2024-10-11T08:00:00.000+0000").unwrap(),
        ["Lovelace"]
    );
    assert_eq!(run("SELECT LastName FROM Contact WHERE Id = '003Sm0000000002'").unwrap(), ["Turing"]);
    assert_eq!(run("SELECT LastName FROM Contact WHERE Name LIKE 'a%'").unwrap(), ["Lovelace", "Turing"]);
}

#[test]
fn date_literals_select_whole_utc_days_of_the_clock() {
    let q = |cond: &str| run(&format!("SELECT LastName FROM Contact WHERE {cond} ORDER BY SystemModstamp"));
    assert_eq!(q("SystemModstamp = TODAY").unwrap(), ["Hopper"]);
    assert_eq!(q("systemmodstamp = today").unwrap(), ["Hopper"]);
    assert_eq!(q("SystemModstamp = YESTERDAY").unwrap(), ["Turing"]);
    assert_eq!(q("SystemModstamp < TODAY").unwrap(), ["Lovelace", "Turing"]);
    assert_eq!(q("SystemModstamp <= YESTERDAY").unwrap(), ["Lovelace", "Turing"]);
    assert_eq!(q("SystemModstamp > YESTERDAY").unwrap(), ["Hopper"]);
    assert_eq!(q("SystemModstamp != YESTERDAY").unwrap(), ["Lovelace", "Hopper"]);
    assert_eq!(q("SystemModstamp IN (TODAY, YESTERDAY)").unwrap(), ["Turing", "Hopper"]);
    assert_eq!(q("SystemModstamp = LAST_N_DAYS:0").unwrap(), ["Hopper"]);
    assert_eq!(q("SystemModstamp >= LAST_N_DAYS:1").unwrap(), ["Turing", "Hopper"]);
    assert_eq!(q("SystemModstamp >= LAST_N_DAYS:2").unwrap(), ["Lovelace", "Turing", "Hopper"]);
    assert_eq!(q("SystemModstamp < LAST_N_DAYS:1").unwrap(), ["Lovelace"]);
}

#[test]
fn last_n_days_starts_at_midnight_n_days_ago_whatever_the_time_of_day() {
    let q = "SELECT LastName FROM Contact WHERE SystemModstamp >= LAST_N_DAYS:2";
    let just_after_midnight = "2024-10-12T00:00:00.001Z".parse().unwrap();
    let just_before_midnight = "2024-10-12T23:59:59.999Z".parse().unwrap();
    assert_eq!(run_at(q, just_after_midnight).unwrap(), ["Lovelace", "Turing", "Hopper"]);
    assert_eq!(run_at(q, just_before_midnight).unwrap(), ["Lovelace", "Turing", "Hopper"]);
    let a_day_later = "2024-10-13T00:00:00Z".parse().unwrap();
    assert_eq!(run_at(q, a_day_later).unwrap(), ["Turing", "Hopper"]);
}

#[test]
fn date_literals_are_refused_on_fields_that_are_not_dates_and_when_malformed() {
    assert!(matches!(run("SELECT Id FROM Contact WHERE LastName = TODAY"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE IsDeleted = YESTERDAY"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE SystemModstamp > LAST_N_DAYS"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE SystemModstamp > LAST_N_DAYS:x"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE SystemModstamp > NEXT_N_DAYS:2"), Err(SoqlError::Malformed(_))));
}

#[test]
fn order_by_descending_limit_and_offset_page_the_result() {
    assert_eq!(run("SELECT LastName FROM Contact ORDER BY SystemModstamp DESC LIMIT 2").unwrap(), ["Hopper", "Turing"]);
    assert_eq!(run("SELECT LastName FROM Contact ORDER BY LastName ASC LIMIT 1 OFFSET 1").unwrap(), ["Lovelace"]);
}

#[test]
fn escaped_quotes_and_backslashes_are_literal_and_injection_finds_nothing() {
    assert_eq!(run(r"SELECT LastName FROM Contact WHERE LastName = 'O\'Brien\\'").unwrap(), Vec::<String>::new());
    assert_eq!(run(r"SELECT LastName FROM Contact WHERE LastName = '\' OR Name != \''").unwrap(), Vec::<String>::new());
    assert!(matches!(run("SELECT LastName FROM Contact WHERE LastName = '' OR Name != ''"), Ok(v) if v.len() == 3));
}

#[test]
fn unknown_fields_objects_and_bad_syntax_get_salesforce_error_codes() {
    assert!(matches!(run("SELECT Foo FROM Contact"), Err(SoqlError::InvalidField(_))));
    assert!(matches!(run("SELECT Id FROM Account"), Err(SoqlError::InvalidType(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE LastName = 'x"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE SystemModstamp > '2024-10-10'"), Err(SoqlError::Malformed(_))));
    assert!(matches!(run("SELECT Id FROM Contact WHERE Id = 'nope'"), Err(SoqlError::InvalidFilter(_))));
}

#[test]
fn projection_keeps_attributes_and_only_the_selected_fields() {
    let rs = records();
    let parsed = parse("SELECT Id, Email FROM Contact LIMIT 1", &schema()).unwrap();
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0", now()).unwrap();
    let r = out.records[0].as_object().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r["attributes"]["type"], "Contact");
    assert_eq!(r["attributes"]["url"], "/services/data/v59.0/sobjects/Contact/003Sm0000000001IAA");
}

#[test]
fn count_returns_the_number_of_matches_without_records() {
    let rs = records();
    let parsed = parse("SELECT COUNT() FROM Contact WHERE FirstName LIKE 'A%'", &schema()).unwrap();
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0", now()).unwrap();
    assert_eq!((out.total, out.records.len()), (2, 0));
}
