//! The token requests. Client credentials and refresh token go through the `oauth2` crate; the JWT bearer
//! grant, which `oauth2` does not implement, is a plain form post with the same response handling.

use super::IssuedToken;
use super::credentials::AuthGrant;
use super::jwt::{Claims, assertion};
use crate::ExposeSecret;
use crate::{ApiError, AuthErrorKind, Error, SecretString};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpClientError, RefreshToken,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

/// The fields Salesforce adds to a token response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SalesforceFields {
    instance_url: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    issued_at: Option<String>,
}
impl ExtraTokenFields for SalesforceFields {}

type SalesforceTokenResponse = StandardTokenResponse<SalesforceFields, BasicTokenType>;
type OauthClient = oauth2::Client<
    BasicErrorResponse,
    SalesforceTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Runs the configured grant once.
pub(crate) async fn request(
    http: &reqwest::Client,
    token_url: &str,
    credentials: &AuthGrant,
) -> Result<IssuedToken, Error> {
    match credentials {
        AuthGrant::Jwt { client_id, username, audience, key } => {
            let now = chrono::Utc::now().timestamp();
            let jwt = assertion(&Claims::new(client_id, username, audience, now), key)?;
            jwt_bearer(http, token_url, &jwt).await
        }
        AuthGrant::ClientCredentials { client_id, secret } => {
            let client = oauth_client(token_url, client_id, Some(secret))?;
            let response = client.exchange_client_credentials().request_async(http).await;
            to_grant(response.map_err(map_oauth_error)?)
        }
        AuthGrant::RefreshToken { client_id, secret, refresh_token } => {
            let client = oauth_client(token_url, client_id, secret.as_ref())?;
            let token = refresh_token
                .read()
                .map(|t| RefreshToken::new(t.expose_secret().to_owned()))
                .map_err(|_| Error::Protocol("refresh token lock poisoned".into()))?;
            let response = client.exchange_refresh_token(&token).request_async(http).await;
            to_grant(response.map_err(map_oauth_error)?)
        }
    }
}

fn oauth_client(token_url: &str, client_id: &str, secret: Option<&SecretString>) -> Result<OauthClient, Error> {
    let token_url =
        TokenUrl::new(token_url.to_owned()).map_err(|e| Error::Config(format!("invalid login URL: {e}")))?;
    let client = oauth2::Client::new(ClientId::new(client_id.to_owned()))
        .set_token_uri(token_url)
        .set_auth_type(AuthType::RequestBody);
    Ok(match secret {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned())),
        None => client,
    })
}

fn to_grant(response: SalesforceTokenResponse) -> Result<IssuedToken, Error> {
    Ok(IssuedToken {
        access_token: SecretString::from(response.access_token().secret().clone()),
        instance_url: response.extra_fields().instance_url.clone(),
        refresh_token: response.refresh_token().map(|t| SecretString::from(t.secret().clone())),
    })
}

fn map_oauth_error(e: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => Error::Auth {
            kind: AuthErrorKind::from(r.error().as_ref()),
            description: r.error_description().cloned().unwrap_or_default(),
        },
        RequestTokenError::Request(HttpClientError::Reqwest(e)) => Error::transport(*e),
        RequestTokenError::Request(other) => Error::Protocol(format!("token request failed: {other}")),
        RequestTokenError::Parse(e, _body) => {
            Error::Protocol(format!("token endpoint answered an unreadable body: {}", e.path()))
        }
        RequestTokenError::Other(message) => Error::Protocol(format!("token endpoint: {message}")),
    }
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`.
async fn jwt_bearer(http: &reqwest::Client, token_url: &str, jwt: &str) -> Result<IssuedToken, Error> {
    let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", jwt)];
    let response = http
        .post(token_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(Error::transport)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(Error::transport)?;
    if status == 200 {
        let parsed: SalesforceTokenResponse =
            serde_json::from_str(&body).map_err(|e| Error::Protocol(format!("unreadable token response: {e}")))?;
        return to_grant(parsed);
    }
    Err(token_error(status, &body))
}

/// A failed token request: OAuth's `{"error","error_description"}` when present, else a status error.
fn token_error(status: u16, body: &str) -> Error {
    #[derive(Deserialize)]
    struct OauthError {
        error: String,
        #[serde(default)]
        error_description: String,
    }
    match serde_json::from_str::<OauthError>(body) {
        Ok(e) if status < 500 => {
            Error::Auth { kind: AuthErrorKind::from(e.error.as_str()), description: e.error_description }
        }
        _ => Error::Api(ApiError::from_response(status, body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salesforce_token_response_gives_token_and_instance() {
        let body = r#"{"access_token":"00Dxx!AR8","instance_url":"https://acme.my.salesforce.com",
            "id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer",
            "issued_at":"1728587587000","signature":"abc=","scope":"api"}"#;
        let parsed: SalesforceTokenResponse = serde_json::from_str(body).expect("token response");
        let grant = to_grant(parsed).expect("grant");
        assert_eq!(grant.access_token.expose_secret(), "00Dxx!AR8");
        assert_eq!(grant.instance_url, "https://acme.my.salesforce.com");
        assert!(grant.refresh_token.is_none());
    }

    #[test]
    fn an_oauth_error_body_becomes_a_typed_auth_error() {
        let err = token_error(400, r#"{"error":"invalid_grant","error_description":"invalid assertion"}"#);
        match err {
            Error::Auth { kind, description } => {
                assert_eq!(kind, AuthErrorKind::InvalidGrant);
                assert_eq!(description, "invalid assertion");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_server_error_at_the_token_endpoint_is_retryable() {
        assert!(token_error(503, "down").is_retryable());
        assert!(!token_error(400, r#"{"error":"invalid_client_id"}"#).is_retryable());
    }
}
