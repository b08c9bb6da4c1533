//! api (see its issue).
