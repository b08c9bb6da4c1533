//! Topic names from the integration plan: `{integration}-customer-{created|updated|deleted}`.
//!
//! Systems are data here. An [`Integration`] is a system's id (`stripe`, `salesforce`), declared by that
//! system's own crate; the systems a process syncs with are the ones it registers at start
//! ([`Integration::register`], from the one list of systems the binaries read). The core names none.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An external system the catalog syncs with, by its id: its topics (`<id>-customer-*`), consumer group,
/// links, metrics and dead letters are named after it. Ids are lowercase letters, digits and `-`, up to 32
/// characters, and never `local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Integration(&'static str);

/// Where a change was made: in the catalog (the api, a backfill, a repair), or in a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Local,
    System(Integration),
}

/// What happened to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    #[serde(rename = "customer.created")]
    Created,
    #[serde(rename = "customer.updated")]
    Updated,
    #[serde(rename = "customer.deleted")]
    Deleted,
}

/// A system id that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{0:?} is not a system id (lowercase letters, digits and '-', at most 32, not \"local\")")]
    Invalid(String),
    #[error("the systems were registered as {registered:?}; registering {asked:?} as well is a mistake")]
    Conflict { registered: Vec<&'static str>, asked: Vec<&'static str> },
}

static REGISTERED: OnceLock<Vec<Integration>> = OnceLock::new();
/// Ids read at run time (from events, settings, arguments), kept once each for the life of the process: a
/// deployment knows a handful of systems, so this stays tiny.
static INTERNED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

fn valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id != "local"
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Integration {
    /// The system `id`, for the constant its crate declares (`pub const STRIPE: Integration =
    /// Integration::new("stripe")`). [`Integration::register`] checks the id.
    pub const fn new(id: &'static str) -> Self {
        Self(id)
    }

    /// Declares the systems this process syncs with, in order: the targets of every catalog change, the
    /// topics it creates, what it lists. Each binary calls it once at start with the one list of systems;
    /// calling it again with the same systems is harmless.
    pub fn register(systems: &[Integration]) -> Result<(), IdError> {
        if let Some(bad) = systems.iter().find(|i| !valid(i.0)) {
            return Err(IdError::Invalid(bad.0.to_owned()));
        }
        let registered = REGISTERED.get_or_init(|| systems.to_vec());
        if registered.as_slice() != systems {
            return Err(IdError::Conflict {
                registered: registered.iter().map(|i| i.0).collect(),
                asked: systems.iter().map(|i| i.0).collect(),
            });
        }
        Ok(())
    }

    /// The registered systems, in order.
    ///
    /// # Panics
    /// When nothing was registered: a process must register its systems before it reads or writes events.
    pub fn all() -> &'static [Integration] {
        REGISTERED.get().map(Vec::as_slice).expect("no systems registered: call Integration::register at start")
    }

    /// The registered system named `id`, if any.
    pub fn named(id: &str) -> Option<Integration> {
        Self::all().iter().copied().find(|i| i.0 == id)
    }

    /// The system named `id`, registered here or not (an event may come from a system another process
    /// syncs with); `None` if `id` is not a system id.
    pub fn parse(id: &str) -> Option<Integration> {
        if let Some(known) = REGISTERED.get().and_then(|r| r.iter().copied().find(|i| i.0 == id)) {
            return Some(known);
        }
        if !valid(id) {
            return None;
        }
        let mut interned = INTERNED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let set = interned.get_or_insert_with(HashSet::new);
        let id = match set.get(id) {
            Some(id) => *id,
            None => {
                let leaked: &'static str = Box::leak(id.to_owned().into_boxed_str());
                set.insert(leaked);
                leaked
            }
        };
        Some(Integration(id))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The origin of changes made in this system.
    pub fn origin(self) -> Origin {
        Origin::System(self)
    }

    /// The registered systems an event of `origin` must reach: every one but the system it came from.
    pub fn targets(origin: Origin) -> impl Iterator<Item = Integration> {
        Self::all().iter().copied().filter(move |i| i.origin() != origin)
    }
}

