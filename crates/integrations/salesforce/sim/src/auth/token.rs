//! `POST /services/oauth2/token`: JWT bearer, client credentials and refresh token grants.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::OAuthError;
use super::jwt::check_exp;
use crate::app::Sim;

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

type Form = HashMap<String, String>;

pub async fn token_endpoint(
    sim: web::Data<Sim>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let form: Form =
        serde_urlencoded::from_bytes(&body).map_err(|_| OAuthError::new("invalid_request", "invalid request body"))?;
    let grant = form.get("grant_type").map(String::as_str).unwrap_or_default();
    let user_id = match grant {
        JWT_GRANT => jwt_bearer(&sim, &form)?,
        "client_credentials" => client_credentials(&sim, &req, &form)?,
        "refresh_token" => refresh_token(&sim, &form)?,
        "" => return Err(OAuthError::new("unsupported_grant_type", "grant type not supported")),
        _ => return Err(OAuthError::new("unsupported_grant_type", "grant type not supported")),
    };
    Ok(issue(&sim, &req, &user_id))
}

fn jwt_bearer(sim: &Sim, form: &Form) -> Result<String, OAuthError> {
    let assertion = form.get("assertion").ok_or(OAuthError::new("invalid_request", "assertion is required"))?;
    let verifier = sim.jwt.as_ref().ok_or(OAuthError::new("invalid_grant", "invalid assertion"))?;
    let claims = verifier.verify(assertion)?;
    if claims.iss.as_deref() != Some(sim.config.client_id.as_str()) {
        return Err(OAuthError::new("invalid_client_id", "client identifier invalid"));
    }
    let audiences = sim.audiences();
    let aud_ok = claims.aud.iter().any(|a| audiences.contains(&a.trim_end_matches('/')));
    if !aud_ok {
        return Err(OAuthError::new("invalid_grant", "audience is invalid"));
    }
    check_exp(claims.exp)?;
    if claims.sub.as_deref() != Some(sim.config.username.as_str()) {
        return Err(OAuthError::new("invalid_grant", "user hasn't approved this consumer"));
    }
    Ok(sim.user_id.clone())
}

fn client_credentials(sim: &Sim, req: &HttpRequest, form: &Form) -> Result<String, OAuthError> {
    let (id, secret) = basic_auth(req)
        .or_else(|| Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone())))
        .ok_or(OAuthError::new("invalid_client", "invalid client credentials"))?;
    if id != sim.config.client_id {
        return Err(OAuthError::new("invalid_client_id", "client identifier invalid"));
    }
    if !ct_eq(&secret, &sim.config.client_secret) {
        return Err(OAuthError::new("invalid_client", "invalid client credentials"));
    }
    Ok(sim.user_id.clone())
}

fn refresh_token(sim: &Sim, form: &Form) -> Result<String, OAuthError> {
    if form.get("client_id") != Some(&sim.config.client_id) {
        return Err(OAuthError::new("invalid_client_id", "client identifier invalid"));
    }
    if let Some(secret) = form.get("client_secret")
        && !ct_eq(secret, &sim.config.client_secret)
    {
        return Err(OAuthError::new("invalid_client", "invalid client credentials"));
    }
    let token = form.get("refresh_token").map(String::as_str).unwrap_or_default();
    if !sim.config.refresh_tokens.iter().any(|t| ct_eq(t, token)) {
        return Err(OAuthError::new("invalid_grant", "expired access/refresh token"));
    }
    Ok(sim.user_id.clone())
}

fn basic_auth(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get("Authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The success body; `instance_url` uses the scheme the request came in on.
fn issue(sim: &Sim, req: &HttpRequest, user_id: &str) -> HttpResponse {
    let token = sim.sessions.issue(&sim.org_id, user_id, sim.config.token_ttl);
    let instance_url = match (req.connection_info().scheme(), &sim.urls.https) {
        ("https", Some(https)) => https.clone(),
        _ => sim.urls.http.clone(),
    };
    let id = format!("{instance_url}/id/{}/{user_id}", sim.org_id);
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    #[allow(clippy::expect_used)]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(sim.config.client_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    HttpResponse::Ok().json(serde_json::json!({
        "access_token": token,
        "instance_url": instance_url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": STANDARD.encode(mac.finalize().into_bytes()),
        "scope": "api",
    }))
}

/// Constant-time string comparison for secrets.
fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}
