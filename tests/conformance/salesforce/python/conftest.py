"""Fixtures connecting simple-salesforce to the salesforce-sim started by ../run (URLs in the environment)."""

import os
import uuid

import pytest
import requests
from simple_salesforce import Salesforce

API_VERSION = "59.0"


@pytest.fixture(scope="session")
def env():
    return {
        "https": os.environ["SALESFORCE_SIM_HTTPS_URL"],
        "http": os.environ["SALESFORCE_SIM_HTTP_URL"],
        "ca": os.environ["SALESFORCE_SIM_CA_PEM"],
        "client_id": os.environ["SFSIM_CLIENT_ID"],
        "client_secret": os.environ["SFSIM_CLIENT_SECRET"],
        "username": os.environ["SFSIM_USERNAME"],
        "key_file": os.environ["SFSIM_JWT_KEY_FILE"],
    }


def https_session(env):
    """A requests session trusting the simulator's CA (and ignoring REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which
    requests would otherwise let override Session.verify)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = env["ca"]
    return session


@pytest.fixture(scope="session")
def token(env):
    """An access token from the client credentials grant, over HTTPS."""
    response = https_session(env).post(
        f"{env['https']}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["client_id"],
            "client_secret": env["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["instance_url"] == env["https"]
    return body["access_token"]


@pytest.fixture(scope="session")
def sf(env, token):
    return Salesforce(
        instance_url=env["https"],
        session_id=token,
        version=API_VERSION,
        session=https_session(env),
    )


@pytest.fixture
def tag():
    """A unique marker so that tests sharing one simulator do not see each other's records."""
    return "T" + uuid.uuid4().hex[:12]


@pytest.fixture
def admin(env):
    """The simulator's control endpoints (/_sim/...)."""

    def call(method, path, body=None):
        response = requests.request(method, f"{env['http']}/_sim/{path}", json=body)
        assert response.status_code < 300, response.text
        return response

    return call