impl fmt::Display for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Integration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Integration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Integration::parse(&id).ok_or_else(|| serde::de::Error::custom(IdError::Invalid(id)))
    }
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::System(i) => i.as_str(),
        }
    }

    /// `local`, or a system's id.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "local" => Some(Origin::Local),
            id => Integration::parse(id).map(Origin::System),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Origin::parse(&s).ok_or_else(|| serde::de::Error::custom(IdError::Invalid(s)))
    }
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Created, Action::Updated, Action::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
        }
    }

    /// The event type carried in the envelope and the `event-type` header.
    pub fn event_type(self) -> &'static str {
        match self {
            Action::Created => "customer.created",
            Action::Updated => "customer.updated",
            Action::Deleted => "customer.deleted",
        }
    }
}

/// A topic of the integration plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Topic {
    pub integration: Integration,
    pub action: Action,
}

impl Topic {
    pub const fn new(integration: Integration, action: Action) -> Self {
        Self { integration, action }
    }

    /// Every topic of one integration.
    pub fn of(integration: Integration) -> impl Iterator<Item = Topic> {
        Action::ALL.into_iter().map(move |a| Topic::new(integration, a))
    }

    /// Every topic of the registered systems.
    pub fn all() -> impl Iterator<Item = Topic> {
        Integration::all().iter().copied().flat_map(Topic::of)
    }

    /// Parses a plan name such as `stripe-customer-updated` (of a registered system).
    pub fn parse(name: &str) -> Option<Self> {
        Topic::all().find(|t| t.to_string() == name)
    }
}

/// The dead-letter topic of an integration (`stripe-customer-dlq`): events its consumer could not handle.
pub fn dlq_topic(integration: Integration) -> String {
    format!("{}-customer-dlq", integration.as_str())
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-customer-{}", self.integration.as_str(), self.action.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The core names no system: its tests use made-up ones. One registration per test binary.
    const ALPHA: Integration = Integration::new("alpha");
    const BETA: Integration = Integration::new("beta-2");

    fn registered() {
        Integration::register(&[ALPHA, BETA]).expect("the test systems register");
    }

    #[test]
    fn topic_names_follow_the_integration_plan() {
        registered();
        let names: Vec<String> = Topic::all().map(|t| t.to_string()).collect();
        assert_eq!(
            names,
            [
                "alpha-customer-created",
                "alpha-customer-updated",
                "alpha-customer-deleted",
                "beta-2-customer-created",
                "beta-2-customer-updated",
                "beta-2-customer-deleted",
            ]
        );
        for name in names {
            assert_eq!(Topic::parse(&name).map(|t| t.to_string()), Some(name));
        }
        assert_eq!(dlq_topic(BETA), "beta-2-customer-dlq");
    }

    #[test]
    fn an_event_never_goes_back_to_its_origin() {
        registered();
        let to: Vec<_> = Integration::targets(ALPHA.origin()).collect();
        assert_eq!(to, [BETA]);
        assert_eq!(Integration::targets(Origin::Local).count(), 2);
    }

    #[test]
    fn registering_other_systems_a_second_time_is_refused() {
        registered();
        assert!(Integration::register(&[ALPHA, BETA]).is_ok(), "the same list again is harmless");
        assert!(matches!(Integration::register(&[ALPHA]), Err(IdError::Conflict { .. })));
    }

    #[test]
    fn origins_read_back_as_written_and_unregistered_systems_are_still_systems() {
        registered();
        for origin in [Origin::Local, ALPHA.origin(), BETA.origin()] {
            let json = serde_json::to_string(&origin).expect("serialises");
            assert_eq!(serde_json::from_str::<Origin>(&json).expect("reads back"), origin);
        }
        let elsewhere: Origin = serde_json::from_str("\"gamma\"").expect("an unregistered system");
        let Origin::System(gamma) = elsewhere else { panic!("{elsewhere:?} is not a system") };
        assert_eq!(gamma.as_str(), "gamma");
        assert_eq!(Integration::named("gamma"), None, "known, not registered here");
        assert_eq!(Integration::parse("gamma"), Some(gamma), "interned once");
    }

    #[test]
    fn ids_that_could_not_name_a_topic_are_refused() {
        for bad in ["", "Stripe", "local", "a b", "a.b", "x".repeat(33).as_str()] {
            assert_eq!(Integration::parse(bad), None, "{bad:?}");
            assert!(serde_json::from_str::<Origin>(&format!("{bad:?}")).is_err() || bad == "local");
        }
        assert!(matches!(Integration::register(&[Integration::new("Bad")]), Err(IdError::Invalid(_))));
    }
}
