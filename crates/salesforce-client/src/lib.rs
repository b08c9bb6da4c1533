//! salesforce-client (see its issue).
