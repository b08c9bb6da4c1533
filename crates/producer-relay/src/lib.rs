//! producer-relay (see its issue).
