//! The three grants against the simulator's token endpoint, and refusals as typed errors.

use crate::helpers::{client_config, client_with, default_sim, untrusted_key};
use salesforce_client::{AuthErrorKind, AuthKind, Error, SecretString};

async fn assert_works(kind: AuthKind) {
    let sim = default_sim().await;
    let client = client_with(&client_config(&sim, kind));
    client.authenticate().await.expect("token issued");
    let describe = client.describe_contact().await.expect("an authenticated call succeeds");
    assert_eq!(describe.name, "Contact");
    assert_eq!(client.tokens_obtained(), 1);
}

fn auth_kind(err: Error) -> AuthErrorKind {
    match err {
        Error::Auth { kind, .. } => kind,
        other => panic!("expected an authentication error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_jwt_bearer_grant_obtains_a_token_that_the_api_accepts() {
    assert_works(AuthKind::Jwt).await;
}

#[tokio::test]
async fn the_client_credentials_grant_obtains_a_token_that_the_api_accepts() {
    assert_works(AuthKind::ClientCredentials).await;
}

#[tokio::test]
async fn the_refresh_token_grant_obtains_a_token_that_the_api_accepts() {
    assert_works(AuthKind::RefreshToken).await;
}

#[tokio::test]
async fn a_jwt_signed_with_an_untrusted_key_is_refused_with_a_typed_error() {
    let sim = default_sim().await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.private_key = Some(SecretString::from(untrusted_key()));
    let err = client_with(&config).authenticate().await.expect_err("wrong key refused");
    assert_eq!(auth_kind(err), AuthErrorKind::InvalidGrant);
}

#[tokio::test]
async fn a_jwt_for_the_wrong_audience_is_refused() {
    let sim = default_sim().await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.jwt_audience = Some("https://attacker.example.com".into());
    let err = client_with(&config).authenticate().await.expect_err("wrong audience refused");
    assert_eq!(auth_kind(err), AuthErrorKind::InvalidGrant);
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_and_never_shown() {
    let sim = default_sim().await;
    let mut config = client_config(&sim, AuthKind::ClientCredentials);
    config.client_secret = Some(SecretString::from("not-the-secret-4711"));
    let err = client_with(&config).authenticate().await.expect_err("wrong secret refused");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("not-the-secret-4711"), "{text}");
    assert!(matches!(auth_kind(err), AuthErrorKind::InvalidClient | AuthErrorKind::InvalidClientId));
}

#[tokio::test]
async fn an_unknown_consumer_key_is_refused() {
    let sim = default_sim().await;
    let mut config = client_config(&sim, AuthKind::ClientCredentials);
    config.client_id = "3MVG9-unknown".into();
    let err = client_with(&config).authenticate().await.expect_err("unknown client refused");
    assert!(matches!(auth_kind(err), AuthErrorKind::InvalidClientId | AuthErrorKind::InvalidClient));
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused() {
    let sim = default_sim().await;
    let mut config = client_config(&sim, AuthKind::RefreshToken);
    config.refresh_token = Some(SecretString::from("5Aep861-revoked"));
    let err = client_with(&config).authenticate().await.expect_err("unknown refresh token refused");
    assert_eq!(auth_kind(err), AuthErrorKind::InvalidGrant);
}

#[tokio::test]
async fn the_client_talks_https_when_given_the_simulators_ca() {
    let mut sim_config = crate::helpers::sim_config();
    sim_config.https_addr = salesforce_sim::SimConfig::default().https_addr;
    let sim = crate::helpers::spawn_sim(sim_config).await;
    let https_url = sim.https_url.clone().expect("https listener");
    let ca_file = sim.ca_pem.clone().expect("the simulator's CA file");
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.login_url = https_url.clone();
    config.jwt_audience = Some(sim.login_url.clone());
    let untrusting = client_with(&config);
    let err = untrusting.authenticate().await.expect_err("self-signed CA not trusted by default");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    config.ca_file = Some(ca_file);
    let client = client_with(&config);
    let id = client.create_contact(&crate::helpers::contact("Tls Tester")).await.expect("create over TLS");
    assert_eq!(client.get_contact(&id, Some(&["Id"])).await.expect("get").id, Some(id));
}
