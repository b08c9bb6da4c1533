//! stripe-client (see its issue).
