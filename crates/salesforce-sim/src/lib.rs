//! salesforce-sim (see its issue).
