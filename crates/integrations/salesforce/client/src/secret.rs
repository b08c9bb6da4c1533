//! Client secrets, private keys, access and refresh tokens are `secrecy::SecretString`: `Debug` prints
//! `[REDACTED]`, and the value is read only with `expose_secret()` to put it on the wire.

pub use secrecy::{ExposeSecret, SecretString};
