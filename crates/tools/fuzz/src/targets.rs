//! The targets. Each takes one input's bytes, runs the parser the way the api does, and reports the outcome
//! classes it reached (`ok`, or the error's kind with its variable parts blanked out). A target panics only
//! when the code under test panics or when one of its few oracles (a property that must hold) fails.

use std::sync::LazyLock;
use std::time::Duration;

use api::routes::customers::body::{CreateCustomer, PatchCustomer};
use api::routes::salesforce::{SalesforceInbound, callout, outbound};
use model::ExternalCustomer;
use stripe_client::webhook::{self, WebhookError, WebhookSecret};

/// The secrets the targets verify with: the current one and the previous one of a rotation.
pub const SECRET: &str = "whsec_fuzz_current";
pub const OLD_SECRET: &str = "whsec_fuzz_previous";
/// "Now" for every signature check, so a run is deterministic and the seed corpus stays valid.
pub const NOW: i64 = 1_800_000_000;

static SECRETS: LazyLock<Vec<WebhookSecret>> =
    LazyLock::new(|| vec![WebhookSecret::new(SECRET), WebhookSecret::new(OLD_SECRET)]);

/// The receivers' settings with the api's defaults (external id field `Customer_Id__c`); no database is used.
static SALESFORCE: LazyLock<SalesforceInbound> =
    LazyLock::new(|| SalesforceInbound::from_config(&api::ApiConfig::for_database("postgres://fuzz@127.0.0.1/unused")));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `Stripe-Signature` (and `Salesforce-Signature`) verification. Input: the header on the first line, the
    /// body after it; an input without a newline is a body sent without the header.
    StripeSignature,
    /// Outbound Message SOAP XML, as `POST /webhooks/salesforce/outbound-messages/{token}` reads it.
    OutboundMessage,
    /// One JSON body through each JSON reader: POST and PATCH `/v1/customers` (deserialised and validated),
    /// a Stripe event (signed by the harness, so the body is what is tested) and a Salesforce callout.
    JsonBodies,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::StripeSignature, Target::OutboundMessage, Target::JsonBodies];

    pub fn name(self) -> &'static str {
        match self {
            Target::StripeSignature => "stripe-signature",
            Target::OutboundMessage => "outbound-message",
            Target::JsonBodies => "json-bodies",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs `input`, pushing the outcome classes it reached onto `out`.
    pub fn run(self, input: &[u8], out: &mut Vec<String>) {
        match self {
            Target::StripeSignature => stripe_signature(input, out),
            Target::OutboundMessage => outbound_message(input, out),
            Target::JsonBodies => json_bodies(input, out),
        }
    }

    /// The longest input tried by default. JSON: the api's default body limit (`API_MAX_BODY_BYTES`, 16 KiB;
    /// callouts and Stripe events may be larger, up to 64 and 256 KiB, but nothing in their parsing depends on
    /// size past that). XML: 64 KiB, ample for nesting and long runs (the receiver takes up to 1 MiB).
    pub fn max_len(self) -> usize {
        match self {
            Target::StripeSignature | Target::JsonBodies => 16 * 1024,
            Target::OutboundMessage => 64 * 1024,
        }
    }

    /// Tokens the mutator inserts for this target, besides the common ones.
    pub fn dictionary(self) -> &'static [&'static [u8]] {
        match self {
            Target::StripeSignature => &[
                b"t=",
                b"v1=",
                b"v0=",
                b",",
                b"=",
                b" ",
                b"\n",
                b"t=1800000000",
                b"t=1799999699",
                b"t=1800000301",
                b"v1=00",
                b"v1=zz",
                b",v1=",
                b"9223372036854775807",
                b"-9223372036854775808",
                b"+1800000000",
            ],
            Target::OutboundMessage => &[
                b"<",
                b">",
                b"</",
                b"/>",
                b"<![CDATA[",
                b"]]>",
                b"<!-- -->",
                b"<?pi x?>",
                b"&amp;",
                b"&lt;",
                b"&#x10FFFF;",
                b"&#xD800;",
                b"&#0;",
                b"&e;",
                b"<!DOCTYPE a [<!ENTITY e \"&#60;a&#62;\">]>",
                b"<!DOCTYPE a [<!ENTITY e \"x\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;\">]>",
                b" xsi:nil=\"true\"",
                b" xmlns=\"http://soap.sforce.com/2005/09/outbound\"",
                b" xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\"",
                b" xmlns:p=\"\"",
                b"<Notification>",
                b"</Notification>",
                b"<Notification><Id>04l</Id><sObject><sf:Id>003</sf:Id></sObject></Notification>",
                b"<sObject>",
                b"<Id>",
                b"</Id>",
                b"<OrganizationId>",
                b"<sf:IsDeleted>true</sf:IsDeleted>",
                b"<sf:CreatedDate>",
                b"<sf:Customer_Id__c>",
                b"2026-11-28T10:00:00.000Z",
                b"+275760-09-13T00:00:00Z",
                b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
            ],
            Target::JsonBodies => &[
                b"{",
                b"}",
                b"[",
                b"]",
                b":",
                b",",
                b"null",
                b"true",
                b"false",
                b"\\u0000",
                b"\\ud800",
                b"\\udfff",
                b"\\ud83d\\ude00",
                b"\\\"",
                b"\"name\":",
                b"\"email\":",
                b"\"phone\":",
                b"\"phone\":null",
                b"\"notificationId\":",
                b"\"changeType\":\"DELETE\"",
                b"\"changeOrigin\":\"client=customer-sync\"",
                b"\"commitTimestamp\":",
                b"\"recordId\":",
                b"\"record\":",
                b"\"Customer_Id__c\":",
                b"\"SystemModstamp\":",
                b"\"IsDeleted\":true",
                b"\"type\":\"customer.deleted\"",
                b"\"created\":",
                b"\"request\":",
                b"\"idempotency_key\":",
                b"\"customer_sync_fingerprint\":",
                b"\"customer_sync_id\":",
                b"\"object\":",
                b"\"data\":",
                b"\"metadata\":",
                b"a@b.co",
                b"2026-11-28T10:00:00.000Z",
                b"2026-11-28T10:00:00+99:99",
            ],
        }
    }
}

