//! The configured grant with its checked credentials.

use crate::ExposeSecret;
use crate::{AuthKind, Config, Error, SecretString};
use jsonwebtoken::EncodingKey;
use std::fmt;
use std::sync::RwLock;

/// AuthGrant for one grant, validated when the client is built.
pub(crate) enum AuthGrant {
    Jwt { client_id: String, username: String, audience: String, key: EncodingKey },
    ClientCredentials { client_id: String, secret: SecretString },
    RefreshToken { client_id: String, secret: Option<SecretString>, refresh_token: RwLock<SecretString> },
}

impl fmt::Debug for AuthGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grant = match self {
            AuthGrant::Jwt { .. } => "jwt",
            AuthGrant::ClientCredentials { .. } => "client_credentials",
            AuthGrant::RefreshToken { .. } => "refresh_token",
        };
        write!(f, "Credentials({grant}, [redacted])")
    }
}

impl AuthGrant {
    pub(crate) fn from_config(config: &Config) -> Result<Self, Error> {
        let client_id = config.client_id.clone();
        match config.auth {
            AuthKind::Jwt => Ok(AuthGrant::Jwt {
                client_id,
                username: required(&config.username, "USERNAME")?.clone(),
                audience: config.jwt_audience.clone().unwrap_or_else(|| config.login_url.clone()),
                key: signing_key(config)?,
            }),
            AuthKind::ClientCredentials => Ok(AuthGrant::ClientCredentials {
                client_id,
                secret: required(&config.client_secret, "CLIENT_SECRET")?.clone(),
            }),
            AuthKind::RefreshToken => Ok(AuthGrant::RefreshToken {
                client_id,
                secret: config.client_secret.clone(),
                refresh_token: RwLock::new(required(&config.refresh_token, "REFRESH_TOKEN")?.clone()),
            }),
        }
    }

    /// Salesforce may return a new refresh token; later renewals use it.
    pub(crate) fn rotate_refresh_token(&self, rotated: SecretString) {
        if let AuthGrant::RefreshToken { refresh_token, .. } = self
            && let Ok(mut current) = refresh_token.write()
        {
            *current = rotated;
        }
    }
}

fn required<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, Error> {
    value.as_ref().ok_or_else(|| Error::Config(format!("{name} is required for this grant")))
}

fn signing_key(config: &Config) -> Result<EncodingKey, Error> {
    let pem = match (&config.private_key, &config.private_key_file) {
        (Some(pem), _) => pem.expose_secret().to_owned(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read the JWT private key file {}: {e}", path.display())))?,
        (None, None) => {
            return Err(Error::Config("PRIVATE_KEY or PRIVATE_KEY_FILE is required for the JWT grant".into()));
        }
    };
    // The parse error is not passed on: it could quote part of the key.
    EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|_| Error::Config("the JWT private key is not an RSA private key in PEM".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_grant_requires_its_credentials() {
        let jwt = Config::new("http://login", "cid", AuthKind::Jwt);
        assert!(matches!(AuthGrant::from_config(&jwt), Err(Error::Config(_))));
        let cc = Config::new("http://login", "cid", AuthKind::ClientCredentials);
        assert!(matches!(AuthGrant::from_config(&cc), Err(Error::Config(_))));
        let rt = Config::new("http://login", "cid", AuthKind::RefreshToken);
        assert!(matches!(AuthGrant::from_config(&rt), Err(Error::Config(_))));
    }

    #[test]
    fn a_key_that_is_not_rsa_pem_is_refused_without_quoting_it() {
        let mut jwt = Config::new("http://login", "cid", AuthKind::Jwt);
        jwt.username = Some("u@x".into());
        jwt.private_key = Some(SecretString::from("-----BEGIN NONSENSE-----\nc2VjcmV0\n"));
        let err = AuthGrant::from_config(&jwt).expect_err("bad key");
        assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
    }

    #[test]
    fn debug_output_names_the_grant_only() {
        let mut cc = Config::new("http://login", "cid", AuthKind::ClientCredentials);
        cc.client_secret = Some(SecretString::from("hunter2"));
        let creds = AuthGrant::from_config(&cc).expect("credentials");
        assert_eq!(format!("{creds:?}"), "Credentials(client_credentials, [redacted])");
    }
}
