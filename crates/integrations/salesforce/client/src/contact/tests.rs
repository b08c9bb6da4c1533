use super::*;
use serde_json::json;

fn fields(name: &str, email: &str, phone: Option<&str>) -> CustomerFields {
    CustomerFields { name: name.to_owned(), email: email.to_owned(), phone: phone.map(str::to_owned) }
}

#[test]
fn a_two_word_name_becomes_first_and_last_name() {
    let id = uuid::Uuid::new_v4();
    let c = SalesforceContact::from_fields(&fields("Ada Lovelace", "ada@example.com", None), id);
    assert_eq!(c.first_name.as_deref(), Some("Ada"));
    assert_eq!(c.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(c.email.as_deref(), Some("ada@example.com"));
    assert_eq!(c.local_id(), Some(id));
    assert_eq!(c.external_id(), None);
}

#[test]
fn a_single_word_name_is_a_last_name_alone() {
    let c = SalesforceContact::from_fields(&fields("Cher", "cher@example.com", None), uuid::Uuid::nil());
    assert_eq!(c.first_name, None);
    assert_eq!(c.last_name.as_deref(), Some("Cher"));
    assert_eq!(c.fields().name, "Cher");
}

#[test]
fn a_multi_word_first_name_keeps_all_but_the_last_word() {
    let c = SalesforceContact::from_fields(&fields("Grace Brewster Hopper", "g@x.io", None), uuid::Uuid::nil());
    assert_eq!(c.first_name.as_deref(), Some("Grace Brewster"));
    assert_eq!(c.last_name.as_deref(), Some("Hopper"));
}

#[test]
fn an_empty_name_gets_the_placeholder_last_name_and_maps_back_to_empty() {
    let c = SalesforceContact::from_fields(&fields("  ", "n@x.io", None), uuid::Uuid::nil());
    assert_eq!(c.last_name.as_deref(), Some(NO_NAME));
    assert_eq!(c.fields().name, "");
}

#[test]
fn fields_round_trip_through_a_contact() {
    for f in [
        fields("Ada Lovelace", "ada@example.com", Some("+44 20 7946 0000")),
        fields("Cher", "cher@example.com", None),
        fields("Grace Brewster Hopper", "grace@navy.mil", None),
        fields("", "anon@example.com", None),
    ] {
        let c = SalesforceContact::from_fields(&f, uuid::Uuid::new_v4());
        assert_eq!(c.fields(), f);
    }
}

#[test]
fn a_contact_from_salesforce_json_reads_every_field_and_the_configured_external_id() {
    let id = uuid::Uuid::new_v4();
    let value = json!({
        "attributes": {"type": "Contact", "url": "/services/data/v59.0/sobjects/Contact/003000000000001AAA"},
        "Id": "003000000000001AAA", "FirstName": "Ada", "LastName": "Lovelace",
        "Email": "ada@example.com", "Phone": null, "AccountId": null, "OwnerId": "005000000000001AAA",
        "IsDeleted": false, "CreatedDate": "2024-10-10T19:13:07.000+0000",
        "LastModifiedDate": "2024-10-11T19:13:07.000+0000", "SystemModstamp": "2024-10-12T19:13:07.000+0000",
        "Ext_Key__c": id.to_string()
    });
    let c = SalesforceContact::from_json(value, "Ext_Key__c").expect("contact");
    assert_eq!(c.external_id(), Some("003000000000001AAA"));
    assert_eq!(c.local_id(), Some(id));
    assert_eq!(c.is_deleted, Some(false));
    assert_eq!(c.owner_id.as_deref(), Some("005000000000001AAA"));
    assert_eq!(c.system_modstamp.map(|d| d.to_rfc3339()), Some("2024-10-12T19:13:07+00:00".to_owned()));
    assert_eq!(c.fields(), fields("Ada Lovelace", "ada@example.com", None));
}

#[test]
fn a_write_body_sends_nulls_to_clear_and_never_read_only_fields() {
    let mut c = SalesforceContact::from_fields(&fields("Cher", "c@x.io", None), uuid::Uuid::nil());
    c.id = Some("003000000000001AAA".into());
    c.is_deleted = Some(false);
    let body = c.write_body("Customer_Id__c", true);
    assert_eq!(body["FirstName"], Value::Null);
    assert_eq!(body["Phone"], Value::Null);
    assert_eq!(body["LastName"], "Cher");
    assert_eq!(body["Customer_Id__c"], uuid::Uuid::nil().to_string());
    for read_only in ["Id", "IsDeleted", "SystemModstamp", "CreatedDate", "AccountId"] {
        assert!(!body.contains_key(read_only), "{read_only}");
    }
    assert!(!c.write_body("Customer_Id__c", false).contains_key("Customer_Id__c"));
}

#[test]
fn a_write_body_without_a_last_name_leaves_it_untouched() {
    let c = SalesforceContact { email: Some("new@x.io".into()), ..Default::default() };
    let body = c.write_body("Customer_Id__c", true);
    assert!(!body.contains_key("LastName"));
    assert_eq!(body["Email"], "new@x.io");
}