/// The outcome class of a message: quoted text and numbers (not digits within a word) blanked out, cut at
/// about 100 bytes, so that errors differing only in the input's own text count as one.
pub fn class_of(message: &str) -> String {
    // serde quotes an unknown field or variant in backticks without escaping it, so the name may hold any
    // quote; it ends where serde's own "`, expected" begins.
    let unquoted;
    let mut message = message;
    for opening in ["unknown field `", "unknown variant `"] {
        if let Some(start) = message.find(opening).map(|i| i + opening.len())
            && let Some(end) = message.rfind("`, expected").filter(|&end| end >= start)
        {
            unquoted = format!("{}_{}", &message[..start], &message[end..]);
            message = &unquoted;
            break;
        }
    }
    let mut out = String::with_capacity(104);
    let mut rest = message;
    while let Some(c) = rest.chars().next() {
        if out.len() >= 100 {
            break;
        }
        let after = &rest[c.len_utf8()..];
        rest = match c {
            '"' | '`' | '\'' => match closing(after, c) {
                Some(end) => {
                    out.extend([c, '_', c]);
                    &after[end + c.len_utf8()..]
                }
                None => {
                    out.push(c);
                    after
                }
            },
            '0'..='9' => {
                let digits = rest.len() - rest.trim_start_matches(|d: char| d.is_ascii_digit()).len();
                // A number, but not the digits of a name such as `v1`, `u8` or `\u001F`.
                if out.ends_with(|p: char| p.is_ascii_alphabetic()) {
                    out.push_str(&rest[..digits]);
                } else {
                    out.push('#');
                }
                &rest[digits..]
            }
            _ => {
                out.push(c);
                after
            }
        };
    }
    out
}

