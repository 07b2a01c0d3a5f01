"""Passwords (argon2), random and signed tokens, and the sign-in throttle's limits.

The throttle counts failed sign-ins three ways. One client may fail MAX_FAILURES_PER_CLIENT_ACCOUNT
times for one account and MAX_FAILURES_PER_CLIENT times in all within THROTTLE_WINDOW: that holds up
the guesser, never the account's owner at another address. All clients together may fail
MAX_FAILURES_PER_ACCOUNT times for one account within ACCOUNT_THROTTLE_WINDOW, which bounds guessing
from many addresses; a browser the owner has signed in from before carries a signed device cookie
(DEVICE_COOKIE) and is exempt from that one, so that no one elsewhere can lock the owner out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from stratmon.config import secret_key

SESSION_COOKIE = "stratmon_session"
CSRF_COOKIE = "stratmon_csrf"
CSRF_FIELD = "csrf_token"
DEVICE_COOKIE = "stratmon_device"
SESSION_LIFETIME = timedelta(hours=8)
CSRF_LIFETIME = timedelta(hours=12)  # a sign-in form left open overnight is reloaded
DEVICE_LIFETIME = timedelta(days=90)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
ACCOUNT_THROTTLE_WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_ACCOUNT = 50
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a bound keeps hashing cheap to refuse

_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so that timing does not tell which names exist.
    return _hasher.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from (False for no hash)."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random, URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(32)


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two secrets; missing ones never match."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


# ---------------------------------------------------------------------------------- signed tokens
# A signed token is "nonce.expiry.signature": the signature (HMAC-SHA256 under config.secret_key) covers
# what the token is for and whom it is bound to, so that a value someone else chose, one made for
# another purpose or account, or an expired one is refused.
_MAX_SIGNED_TOKEN_LENGTH = 200


def _signature(purpose: str, bound_to: str, nonce: str, expires: str) -> str:
    message = "\x1f".join((purpose, bound_to, nonce, expires)).encode("utf-8")
    digest = hmac.new(secret_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_token(purpose: str, lifetime: timedelta, bound_to: str = "") -> str:
    """A new random token for `purpose` (bound to `bound_to`), valid for `lifetime`."""
    nonce = secrets.token_urlsafe(24)
    expires = str(int(time.time() + lifetime.total_seconds()))
    return f"{nonce}.{expires}.{_signature(purpose, bound_to, nonce, expires)}"


def is_signed_token(token: str | None, purpose: str, bound_to: str = "") -> bool:
    """Whether `token` was made by `signed_token` here for `purpose` and `bound_to`, and is still valid."""
    if not token or len(token) > _MAX_SIGNED_TOKEN_LENGTH or token.count(".") != 2:
        return False
    nonce, expires, signature = token.split(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return same_secret(signature, _signature(purpose, bound_to, nonce, expires))


def new_form_token() -> str:
    """The CSRF token of a browser without a session (the sign-in form's double-submit cookie)."""
    return signed_token("csrf", CSRF_LIFETIME)


def is_form_token(token: str | None) -> bool:
    return is_signed_token(token, "csrf")


def new_device_token(user_name: str) -> str:
    """The device cookie of a browser `user_name` has just signed in from."""
    return signed_token("device", DEVICE_LIFETIME, user_name)


def is_device_of(token: str | None, user_name: str) -> bool:
    return is_signed_token(token, "device", user_name)
