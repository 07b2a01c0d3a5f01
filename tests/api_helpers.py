"""Helpers the API tests share: tokens, a partner's real activities, the number of stored values."""

from __future__ import annotations

from sqlalchemy import func, select

from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.results import PARTNER_ROLES
from stratmon.store.web import add_api_token
from stratmon.web.security import new_token


def token_for(db_url: str, name: str) -> str:
    """A fresh API token for `name`, stored as the workspace stores it."""
    token = new_token()
    with get_engine(db_url).begin() as connection:
        add_api_token(connection, name, "test", token)
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def activity_of(db_url: str, org_ref: str, not_of: str | None = None) -> str:
    """A real activity `org_ref` carries out (and `not_of` does not)."""
    activity, org = schema.activity, schema.participating_org

    def carried_out_by(ref: str):
        return (select(activity.c.iati_identifier).join(org, org.c.activity_id == activity.c.id)
                .where(org.c.ref == ref, org.c.role.in_(PARTNER_ROLES)).order_by(activity.c.iati_identifier))

    with get_engine(db_url).connect() as connection:
        found = list(dict.fromkeys(connection.execute(carried_out_by(org_ref)).scalars()))
        theirs = set(connection.execute(carried_out_by(not_of)).scalars()) if not_of else set()
    found = [identifier for identifier in found if identifier not in theirs]
    assert found, org_ref
    return found[0]


def stored_values(db_url: str) -> int:
    """How many result values the database holds."""
    with get_engine(db_url).connect() as connection:
        return connection.execute(select(func.count()).select_from(schema.result_value)).scalar_one()
