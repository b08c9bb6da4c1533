//! The harness checked by `cargo test`: each target runs its seed corpus and two seconds of mutants without a
//! crash, and the seed corpora reach the paths that matter. New corpus entries are not written here, and
//! crashes go to a temporary folder.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use fuzz::Target;
use fuzz::engine::{self, Options, load_corpus};

fn two_seconds(target: Target) {
    let mut opts = Options::new(target, Duration::from_secs(2));
    opts.save_corpus = false;
    opts.crashes_dir = std::env::temp_dir().join(format!("fuzz-test-{}-{}", std::process::id(), target.name()));
    opts.seed = 42;
    let summary = engine::run(&opts).unwrap();
    assert_eq!(summary.crash_count, 0, "{summary}");
    assert!(summary.executions > summary.corpus_before as u64, "{summary}");
    assert!(!opts.crashes_dir.exists(), "nothing was written for a clean run");
}

#[test]
fn the_stripe_signature_target_runs_two_seconds_without_a_crash() {
    two_seconds(Target::StripeSignature);
}

#[test]
fn the_outbound_message_target_runs_two_seconds_without_a_crash() {
    two_seconds(Target::OutboundMessage);
}

#[test]
fn the_json_bodies_target_runs_two_seconds_without_a_crash() {
    two_seconds(Target::JsonBodies);
}

/// The outcome classes the seed files reach as they are.
fn seed_classes(target: Target) -> Vec<String> {
    let corpus = load_corpus(&engine::default_dir("corpus", target)).unwrap();
    assert!(corpus.len() >= 5, "{}: a handful of seeds", target.name());
    let mut all = Vec::new();
    let mut classes = Vec::new();
    for (name, data) in corpus {
        engine::execute(target, &data, &mut classes).unwrap_or_else(|e| panic!("{name}: {e}"));
        all.append(&mut classes);
    }
    all
}

#[test]
fn the_seed_corpora_reach_the_accepting_paths_and_the_main_refusals() {
    let sig = seed_classes(Target::StripeSignature);
    for class in ["ok", "outside tolerance (past)", "outside tolerance (future)", "no v1 signature matches the body"] {
        assert!(sig.iter().any(|c| c == class), "stripe-signature seeds reach {class:?}: {sig:?}");
    }
    assert!(sig.iter().any(|c| c.starts_with("the signature header is malformed")), "{sig:?}");
    assert!(sig.iter().any(|c| c == "the signature header is missing"), "{sig:?}");

    let xml = seed_classes(Target::OutboundMessage);
    assert!(xml.iter().filter(|c| *c == "ok").count() >= 3, "{xml:?}");
    assert!(xml.iter().any(|c| c.starts_with("not XML")), "{xml:?}");
    assert!(xml.iter().any(|c| c.starts_with("notification _:")), "{xml:?}");

    let json = seed_classes(Target::JsonBodies);
    for class in [
        "create: ok",
        "patch: ok",
        "event: created ok",
        "event: deleted ok",
        "event: updated own write",
        "callout: ok updated",
    ] {
        assert!(json.iter().any(|c| c == class), "json-bodies seeds reach {class:?}: {json:?}");
    }
}

#[test]
fn a_panic_is_caught_with_its_message_and_location_and_an_in_flight_input_reads_back() {
    let caught = engine::catch(|| panic!("boom {}", 42));
    let message = caught.unwrap_err();
    assert!(message.starts_with("boom 42 at "), "{message}");
    assert!(message.contains("harness.rs"), "{message}");
    assert_eq!(engine::catch(|| ()), Ok(()));

    // The in-flight file: a little-endian length, the input, and whatever a longer earlier input left.
    let path = std::env::temp_dir().join(format!("fuzz-test-in-flight-{}", std::process::id()));
    let mut bytes = 3u64.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"<a>stale");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(engine::read_in_flight(&path).unwrap(), Some(b"<a>".to_vec()));
    std::fs::write(&path, 30u64.to_le_bytes()).unwrap();
    assert_eq!(engine::read_in_flight(&path).unwrap(), None, "cut short");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn deeply_nested_xml_does_not_overflow_a_worker_sized_stack() {
    // The first crash the harness found (roxmltree 0.20 recursed per nesting level); a thread the size of an
    // actix worker's, as in the fuzz worker.
    let input = format!("<notifications>{}", "<a>".repeat(100_000)).into_bytes();
    let classes = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let mut classes = Vec::new();
            engine::execute(Target::OutboundMessage, &input, &mut classes).map(|()| classes)
        })
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    assert!(classes[0].starts_with("not XML"), "{classes:?}");
}
