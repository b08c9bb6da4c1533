"""OAuth grants as independent clients make them: simple-salesforce's own JWT bearer login, and refusals."""

import time

import jwt
import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce

from conftest import https_session


class LoginHostToSimulator(HTTPAdapter):
    """Sends requests for Salesforce's login host to the simulator (simple-salesforce hardcodes the host)."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://login.salesforce.com", self.target, 1)
        return super().send(request, **kwargs)


def test_simple_salesforce_logs_in_with_a_jwt_bearer_assertion(env):
    session = https_session(env)
    session.mount("https://login.salesforce.com", LoginHostToSimulator(env["https"]))
    sf = Salesforce(username=env["username"], consumer_key=env["client_id"],
                    privatekey_file=env["key_file"], session=session, version="59.0")
    assert sf.sf_instance == env["https"].removeprefix("https://")
    assert sf.query("SELECT Id FROM Contact LIMIT 1")["done"] is True


def assertion(env, **overrides):
    claims = {"iss": env["client_id"], "sub": env["username"], "aud": env["https"], "exp": int(time.time()) + 120}
    claims.update(overrides)
    return jwt.encode(claims, open(env["key_file"]).read(), algorithm="RS256")


def token_request(env, data):
    return requests.post(f"{env['https']}/services/oauth2/token", data=data, verify=env["ca"])


def test_a_jwt_for_our_my_domain_audience_gets_a_token(env):
    response = token_request(env, {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": assertion(env)})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["instance_url"] == env["https"]
    assert "refresh_token" not in body and body["issued_at"].isdigit()


@pytest.mark.parametrize("overrides,error", [
    ({"exp": int(time.time()) - 60}, "invalid_grant"),
    ({"aud": "https://example.com"}, "invalid_grant"),
    ({"iss": "another-app"}, "invalid_client_id"),
])
def test_bad_jwt_assertions_get_salesforce_oauth_errors(env, overrides, error):
    response = token_request(env, {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": assertion(env, **overrides)})
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_wrong_client_secret_is_refused(env):
    response = token_request(env, {"grant_type": "client_credentials", "client_id": env["client_id"],
                                   "client_secret": "wrong"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"
