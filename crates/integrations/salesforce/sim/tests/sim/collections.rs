use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::start;

fn contact(fields: Value) -> Value {
    let mut v = json!({"attributes": {"type": "Contact"}});
    v.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    v
}

#[tokio::test]
async fn a_create_collection_reports_per_record_results_in_order() {
    let t = start().await;
    let records = vec![
        contact(json!({"LastName": "Ok"})),
        contact(json!({"FirstName": "NoLast"})),
        contact(json!({"LastName": "Ok2"})),
    ];
    let (status, r) =
        t.json(Method::POST, "/composite/sobjects", Some(json!({"allOrNone": false, "records": records}))).await;
    assert_eq!(status, 200);
    assert_eq!(r[0]["success"], true);
    assert_eq!(r[1]["success"], false);
    assert_eq!(r[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(r[1]["errors"][0]["fields"][0], "LastName");
    assert_eq!(r[2]["success"], true);
    assert_eq!(t.sim.control.snapshot()["contacts"], 2);
}

#[tokio::test]
async fn all_or_none_rolls_every_record_back_when_one_fails() {
    let t = start().await;
    let records = vec![contact(json!({"LastName": "A"})), contact(json!({"LastName": "x".repeat(81)}))];
    let (_, r) =
        t.json(Method::POST, "/composite/sobjects", Some(json!({"allOrNone": true, "records": records}))).await;
    assert_eq!(r[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    assert_eq!(r[1]["errors"][0]["statusCode"], "STRING_TOO_LONG");
    assert_eq!(t.sim.control.snapshot()["contacts"], 0);
}

#[tokio::test]
async fn update_upsert_and_delete_collections_work_and_report_created_flags() {
    let t = start().await;
    let a = t.create(json!({"LastName": "A"})).await;
    let updates = vec![
        contact(json!({"id": a, "Email": "a@example.com"})),
        contact(json!({"id": "003Sm000000000zZZZ", "LastName": "B"})),
    ];
    let (_, r) = t.json(Method::PATCH, "/composite/sobjects", Some(json!({"records": updates}))).await;
    assert_eq!(
        (r[0]["success"].clone(), r[1]["errors"][0]["statusCode"].clone()),
        (json!(true), json!("MALFORMED_ID"))
    );
    let upserts = vec![
        contact(json!({"Customer_Id__c": "u1", "LastName": "U1"})),
        contact(json!({"Customer_Id__c": "u1", "LastName": "U1b"})),
    ];
    let (status, r) = t
        .json(
            Method::PATCH,
            "/composite/sobjects/Contact/Customer_Id__c",
            Some(json!({"allOrNone": false, "records": upserts})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r[0]["created"].clone(), r[1]["created"].clone()), (json!(true), json!(false)));
    assert_eq!(r[0]["id"], r[1]["id"]);
    let u1 = r[0]["id"].as_str().unwrap().to_owned();
    let (_, r) = t.json(Method::DELETE, &format!("/composite/sobjects?ids={a},{u1},{a}&allOrNone=false"), None).await;
    assert_eq!(r[0]["success"], true);
    assert_eq!(r[1]["success"], true);
    assert_eq!(r[2]["errors"][0]["statusCode"], "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn more_than_200_records_are_refused() {
    let t = start().await;
    let records: Vec<Value> = (0..201).map(|i| contact(json!({"LastName": format!("L{i}")}))).collect();
    let (status, e) = t.json(Method::POST, "/composite/sobjects", Some(json!({"records": records}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("EXCEEDED_ID_LIMIT")));
}

#[tokio::test]
async fn a_rolled_back_create_returns_no_ids_and_stores_nothing() {
    let t = start().await;
    let records = vec![
        contact(json!({"LastName": "Would"})),
        contact(json!({"FirstName": "NoLast"})),
        contact(json!({"LastName": "Succeed"})),
    ];
    let (status, r) =
        t.json(Method::POST, "/composite/sobjects", Some(json!({"allOrNone": true, "records": records}))).await;
    assert_eq!(status, 200, "{r}");
    let results = r.as_array().unwrap();
    assert_eq!(results.len(), 3);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["success"], false, "{result}");
        assert!(result.get("id").is_none_or(Value::is_null), "record {i} was never created: {result}");
    }
    for result in [&r[0], &r[2]] {
        assert_eq!(result["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
        assert_eq!(
            result["errors"][0]["message"],
            "Record rolled back because not all records were valid and the request was using AllOrNone header"
        );
    }
    assert_eq!(r[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let state = t.sim.control.snapshot();
    assert_eq!((&state["contacts"], &state["recycle_bin"]), (&json!(0), &json!(0)), "nothing was stored");
    let (_, q) = t.json(Method::GET, "/query?q=SELECT+Id+FROM+Contact", None).await;
    assert_eq!(q["totalSize"], 0);
}

#[tokio::test]
async fn a_rolled_back_upsert_returns_no_ids_and_leaves_existing_records_unchanged() {
    let t = start().await;
    let existing = t.create(json!({"LastName": "Before", "Customer_Id__c": "e-1"})).await;
    let upserts = vec![
        contact(json!({"Customer_Id__c": "e-1", "LastName": "After"})),
        contact(json!({"Customer_Id__c": "n-1", "LastName": "New"})),
        contact(json!({"Customer_Id__c": "n-2", "LastName": "x".repeat(81)})),
    ];
    let (_, r) = t
        .json(
            Method::PATCH,
            "/composite/sobjects/Contact/Customer_Id__c",
            Some(json!({"allOrNone": true, "records": upserts})),
        )
        .await;
    let codes: Vec<_> = r.as_array().unwrap().iter().map(|x| x["errors"][0]["statusCode"].clone()).collect();
    assert_eq!(codes, ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "STRING_TOO_LONG"]);
    for result in r.as_array().unwrap() {
        assert_eq!(result["success"], false, "{result}");
        assert!(result.get("id").is_none_or(Value::is_null), "nothing was saved: {result}");
    }
    let (_, got) = t.json(Method::GET, &format!("/sobjects/Contact/{existing}"), None).await;
    assert_eq!(got["LastName"], "Before");
    assert_eq!(t.sim.control.snapshot()["contacts"], 1);
}