/// The byte index of the quote closing one just before `text` (backslash escapes skipped).
fn closing(text: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

fn stripe_signature(input: &[u8], out: &mut Vec<String>) {
    let (header, payload) = match input.iter().position(|&b| b == b'\n') {
        Some(i) => (Some(String::from_utf8_lossy(&input[..i])), &input[i + 1..]),
        None => (None, input),
    };
    let result = webhook::verify_signature(payload, header.as_deref(), &SECRETS, webhook::DEFAULT_TOLERANCE, NOW);
    out.push(match result {
        Ok(()) => {
            // Oracle: the signature covers the body, so one more byte must break it.
            let mut longer = payload.to_vec();
            longer.push(b' ');
            let again =
                webhook::verify_signature(&longer, header.as_deref(), &SECRETS, webhook::DEFAULT_TOLERANCE, NOW);
            assert_eq!(again, Err(WebhookError::NoMatchingSignature), "oracle: a changed body kept its signature");
            "ok".to_owned()
        }
        Err(WebhookError::OutsideTolerance { age_secs }) => {
            format!("outside tolerance ({})", if age_secs > 0 { "past" } else { "future" })
        }
        Err(e) => class_of(&e.to_string()),
    });
}

fn outbound_message(input: &[u8], out: &mut Vec<String>) {
    // As the receiver: the body must be UTF-8, then it is parsed.
    let Ok(text) = std::str::from_utf8(input) else {
        out.push("not UTF-8".to_owned());
        return;
    };
    out.push(match outbound::parse(text, &SALESFORCE) {
        Ok(_) => "ok".to_owned(),
        // "notification <its id>: …" names the input's own id.
        Err(e) => match e.strip_prefix("notification ").and_then(|rest| rest.split_once(": ")) {
            Some((_, reason)) => format!("notification _: {}", class_of(reason)),
            None => class_of(&e),
        },
    });
}

fn json_bodies(input: &[u8], out: &mut Vec<String>) {
    out.push(create_customer(input));
    out.push(patch_customer(input));
    out.push(stripe_event(input));
    out.push(salesforce_callout(input));
}

fn create_customer(input: &[u8]) -> String {
    let body: CreateCustomer = match serde_json::from_slice(input) {
        Ok(b) => b,
        Err(e) => return format!("create: {}", class_of(&e.to_string())),
    };
    match body.validate() {
        Ok(fields) => {
            // Oracle: what validation returns is valid, and unchanged by validating it again.
            assert_eq!(fields.validated().as_ref(), Ok(&fields), "oracle: validated fields are not valid");
            "create: ok".to_owned()
        }
        Err(e) => format!("create: {}", class_of(&e.to_string())),
    }
}

fn patch_customer(input: &[u8]) -> String {
    let body: PatchCustomer = match serde_json::from_slice(input) {
        Ok(b) => b,
        Err(e) => return format!("patch: {}", class_of(&e.to_string())),
    };
    match body.validate() {
        Ok(patch) => {
            // Oracle: as for create.
            if let Some(name) = &patch.name {
                assert_eq!(model::fields::valid_name(name).as_ref(), Ok(name), "oracle: patched name");
            }
            if let Some(email) = &patch.email {
                assert_eq!(model::fields::valid_email(email).as_ref(), Ok(email), "oracle: patched email");
            }
            if let Some(Some(phone)) = &patch.phone {
                assert_eq!(model::fields::valid_phone(phone), Ok(Some(phone.clone())), "oracle: patched phone");
            }
            "patch: ok".to_owned()
        }
        Err(e) => format!("patch: {}", class_of(&e.to_string())),
    }
}

/// The body as `POST /webhooks/stripe` handles it after the signature: the harness signs it, so every input
/// reaches the event parser; then the steps of `stripe_webhook::receive` up to the database.
fn stripe_event(input: &[u8]) -> String {
    let header = webhook::sign_header(&SECRETS[0], NOW, input);
    let event = match webhook::verify(input, Some(&header), &SECRETS, Duration::from_secs(300), NOW) {
        Ok(event) => event,
        Err(WebhookError::MalformedEvent(e)) => return format!("event: {}", class_of(&e)),
        Err(e) => panic!("oracle: a body signed just now was refused: {e}"),
    };
    let Some(action) = events::Action::ALL.into_iter().find(|a| a.event_type() == event.event_type) else {
        return "event: ignored type".to_owned();
    };
    let customer = event.customer();
    let own = event.is_own_write()
        || (action != events::Action::Deleted && customer.as_ref().is_ok_and(|c| c.holds_own_write()));
    if own {
        return format!("event: {} own write", action.as_str());
    }
    let Some(customer) = customer.ok().filter(|c| c.object == "customer" && c.id.starts_with("cus_")) else {
        return format!("event: {} not a customer", action.as_str());
    };
    if chrono::DateTime::from_timestamp(event.created, 0).is_none() {
        return format!("event: {} created out of range", action.as_str());
    }
    let _ = (customer.fields(), customer.local_id(), customer.external_id());
    format!("event: {} ok", action.as_str())
}

/// The body as `POST /webhooks/salesforce/callouts` handles it after the signature.
fn salesforce_callout(input: &[u8]) -> String {
    let body: callout::Callout = match serde_json::from_slice(input) {
        Ok(b) => b,
        Err(e) => return format!("callout: {}", class_of(&e.to_string())),
    };
    match callout::event(&body, &SALESFORCE) {
        Ok(event) => format!("callout: ok {}", event.action.as_str()),
        Err(e) => format!("callout: {}", class_of(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_blank_out_quoted_text_and_numbers() {
        assert_eq!(
            class_of(r#"invalid type: string "a\"b", expected u8 at line 12 column 3"#),
            r#"invalid type: string "_", expected u8 at line # column #"#
        );
        assert_eq!(class_of("unknown field `x`, expected `name`"), "unknown field `_`, expected `_`");
        assert_eq!(
            class_of("unknown field `a`b\"c`, expected one of `name`, `email` at line 1 column 9"),
            "unknown field `_`, expected one of `_`, `_` at line # column #"
        );
        assert_eq!(
            class_of(r"control character (\u0000-\u001F) at line 3"),
            r"control character (\u0000-\u001F) at line #"
        );
        assert_eq!(class_of("don't stop"), "don't stop");
        assert!(class_of(&"x".repeat(500)).len() <= 100);
    }
}
