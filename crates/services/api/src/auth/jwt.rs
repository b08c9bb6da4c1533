//! JWT bearer tokens from a team's identity provider, verified offline: signature against a configured key
//! (`API_JWT_KEY_FILE`, one PEM public key) or key set (`API_JWT_JWKS_FILE`, a JWKS document, keys chosen by
//! `kid`), issuer, audience, expiry and not-before (60 s leeway). The role is the claim `API_JWT_ROLE_CLAIM`
//! (default `role`): a role name, or a list of names of which the highest counts. A token without a known role
//! is refused with 403: it proves who the caller is, not that they may do anything.

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use store::access::Role;

use super::Principal;
use crate::config::ApiConfig;
use crate::error::ApiError;

pub struct JwtVerifier {
    keys: Keys,
    validation: Validation,
    role_claim: String,
}

enum Keys {
    One(DecodingKey, Algorithm),
    ByKid(HashMap<String, (DecodingKey, Algorithm)>),
}

/// Asymmetric algorithms only: a shared HMAC secret would let every verifier mint tokens.
const ALGORITHMS: [Algorithm; 6] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA];

impl JwtVerifier {
    /// None when no JWT issuer is configured.
    pub fn from_config(config: &ApiConfig) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = &config.jwt_issuer else {
            return Ok(None);
        };
        let audience = config
            .jwt_audience
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("API_JWT_AUDIENCE is required with API_JWT_ISSUER"))?;
        let keys = match (&config.jwt_key_file, &config.jwt_jwks_file) {
            (Some(path), None) => {
                let pem = std::fs::read(path).map_err(|e| anyhow::anyhow!("reading API_JWT_KEY_FILE {path}: {e}"))?;
                let (key, alg) = pem_key(&pem)?;
                Keys::One(key, alg)
            }
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("reading API_JWT_JWKS_FILE {path}: {e}"))?;
                Keys::ByKid(jwks(&text)?)
            }
            _ => anyhow::bail!("set exactly one of API_JWT_KEY_FILE and API_JWT_JWKS_FILE with API_JWT_ISSUER"),
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = ALGORITHMS.to_vec();
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        Ok(Some(Self { keys, validation, role_claim: config.jwt_role_claim.clone() }))
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let invalid = |_| ApiError::Unauthenticated("the token is not valid");
        let header = jsonwebtoken::decode_header(token).map_err(invalid)?;
        let (key, alg) = match &self.keys {
            Keys::One(key, alg) => (key, *alg),
            Keys::ByKid(keys) => {
                let kid = header.kid.as_deref().ok_or(ApiError::Unauthenticated("the token names no key (kid)"))?;
                let (key, alg) = keys.get(kid).ok_or(ApiError::Unauthenticated("the token's key is not trusted"))?;
                (key, *alg)
            }
        };
        if header.alg != alg {
            return Err(ApiError::Unauthenticated("the token's algorithm does not match its key"));
        }
        let mut validation = self.validation.clone();
        validation.algorithms = vec![alg];
        let claims = jsonwebtoken::decode::<HashMap<String, Value>>(token, key, &validation).map_err(invalid)?.claims;
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
        let role = highest_role(claims.get(&self.role_claim));
        match role {
            Some(role) => Ok(Principal { actor: format!("jwt:{}", sanitize(subject)), role }),
            None => Err(ApiError::NoRole),
        }
    }
}

fn highest_role(claim: Option<&Value>) -> Option<Role> {
    match claim? {
        Value::String(s) => s.parse().ok(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).filter_map(|s| s.parse().ok()).max(),
        _ => None,
    }
}

/// Subjects go to the audit trail and logs: printable characters only, bounded.
fn sanitize(subject: &str) -> String {
    subject.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn pem_key(pem: &[u8]) -> anyhow::Result<(DecodingKey, Algorithm)> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Ok((key, Algorithm::RS256));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        return Ok((key, Algorithm::ES256));
    }
    if let Ok(key) = DecodingKey::from_ed_pem(pem) {
        return Ok((key, Algorithm::EdDSA));
    }
    anyhow::bail!("API_JWT_KEY_FILE holds no RSA, EC P-256 or Ed25519 public key in PEM")
}

fn jwks(text: &str) -> anyhow::Result<HashMap<String, (DecodingKey, Algorithm)>> {
    let set: JwkSet =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("API_JWT_JWKS_FILE is not a JWKS: {e}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else { continue };
        let alg = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
            jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_) => continue,
        };
        let alg = jwk.common.key_algorithm.and_then(|a| a.to_string().parse().ok()).unwrap_or(alg);
        if !ALGORITHMS.contains(&alg) {
            continue;
        }
        keys.insert(kid, (DecodingKey::from_jwk(jwk)?, alg));
    }
    anyhow::ensure!(!keys.is_empty(), "API_JWT_JWKS_FILE has no usable key with a kid");
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_highest_known_role_of_a_list_counts() {
        assert_eq!(highest_role(Some(&json!("editor"))), Some(Role::Editor));
        assert_eq!(highest_role(Some(&json!(["viewer", "operator", "wizard"]))), Some(Role::Operator));
        assert_eq!(highest_role(Some(&json!(["wizard"]))), None);
        assert_eq!(highest_role(Some(&json!(7))), None);
        assert_eq!(highest_role(None), None);
    }
}
