//! Topic names from the integration plan: `{integration}-customer-{created|updated|deleted}`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An external system the catalog syncs with. Each has its own three topics and its own consumer group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Integration {
    Stripe,
    Salesforce,
}

/// Where a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Local,
    Stripe,
    Salesforce,
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

impl Integration {
    pub const ALL: [Integration; 2] = [Integration::Stripe, Integration::Salesforce];

    pub fn as_str(self) -> &'static str {
        match self {
            Integration::Stripe => "stripe",
            Integration::Salesforce => "salesforce",
        }
    }

    /// The origin of changes made in this system.
    pub fn origin(self) -> Origin {
        match self {
            Integration::Stripe => Origin::Stripe,
            Integration::Salesforce => Origin::Salesforce,
        }
    }

    /// The integrations an event of `origin` must reach: every one but the system it came from.
    pub fn targets(origin: Origin) -> impl Iterator<Item = Integration> {
        Self::ALL.into_iter().filter(move |i| i.origin() != origin)
    }
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Local => "local",
            Origin::Stripe => "stripe",
            Origin::Salesforce => "salesforce",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "local" => Some(Origin::Local),
            "stripe" => Some(Origin::Stripe),
            "salesforce" => Some(Origin::Salesforce),
            _ => None,
        }
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
    pub fn new(integration: Integration, action: Action) -> Self {
        Self { integration, action }
    }

    /// Every topic of one integration.
    pub fn of(integration: Integration) -> impl Iterator<Item = Topic> {
        Action::ALL.into_iter().map(move |a| Topic::new(integration, a))
    }

    /// Every topic of the plan.
    pub fn all() -> impl Iterator<Item = Topic> {
        Integration::ALL.into_iter().flat_map(Topic::of)
    }

    /// Parses a plan name such as `stripe-customer-updated`.
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

    #[test]
    fn topic_names_follow_the_integration_plan() {
        let names: Vec<String> = Topic::all().map(|t| t.to_string()).collect();
        assert_eq!(
            names,
            [
                "stripe-customer-created",
                "stripe-customer-updated",
                "stripe-customer-deleted",
                "salesforce-customer-created",
                "salesforce-customer-updated",
                "salesforce-customer-deleted",
            ]
        );
        for name in names {
            assert_eq!(Topic::parse(&name).map(|t| t.to_string()), Some(name));
        }
    }

    #[test]
    fn an_event_never_goes_back_to_its_origin() {
        let to: Vec<_> = Integration::targets(Origin::Stripe).collect();
        assert_eq!(to, [Integration::Salesforce]);
        assert_eq!(Integration::targets(Origin::Local).count(), 2);
    }
}
