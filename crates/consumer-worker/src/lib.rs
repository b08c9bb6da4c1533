//! consumer-worker (see its issue).
