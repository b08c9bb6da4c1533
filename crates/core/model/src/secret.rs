//! Secrets (connection strings with passwords, keys, tokens) are `secrecy::SecretString` everywhere: `Debug`
//! prints `SecretBox<str>([REDACTED])`, there is no `Display`, and the value is read only with
//! [`ExposeSecret::expose_secret`], at the one place it goes on the wire. The memory is zeroed on drop.

pub use secrecy::{ExposeSecret, SecretString};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let s = SecretString::from("postgres://u:hunter2@db/x");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose_secret(), "postgres://u:hunter2@db/x");
    }
}
