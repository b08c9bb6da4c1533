use crate::helpers::{TestSim, start};

#[tokio::test]
async fn search_finds_customers_by_email_metadata_and_name_with_and_or() {
    let t = start().await;
    let ada = t.create(&[("name", "Ada Lovelace"), ("email", "ada@x.com"), ("metadata[tier]", "gold")]).await;
    let bob = t.create(&[("name", "Bob"), ("email", "bob@x.com"), ("metadata[tier]", "gold")]).await;
    let q = |s: &str| format!("/v1/customers/search?query={}", s.replace(' ', "+").replace('\'', "%27"));
    let by_email = t.get(&q("email:'ada@x.com'")).await.body;
    assert_eq!(by_email["object"], "search_result");
    assert_eq!(TestSim::ids(&by_email), vec![ada.clone()]);
    let gold = t.get(&q("metadata['tier']:'gold'")).await.body;
    assert_eq!(TestSim::ids(&gold), vec![bob.clone(), ada.clone()]);
    let and = t.get(&q("metadata['tier']:'gold' AND name:'Bob'")).await.body;
    assert_eq!(TestSim::ids(&and), vec![bob.clone()]);
    let or = t.get(&q("email:'ada@x.com' OR name:'Bob'")).await.body;
    assert_eq!(TestSim::ids(&or).len(), 2);
    let mixed = t.get(&q("name:'a' AND name:'b' OR name:'c'")).await;
    assert_eq!(mixed.status, 400);
}

#[tokio::test]
async fn search_pages_through_next_page() {
    let t = start().await;
    for i in 0..3 {
        t.create(&[("name", "Page"), ("email", &format!("p{i}@x.com"))]).await;
    }
    let first = t.get("/v1/customers/search?query=name:%27Page%27&limit=2").await.body;
    assert_eq!(first["has_more"], true);
    let next = first["next_page"].as_str().unwrap();
    let second = t.get(&format!("/v1/customers/search?query=name:%27Page%27&limit=2&page={next}")).await.body;
    assert_eq!(TestSim::ids(&second).len(), 1);
    assert_eq!(second["has_more"], false);
    assert_eq!(second["next_page"], serde_json::Value::Null);
}
