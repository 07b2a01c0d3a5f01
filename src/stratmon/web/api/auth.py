"""Who is asking the API: the bearer token's user, and the roles a route requires.

No token on a route that needs one, or a token that opens nothing (unknown, mistyped, revoked) on
any route, public ones included, is 401 with `WWW-Authenticate: Bearer`; a known user whose role
may not is 403. Refused writes are audited by the routes themselves.
"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stratmon.i18n import _
from stratmon.indicators.workflow import REVIEWERS, User
from stratmon.web.context import api_user, bearer_token

# Documents the scheme in the OpenAPI document; the token itself is read by `context.api_user`.
bearer = HTTPBearer(auto_error=False, description="An API token from `stratmon users token NAME` "
                                                  "or the workspace.")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def token_user(request: Request) -> User | None:
    """The user whose token the request carries, if any. A token that opens nothing is 401 even on a
    public route, so that a script notices it was revoked (every API route depends on this)."""
    user = api_user(request)
    if user is None and bearer_token(request) is not None:
        raise _unauthorized(_("the API token is not valid (revoked, or mistyped)"))
    return user


def caller(user: User | None = Depends(token_user),
           _credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> User | None:
    """The token's user, if any (public routes show them more); documents the bearer scheme."""
    return user


def signed_in(user: User | None = Depends(caller)) -> User:
    """The token's user; 401 without a valid token."""
    if user is None:
        raise _unauthorized(_("this needs an API token: send the header Authorization: Bearer TOKEN"))
    return user


def reviewer(user: User = Depends(signed_in)) -> User:
    """An analyst or an administrator; 403 for anyone else."""
    if user.role not in REVIEWERS:
        raise HTTPException(403, _("only an analyst or an administrator may do this"))
    return user


def administrator(user: User = Depends(signed_in)) -> User:
    """An administrator; 403 for anyone else."""
    if user.role != "admin":
        raise HTTPException(403, _("only an administrator may do this"))
    return user
