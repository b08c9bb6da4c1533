use reqwest::Method;
use salesforce_sim::SimConfig;
use serde_json::json;

use crate::helpers::{config, start, start_with};

#[tokio::test]
async fn a_created_contact_reads_back_with_server_kept_fields_and_the_salesforce_date_format() {
    let t = start().await;
    let id = t.create(json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"})).await;
    assert!(id.starts_with("003") && id.len() == 18);
    let (status, r) = t.json(Method::GET, &format!("/sobjects/Contact/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(r["Name"], "Ada Lovelace");
    assert_eq!(r["IsDeleted"], false);
    assert_eq!(r["attributes"]["url"], format!("/services/data/v59.0/sobjects/Contact/{id}"));
    let stamp = r["SystemModstamp"].as_str().unwrap();
    assert_eq!(stamp.len(), "2024-10-10T19:13:07.000+0000".len(), "{stamp}");
    assert!(stamp.ends_with("+0000") && stamp.as_bytes()[19] == b'.', "{stamp}");
    assert_eq!(r["CreatedDate"], r["LastModifiedDate"]);
}

#[tokio::test]
async fn get_with_fields_returns_only_those_and_rejects_unknown_ones() {
    let t = start().await;
    let id = t.create(json!({"LastName": "Hopper", "Email": "grace@example.com"})).await;
    let (_, r) = t.json(Method::GET, &format!("/sobjects/Contact/{id}?fields=Email,lastname"), None).await;
    assert_eq!(r.as_object().unwrap().len(), 3, "{r}");
    assert_eq!(r["LastName"], "Hopper");
    let (status, e) = t.json(Method::GET, &format!("/sobjects/Contact/{id}?fields=Nope"), None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("INVALID_FIELD")));
}

#[tokio::test]
async fn update_changes_fields_and_advances_the_modstamp() {
    let t = start().await;
    let id = t.create(json!({"LastName": "Turing"})).await;
    let (_, before) = t.json(Method::GET, &format!("/sobjects/Contact/{id}"), None).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, _) = t
        .json(Method::PATCH, &format!("/sobjects/Contact/{id}"), Some(json!({"FirstName": "Alan", "Phone": ""})))
        .await;
    assert_eq!(status, 204);
    let (_, after) = t.json(Method::GET, &format!("/sobjects/Contact/{id}"), None).await;
    assert_eq!(after["Name"], "Alan Turing");
    assert!(after["SystemModstamp"].as_str() > before["SystemModstamp"].as_str());
    assert_eq!(after["CreatedDate"], before["CreatedDate"]);
}

#[tokio::test]
async fn a_deleted_contact_is_in_the_recycle_bin_and_answers_entity_is_deleted() {
    let t = start().await;
    let id = t.create(json!({"LastName": "Gone"})).await;
    assert_eq!(t.json(Method::DELETE, &format!("/sobjects/Contact/{id}"), None).await.0, 204);
    let (status, e) = t.json(Method::GET, &format!("/sobjects/Contact/{id}"), None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (404, Some("ENTITY_IS_DELETED")));
    let (status, e) = t.json(Method::DELETE, &format!("/sobjects/Contact/{id}"), None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (404, Some("ENTITY_IS_DELETED")));
    let q = format!("/queryAll?q=SELECT+Id,IsDeleted+FROM+Contact+WHERE+Id='{id}'");
    let (_, all) = t.json(Method::GET, &q, None).await;
    assert_eq!(all["records"][0]["IsDeleted"], true);
    let (_, live) = t.json(Method::GET, &q.replace("queryAll", "query"), None).await;
    assert_eq!(live["totalSize"], 0);
}

#[tokio::test]
async fn ids_unknown_malformed_and_of_another_object_get_the_right_errors() {
    let t = start().await;
    let unknown = salesforce_sim::ids::generate("003", 999_999);
    let (status, e) = t.json(Method::GET, &format!("/sobjects/Contact/{unknown}"), None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (404, Some("NOT_FOUND")));
    let (status, e) =
        t.json(Method::PATCH, "/sobjects/Contact/001M000000qfPySIAU", Some(json!({"LastName": "x"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("MALFORMED_ID")));
    let (status, e) = t.json(Method::DELETE, "/sobjects/Contact/003Sm0000000001ZZZ", None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("MALFORMED_ID")));
    let (status, _) = t.json(Method::GET, "/sobjects/Account/001M000000qfPySIAU", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn writes_are_validated_like_salesforce() {
    let t = start().await;
    let cases = [
        (json!({"FirstName": "NoLast"}), "REQUIRED_FIELD_MISSING", "LastName"),
        (json!({"LastName": "x".repeat(81)}), "STRING_TOO_LONG", "LastName"),
        (json!({"LastName": "x", "FirstName": "y".repeat(41)}), "STRING_TOO_LONG", "FirstName"),
        (json!({"LastName": "x", "Email": "not-an-email"}), "INVALID_EMAIL_ADDRESS", "Email"),
        (json!({"LastName": "x", "Bogus__c": "1"}), "INVALID_FIELD", ""),
        (json!({"LastName": "x", "Name": "Full"}), "INVALID_FIELD_FOR_INSERT_UPDATE", "Name"),
        (json!({"LastName": "x", "Id": "003Sm0000000001IAA"}), "INVALID_FIELD", "Id"),
        (json!({"LastName": 5}), "JSON_PARSER_ERROR", "LastName"),
    ];
    for (body, code, field) in cases {
        let (status, e) = t.json(Method::POST, "/sobjects/Contact", Some(body.clone())).await;
        assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some(code)), "{body}");
        if !field.is_empty() {
            assert_eq!(e[0]["fields"][0], field, "{body}");
        }
    }
    let id = t.create(json!({"LastName": "x"})).await;
    let (status, e) = t.json(Method::PATCH, &format!("/sobjects/Contact/{id}"), Some(json!({"LastName": null}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("REQUIRED_FIELD_MISSING")));
}

#[tokio::test]
async fn upsert_creates_then_updates_and_answers_300_when_several_records_match() {
    let t = start_with(SimConfig { external_id_unique: false, ..config() }).await;
    let path = "/sobjects/Contact/Customer_Id__c/cust-1";
    let (status, r) = t.json(Method::PATCH, path, Some(json!({"LastName": "First"}))).await;
    assert_eq!((status, &r["created"], &r["success"]), (201, &json!(true), &json!(true)));
    let (status, r2) = t.json(Method::PATCH, path, Some(json!({"LastName": "Second"}))).await;
    assert_eq!((status, &r2["created"], &r2["id"]), (200, &json!(false), &r["id"]));
    let (_, got) = t.json(Method::GET, path, None).await;
    assert_eq!(got["LastName"], "Second");
    t.create(json!({"LastName": "Dup", "Customer_Id__c": "cust-1"})).await;
    let (status, urls) = t.json(Method::PATCH, path, Some(json!({"LastName": "Third"}))).await;
    assert_eq!(status, 300);
    assert_eq!(urls.as_array().unwrap().len(), 2);
    assert_eq!(t.json(Method::GET, path, None).await.0, 300);
    let (status, e) = t.json(Method::PATCH, "/sobjects/Contact/Email/a@b.c", Some(json!({"LastName": "x"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (404, Some("NOT_FOUND")));
}

#[tokio::test]
async fn a_unique_external_id_rejects_duplicates() {
    let t = start().await;
    t.create(json!({"LastName": "A", "Customer_Id__c": "u-1"})).await;
    let (status, e) =
        t.json(Method::POST, "/sobjects/Contact/", Some(json!({"LastName": "B", "Customer_Id__c": "u-1"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("DUPLICATE_VALUE")));
}

#[tokio::test]
async fn describe_reports_the_key_prefix_and_field_metadata() {
    let t = start().await;
    let (status, d) = t.json(Method::GET, "/sobjects/Contact/describe/", None).await;
    assert_eq!((status, d["keyPrefix"].as_str()), (200, Some("003")));
    let field = |name: &str| d["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned().unwrap();
    let last = field("LastName");
    assert_eq!(
        (last["length"].as_u64(), &last["nillable"], &last["createable"]),
        (Some(80), &json!(false), &json!(true))
    );
    assert_eq!(field("FirstName")["length"], 40);
    assert_eq!(field("Email")["type"], "email");
    assert_eq!(field("Name")["updateable"], false);
    assert_eq!(field("SystemModstamp")["createable"], false);
    let ext = field("Customer_Id__c");
    assert_eq!((&ext["externalId"], &ext["custom"], &ext["unique"]), (&json!(true), &json!(true), &json!(true)));
}

#[tokio::test]
async fn updated_and_deleted_cover_whole_minutes_only() {
    let t = start().await;
    t.sim.control.set_clock_offset_secs(-180);
    let changed = t.create(json!({"LastName": "Changed"})).await;
    let gone = t.create(json!({"LastName": "Gone"})).await;
    t.json(Method::DELETE, &format!("/sobjects/Contact/{gone}"), None).await;
    t.sim.control.set_clock_offset_secs(0);
    let recent = t.create(json!({"LastName": "ThisMinute"})).await;
    let start = chrono::Utc::now() - chrono::Duration::minutes(10);
    let end = chrono::Utc::now() + chrono::Duration::minutes(10);
    let window =
        format!("?start={}&end={}", start.format("%Y-%m-%dT%H:%M:%S%%2B00:00"), end.format("%Y-%m-%dT%H:%M:%SZ"));
    let (status, u) = t.json(Method::GET, &format!("/sobjects/Contact/updated/{window}"), None).await;
    assert_eq!(status, 200, "{u}");
    let ids: Vec<&str> = u["ids"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(ids, [changed.as_str()], "the current minute ({recent}) is not covered yet");
    assert!(u["latestDateCovered"].as_str().unwrap().ends_with(":00.000+0000"));
    let (_, d) = t.json(Method::GET, &format!("/sobjects/Contact/deleted/{window}"), None).await;
    assert_eq!(d["deletedRecords"][0]["id"], gone.as_str());
    assert!(d["deletedRecords"][0]["deletedDate"].is_string());
    let old = "?start=2020-01-01T00:00:00Z&end=2020-01-02T00:00:00Z";
    let (status, e) = t.json(Method::GET, &format!("/sobjects/Contact/updated/{old}"), None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("INVALID_REPLICATION_DATE")));
}

#[tokio::test]
async fn an_upsert_matches_the_external_id_regardless_of_case() {
    let t = start().await;
    let id = t.create(json!({"LastName": "Lower", "Customer_Id__c": "abc-1"})).await;
    let (status, r) =
        t.json(Method::PATCH, "/sobjects/Contact/Customer_Id__c/ABC-1", Some(json!({"LastName": "Upper"}))).await;
    assert_eq!((status, &r["created"], r["id"].as_str()), (200, &json!(false), Some(id.as_str())), "{r}");
    let (status, got) = t.json(Method::GET, "/sobjects/Contact/Customer_Id__c/Abc-1", None).await;
    assert_eq!((status, got["Id"].as_str(), &got["LastName"]), (200, Some(id.as_str()), &json!("Upper")));
    assert_eq!(got["Customer_Id__c"], "abc-1", "the stored value keeps its case");
    assert_eq!(t.sim.control.snapshot()["contacts"], 1);
}

#[tokio::test]
async fn a_unique_external_id_rejects_a_value_differing_only_in_case() {
    let t = start().await;
    let first = t.create(json!({"LastName": "A", "Customer_Id__c": "abc-1"})).await;
    let (status, e) =
        t.json(Method::POST, "/sobjects/Contact/", Some(json!({"LastName": "B", "Customer_Id__c": "ABC-1"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("DUPLICATE_VALUE")), "{e}");
    assert!(e[0]["message"].as_str().unwrap().ends_with(&first), "{e}");
    let other = t.create(json!({"LastName": "C", "Customer_Id__c": "xyz-9"})).await;
    let (status, e) =
        t.json(Method::PATCH, &format!("/sobjects/Contact/{other}"), Some(json!({"Customer_Id__c": "Abc-1"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("DUPLICATE_VALUE")), "{e}");
    let (status, _) =
        t.json(Method::PATCH, &format!("/sobjects/Contact/{first}"), Some(json!({"Customer_Id__c": "ABC-1"}))).await;
    assert_eq!(status, 204, "a record may change the case of its own value");
}

#[tokio::test]
async fn describe_reports_the_external_id_as_not_case_sensitive() {
    let t = start().await;
    let (_, d) = t.json(Method::GET, "/sobjects/Contact/describe", None).await;
    let ext = d["fields"].as_array().unwrap().iter().find(|f| f["name"] == "Customer_Id__c").cloned().unwrap();
    assert_eq!((&ext["externalId"], &ext["caseSensitive"]), (&json!(true), &json!(false)));
}

#[tokio::test]
async fn describe_reports_18_for_the_length_of_id_and_reference_fields() {
    let t = start().await;
    let (_, d) = t.json(Method::GET, "/sobjects/Contact/describe", None).await;
    let fields = d["fields"].as_array().unwrap();
    let ids: Vec<_> = fields.iter().filter(|f| f["type"] == "id" || f["type"] == "reference").collect();
    let names: Vec<&str> = ids.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["Id", "AccountId", "OwnerId", "CreatedById", "LastModifiedById"]);
    for f in ids {
        assert_eq!((f["length"].as_u64(), f["byteLength"].as_u64()), (Some(18), Some(18)), "{f}");
    }
    let last = fields.iter().find(|f| f["name"] == "LastName").unwrap();
    assert_eq!((last["length"].as_u64(), last["byteLength"].as_u64()), (Some(80), Some(240)));
    let flag = fields.iter().find(|f| f["name"] == "IsDeleted").unwrap();
    assert_eq!((flag["length"].as_u64(), flag["byteLength"].as_u64()), (Some(0), Some(0)));
}
