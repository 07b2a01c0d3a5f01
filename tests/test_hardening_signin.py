"""The sign-in throttle, the client's address behind proxies, API tokens on public routes and the
sign-in form's CSRF token, as a penetration test found them (issue 17): guesses sent at once are
counted one by one, the owner at another address still signs in, `X-Forwarded-For` counts only from a
trusted proxy, a dead token is 401 everywhere, and a CSRF cookie the server did not sign is refused."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import httpx
import pytest

from stratmon.store import web as web_store
from stratmon.store.db import get_engine
from stratmon.web.context import write_transaction
from stratmon.web.security import MAX_FAILURES_PER_CLIENT_ACCOUNT, is_device_of, is_form_token, signed_token
from webfixtures import PASSWORD, api_token, running_server, sign_in
from workspace_helpers import scalar

LOGIN = "/en/workspace/login"
WRONG = "not the password, surely"
_CSRF_COOKIE = re.compile(r"stratmon_csrf=([^;]+)")


def _csrf(address: str) -> str:
    """A CSRF token the server signed (its cookie is Secure, so the plain-HTTP client gets it by hand)."""
    page = httpx.get(address + LOGIN, timeout=30)
    found = _CSRF_COOKIE.search(page.headers.get("set-cookie", ""))
    assert page.status_code == 200 and found, page.headers
    return found.group(1)


def _sign_in(address: str, token: str, name: str, password: str, *, source: str = "127.0.0.1",
             forwarded_for: str | None = None) -> int:
    """One sign-in attempt from the loopback address `source`; its status code."""
    headers = {"cookie": f"stratmon_csrf={token}"}
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=60) as http:
        response = http.post(address + LOGIN, headers=headers, follow_redirects=False,
                             data={"name": name, "password": password, "csrf_token": token})
    return response.status_code


def _at_once(count: int, attempt) -> list[int]:
    """`attempt()` from `count` threads released together; their status codes."""
    start, statuses, lock = threading.Barrier(count), [], threading.Lock()

    def run():
        start.wait()
        status = attempt()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


# ------------------------------------------------------------------------------------ the throttle

def test_thirty_guesses_at_once_pass_no_more_than_the_limit_and_the_owner_elsewhere_signs_in(server):
    address, db_url = server
    token = _csrf(address)
    statuses = _at_once(30, lambda: _sign_in(address, token, "pablo", WRONG))
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) <= MAX_FAILURES_PER_CLIENT_ACCOUNT, statuses
    assert scalar(db_url, "SELECT count(*) FROM login_failure WHERE user_name = 'pablo'") \
        <= MAX_FAILURES_PER_CLIENT_ACCOUNT
    # The guesser's address is held up, even with the right password ...
    assert _sign_in(address, token, "pablo", PASSWORD) == 429
    # ... the owner at another address is not, and signing in there does not free the guesser.
    assert _sign_in(address, token, "pablo", PASSWORD, source="127.0.0.2") == 303
    assert _sign_in(address, token, "pablo", PASSWORD) == 429
    assert scalar(db_url, "SELECT count(*) FROM web_session") == 1


def test_attempts_are_counted_atomically_on_each_engine(db_url):
    from conftest import Cli

    assert Cli(db_url)("init").exit_code == 0
    engine = get_engine(db_url)
    limits = web_store.SignInLimits(per_client_account=5, per_client=20, window=timedelta(minutes=15),
                                    per_account=50, account_window=timedelta(hours=1))

    def attempt():
        with write_transaction(engine) as connection:
            return web_store.admit_sign_in(connection, "pablo", "198.51.100.1", limits)

    admitted = [found for found in _at_once(30, attempt) if found is not None]
    assert len(admitted) == 5 and len(set(admitted)) == 5
    engine.dispose()


def test_the_account_wide_limit_spares_a_browser_the_owner_signed_in_from(portal_url):
    limits = web_store.SignInLimits(per_client_account=5, per_client=20, window=timedelta(minutes=15),
                                    per_account=3, account_window=timedelta(hours=1))
    known_device = web_store.SignInLimits(**{**limits.__dict__, "per_account": None})
    engine = get_engine(portal_url)
    with write_transaction(engine) as connection:
        for client in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            assert web_store.admit_sign_in(connection, "pablo", client, limits) is not None
        assert web_store.admit_sign_in(connection, "pablo", "198.51.100.4", limits) is None
        assert not web_store.limit_reached_by_client(connection, "pablo", "198.51.100.4", limits)
        assert web_store.admit_sign_in(connection, "pablo", "198.51.100.4", known_device) is not None
        assert web_store.admit_sign_in(connection, "ana", "198.51.100.4", limits) is not None


def test_a_successful_sign_in_gives_a_device_cookie_bound_to_the_account(client):
    sign_in(client, "pablo")
    device = client.cookies.get("stratmon_device")
    assert is_device_of(device, "pablo") and not is_device_of(device, "ana")


# ----------------------------------------------------------------------------- the client's address

def test_x_forwarded_for_is_ignored_by_default(server):
    address, _db_url = server
    token = _csrf(address)
    for n in range(MAX_FAILURES_PER_CLIENT_ACCOUNT):
        assert _sign_in(address, token, "ana", WRONG, forwarded_for=f"203.0.113.{n + 1}") == 401
    assert _sign_in(address, token, "ana", PASSWORD, forwarded_for="203.0.113.99") == 429


def test_x_forwarded_for_counts_only_when_the_peer_is_a_trusted_proxy(portal_url, monkeypatch):
    monkeypatch.setenv("STRATMON_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    with running_server(portal_url) as address:
        token = _csrf(address)
        for _attempt in range(MAX_FAILURES_PER_CLIENT_ACCOUNT):
            assert _sign_in(address, token, "ana", WRONG, forwarded_for="203.0.113.7") == 401
        # The right-most address that is not a trusted proxy is the client, whatever it wrote to its left.
        assert _sign_in(address, token, "ana", PASSWORD, forwarded_for="198.51.100.9, 203.0.113.7, 10.1.2.3") == 429
        assert _sign_in(address, token, "ana", PASSWORD, forwarded_for="203.0.113.8") == 303
        # From a peer that is not a trusted proxy, the header is not read: 127.0.0.2 is a client of its own.
        for _attempt in range(MAX_FAILURES_PER_CLIENT_ACCOUNT):
            assert _sign_in(address, token, "olga", WRONG, source="127.0.0.2", forwarded_for="203.0.113.20") == 401
        assert _sign_in(address, token, "olga", PASSWORD, source="127.0.0.2", forwarded_for="203.0.113.21") == 429
        assert _sign_in(address, token, "olga", PASSWORD, forwarded_for="203.0.113.21") == 303


# ------------------------------------------------------------------------------- API tokens

def test_an_invalid_or_revoked_token_is_401_on_public_routes(client, portal_url):
    token = api_token(portal_url, "ana")
    for path in ("/api/v1/countries", "/api/v1/framework"):
        assert client.get(path).status_code == 200
        assert client.get(path, headers={"authorization": f"Bearer {token}"}).status_code == 200
        refused = client.get(path, headers={"authorization": "Bearer not-a-token"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer", refused.text
    with write_transaction(get_engine(portal_url)) as connection:
        issued = web_store.api_tokens(connection, "ana")[0]  # newest first
        assert web_store.revoke_api_token(connection, issued.id, "ana")
    for path in ("/api/v1/countries", "/api/v1/activities.xml?country=HN"):
        revoked = client.get(path, headers={"authorization": f"Bearer {token}"})
        assert revoked.status_code == 401, (path, revoked.text[:300])
        assert revoked.json()["error"] == "the API token is not valid (revoked, or mistyped)"


# -------------------------------------------------------------------------------- sign-in CSRF

@pytest.mark.parametrize("forged", ["attacker-chosen", "a.9999999999.b",
                                    signed_token("device", timedelta(hours=1), "")])
def test_a_csrf_cookie_the_server_did_not_sign_is_refused_on_the_sign_in_form(client, portal_url, forged):
    client.cookies.set("stratmon_csrf", forged)
    refused = client.post(LOGIN, data={"name": "ana", "password": PASSWORD, "csrf_token": forged},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert client.cookies.get("stratmon_session") is None
    assert scalar(portal_url, "SELECT count(*) FROM web_session") == 0


def test_the_sign_in_form_replaces_a_forged_csrf_cookie_with_a_signed_one(client):
    page = client.get(LOGIN, headers={"cookie": "stratmon_csrf=attacker-chosen"})
    issued = _CSRF_COOKIE.search(page.headers.get("set-cookie", ""))
    assert issued and is_form_token(issued.group(1)), page.headers
    assert f'name="csrf_token" value="{issued.group(1)}"' in page.text
