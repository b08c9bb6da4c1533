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

fn run(q: &str) -> Result<Vec<String>, SoqlError> {
    let rs = records();
    let parsed = parse(q, &schema())?;
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0")?;
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
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0").unwrap();
    let r = out.records[0].as_object().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r["attributes"]["type"], "Contact");
    assert_eq!(r["attributes"]["url"], "/services/data/v59.0/sobjects/Contact/003Sm0000000001IAA");
}

#[test]
fn count_returns_the_number_of_matches_without_records() {
    let rs = records();
    let parsed = parse("SELECT COUNT() FROM Contact WHERE FirstName LIKE 'A%'", &schema()).unwrap();
    let out = evaluate(&parsed, &schema(), rs.iter(), "v59.0").unwrap();
    assert_eq!((out.total, out.records.len()), (2, 0));
}
