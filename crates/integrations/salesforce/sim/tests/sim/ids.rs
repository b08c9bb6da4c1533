use salesforce_sim::ids;

#[test]
fn the_documented_15_character_id_gets_its_documented_checksum() {
    assert_eq!(ids::to_18("001M000000qfPyS").as_deref(), Some("001M000000qfPySIAU"));
}

#[test]
fn an_18_character_id_typed_in_another_case_is_restored_to_its_canonical_case() {
    assert_eq!(ids::normalize("001m000000QFpYsiau").as_deref(), Some("001M000000qfPySIAU"));
    assert_eq!(ids::normalize("001M000000qfPySIAU").as_deref(), Some("001M000000qfPySIAU"));
}

#[test]
fn ids_with_a_wrong_length_or_characters_are_malformed() {
    for bad in ["", "003", "003Sm00000000011", "003Sm000000000!AAA", "003Sm0000000001AAAA"] {
        assert_eq!(ids::normalize(bad), None, "{bad}");
    }
}

#[test]
fn generated_contact_ids_have_the_prefix_and_a_valid_checksum_and_sort_in_creation_order() {
    let a = ids::generate(ids::CONTACT_PREFIX, 61);
    let b = ids::generate(ids::CONTACT_PREFIX, 62);
    assert!(a.starts_with("003") && a.len() == 18);
    assert_eq!(ids::normalize(&a).as_deref(), Some(a.as_str()));
    assert!(a < b, "{a} < {b}");
    assert_eq!(ids::normalize_with_prefix(&a, "001"), None);
}
