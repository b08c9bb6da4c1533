use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::start;

#[tokio::test]
async fn a_query_over_4500_records_pages_by_2000_with_next_records_url() {
    let t = start().await;
    t.create_many(4500, "Page").await;
    let (status, mut page) =
        t.json(Method::GET, "/query/?q=SELECT+Id,LastName+FROM+Contact+ORDER+BY+LastName", None).await;
    assert_eq!(status, 200);
    let mut seen: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    loop {
        assert_eq!(page["totalSize"], 4500);
        let records = page["records"].as_array().unwrap();
        sizes.push(records.len());
        seen.extend(records.iter().map(|r| r["LastName"].as_str().unwrap().to_owned()));
        if page["done"] == Value::Bool(true) {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        let next = page["nextRecordsUrl"].as_str().unwrap().to_owned();
        assert!(next.starts_with("/services/data/v59.0/query/01g"), "{next}");
        page = t.json(Method::GET, &next, None).await.1;
    }
    assert_eq!(sizes, [2000, 2000, 500]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "every record once, in order");
}

#[tokio::test]
async fn the_batch_size_query_option_sets_the_page_size() {
    let t = start().await;
    t.create_many(450, "Batch").await;
    let r = t
        .http
        .get(format!("{}/query?q=SELECT+Id+FROM+Contact", t.base))
        .bearer_auth(&t.token)
        .header("Sforce-Query-Options", "batchSize=200")
        .send()
        .await
        .unwrap();
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 200);
    assert_eq!(page["done"], false);
}

#[tokio::test]
async fn malformed_queries_and_bad_locators_are_400s_with_salesforce_codes() {
    let t = start().await;
    let cases = [
        ("/query?q=SELEC+Id+FROM+Contact", "MALFORMED_QUERY"),
        ("/query?q=SELECT+Nope+FROM+Contact", "INVALID_FIELD"),
        ("/query?q=SELECT+Id+FROM+Lead", "INVALID_TYPE"),
        ("/query/01gSm0000000009-2000", "INVALID_QUERY_LOCATOR"),
    ];
    for (path, code) in cases {
        let (status, e) = t.json(Method::GET, path, None).await;
        assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some(code)), "{path}");
    }
}

#[tokio::test]
async fn date_literals_select_days_of_the_sims_clock() {
    let t = start().await;
    t.sim.control.set_clock_offset_secs(-3 * 86_400);
    let old = t.create(json!({"LastName": "Old"})).await;
    t.sim.control.set_clock_offset_secs(0);
    let new = t.create(json!({"LastName": "New"})).await;
    let ids = |r: &Value| -> Vec<String> {
        r["records"].as_array().unwrap().iter().map(|x| x["Id"].as_str().unwrap().to_owned()).collect()
    };
    let query = |cond: &str| format!("/query?q=SELECT+Id+FROM+Contact+WHERE+{cond}+ORDER+BY+CreatedDate");
    let (status, r) = t.json(Method::GET, &query("CreatedDate+=+TODAY"), None).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(ids(&r), [new.as_str()]);
    let (_, r) = t.json(Method::GET, &query("SystemModstamp+>=+LAST_N_DAYS:2"), None).await;
    assert_eq!(ids(&r), [new.as_str()]);
    let (_, r) = t.json(Method::GET, &query("SystemModstamp+>=+LAST_N_DAYS:3"), None).await;
    assert_eq!(ids(&r), [old.as_str(), new.as_str()]);
    let (_, r) = t.json(Method::GET, &query("CreatedDate+<+YESTERDAY"), None).await;
    assert_eq!(ids(&r), [old.as_str()]);
    t.sim.control.set_clock_offset_secs(86_400);
    let (_, r) = t.json(Method::GET, &query("CreatedDate+=+YESTERDAY"), None).await;
    assert_eq!(ids(&r), [new.as_str()], "a day later, today's record is yesterday's");
    let (_, r) = t.json(Method::GET, &query("CreatedDate+=+TODAY"), None).await;
    assert_eq!(ids(&r), Vec::<String>::new());
}
