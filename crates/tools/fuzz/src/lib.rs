//! A small mutation fuzzer for the api's parsers, run by `scripts/fuzz` (not by `scripts/test`).
//!
//! Targets ([`Target`]): `stripe-signature` (the `Stripe-Signature`/`Salesforce-Signature` verifier),
//! `outbound-message` (the Outbound Message XML reader) and `json-bodies` (the customer bodies with their
//! validation, the Stripe event and the Salesforce callout). Each run of `fuzz <target> --seconds N` takes
//! entries of `fuzz/corpus/<target>/`, mutates them ([`mutate`]: byte edits, splices, tokens such as `]]>`,
//! `&#0;`, `\u0000`, deep nesting, huge numbers, invalid UTF-8, long runs), runs the target under
//! `catch_unwind` and saves every panicking input to `fuzz/crashes/<target>/` (with its message and, for the
//! first ones, a backtrace). A binary runs each target in a child process, so that an input that kills it
//! (stack overflow, abort, out of memory) or hangs is saved too.
//!
//! Honest limits: this is not coverage-guided. cargo-fuzz (libFuzzer) needs a nightly compiler and
//! instrumented builds of the whole dependency tree; this harness runs on the stable toolchain the project
//! uses. Its only feedback is the *outcome class* of an input: `ok`, or the error's message with quoted text
//! and numbers blanked out ([`targets::class_of`]). An input reaching a class not seen before is kept in the
//! corpus (named by the hash of its content, at most 500 per target), so the corpus grows towards inputs
//! that get further into or fail differently in a parser, but two inputs that take different paths to the
//! same error look alike to it. A few oracles check properties beyond "no panic": a verified signature does
//! not survive a changed body, validated customer fields are valid again, a body the harness signed is never
//! refused for its signature.

pub mod engine;
pub mod mutate;
pub mod targets;

pub use engine::{Options, Summary, run};
pub use targets::Target;
