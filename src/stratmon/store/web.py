"""What the web workspace writes: passwords, sessions, API tokens, sign-in failures, documents.

Secrets are never stored as given: session and API tokens as SHA-256 hashes (they are long and
random, so a fast hash is enough), passwords as argon2 hashes made by `web.security`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, DateTime, delete, func, insert, literal, select, update

from stratmon.indicators.workflow import User
from stratmon.store import schema
from stratmon.store.runs import now


def token_digest(token: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_row(connection: Connection, name: str):
    """The app_user row called `name` (with its password hash), if any."""
    return connection.execute(select(schema.app_user).where(schema.app_user.c.name == name)).first()


@dataclass(frozen=True)
class Account:
    """A user as the administrator's list shows them (never the password hash itself)."""

    user: User
    has_password: bool
    created_at: datetime


def accounts(connection: Connection) -> list[Account]:
    """Every user, by name, with whether they can sign in to the workspace."""
    table = schema.app_user
    rows = connection.execute(select(table.c.name, table.c.role, table.c.org_ref, table.c.password_hash.is_not(None),
                                     table.c.created_at).order_by(table.c.name))
    return [Account(User(name, role, org_ref), bool(has_password), created_at)
            for name, role, org_ref, has_password, created_at in rows]


def set_password_hash(connection: Connection, name: str, password_hash: str) -> bool:
    """Store a user's new password hash and end their sessions; False when there is no such user."""
    table = schema.app_user
    found = connection.execute(update(table).where(table.c.name == name).values(password_hash=password_hash))
    if not found.rowcount:
        return False
    user_id = connection.execute(select(table.c.id).where(table.c.name == name)).scalar_one()
    connection.execute(delete(schema.web_session).where(schema.web_session.c.user_id == user_id))
    return True


# --------------------------------------------------------------------------------------- sessions

@dataclass(frozen=True)
class WebSession:
    """A signed-in person and the CSRF token bound to their session."""

    user: User
    csrf_token: str
    expires_at: datetime


def start_session(connection: Connection, user_name: str, token: str, csrf_token: str, lifetime: timedelta) -> None:
    """Record a new session for `user_name` under `token` (kept only as its digest)."""
    user_id = connection.execute(select(schema.app_user.c.id).where(schema.app_user.c.name == user_name)).scalar_one()
    started = now()
    connection.execute(delete(schema.web_session).where(schema.web_session.c.expires_at < started))
    connection.execute(insert(schema.web_session).values(token_hash=token_digest(token), user_id=user_id,
                                                         csrf_token=csrf_token, created_at=started,
                                                         expires_at=started + lifetime))


def find_session(connection: Connection, token: str) -> WebSession | None:
    """The live session `token` opens, if any."""
    session, user = schema.web_session, schema.app_user
    row = connection.execute(
        select(user.c.name, user.c.role, user.c.org_ref, session.c.csrf_token, session.c.expires_at)
        .join(user, user.c.id == session.c.user_id)
        .where(session.c.token_hash == token_digest(token), session.c.expires_at > now())).first()
    return WebSession(User(row.name, row.role, row.org_ref), row.csrf_token, row.expires_at) if row else None


def end_session(connection: Connection, token: str) -> None:
    connection.execute(delete(schema.web_session).where(schema.web_session.c.token_hash == token_digest(token)))


# ------------------------------------------------------------------------------------- API tokens

@dataclass(frozen=True)
class ApiToken:
    id: int
    user_name: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def add_api_token(connection: Connection, user_name: str, label: str, token: str) -> int:
    """Record a new API token for `user_name`; returns its id."""
    user_id = connection.execute(select(schema.app_user.c.id).where(schema.app_user.c.name == user_name)).scalar_one()
    return connection.execute(insert(schema.api_token).values(
        user_id=user_id, label=label, token_hash=token_digest(token), created_at=now())
        .returning(schema.api_token.c.id)).scalar_one()


# When a token was last used is kept to the minute (as the workspace shows it): noting every request
# would make each API call a write, and SQLite takes one writer at a time.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenUse:
    """An unrevoked API token: whose it is, and when its use was last noted."""

    token_id: int
    user: User
    last_used_at: datetime | None

    def is_noted(self, at: datetime) -> bool:
        """Whether a use at `at` is already on record, to LAST_USED_PRECISION."""
        return self.last_used_at is not None and at - self.last_used_at < LAST_USED_PRECISION


def token_use(connection: Connection, token: str) -> TokenUse | None:
    """The unrevoked API token `token`, if any (a read; `note_token_use` writes)."""
    tokens, user = schema.api_token, schema.app_user
    row = connection.execute(select(tokens.c.id, tokens.c.last_used_at, user.c.name, user.c.role, user.c.org_ref)
                             .join(user, user.c.id == tokens.c.user_id)
                             .where(tokens.c.token_hash == token_digest(token), tokens.c.revoked_at.is_(None))).first()
    return TokenUse(row.id, User(row.name, row.role, row.org_ref), row.last_used_at) if row else None


def note_token_use(connection: Connection, token_id: int, at: datetime) -> None:
    connection.execute(update(schema.api_token).where(schema.api_token.c.id == token_id).values(last_used_at=at))


def api_tokens(connection: Connection, user_name: str | None = None) -> list[ApiToken]:
    """API tokens, newest first (one user's, or everyone's)."""
    tokens, user = schema.api_token, schema.app_user
    statement = (select(tokens.c.id, user.c.name, tokens.c.label, tokens.c.created_at, tokens.c.last_used_at,
                        tokens.c.revoked_at).join(user, user.c.id == tokens.c.user_id)
                 .order_by(tokens.c.created_at.desc(), tokens.c.id.desc()))
    if user_name is not None:
        statement = statement.where(user.c.name == user_name)
    return [ApiToken(*row) for row in connection.execute(statement)]


def revoke_api_token(connection: Connection, token_id: int, user_name: str | None) -> bool:
    """Revoke a token (only `user_name`'s unless None); False when there is no such live token."""
    tokens = schema.api_token
    conditions = [tokens.c.id == token_id, tokens.c.revoked_at.is_(None)]
    if user_name is not None:
        owner = select(schema.app_user.c.id).where(schema.app_user.c.name == user_name).scalar_subquery()
        conditions.append(tokens.c.user_id == owner)
    return bool(connection.execute(update(tokens).where(*conditions).values(revoked_at=now())).rowcount)


# ------------------------------------------------------------------------------ sign-in throttling

@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed within which window (see `web.security`); the
    per-account limit is None for a browser the account's owner has signed in from before."""

    per_client_account: int
    per_client: int
    window: timedelta
    per_account: int | None
    account_window: timedelta


# Sign-in attempts are serialised per account name and per client on PostgreSQL (SQLite's BEGIN
# IMMEDIATE already serialises every writer), so that guesses sent at once are counted one by one.
_SIGN_IN_LOCK_CLASS = 0x53494E  # the first key of a two-key advisory lock: "SIN"


def _serialise_sign_in(connection: Connection, user_name: str, client: str) -> None:
    if connection.dialect.name == "postgresql":
        for key in (f"account:{user_name}", f"client:{client}"):  # always in this order: no deadlock
            connection.execute(select(func.pg_advisory_xact_lock(_SIGN_IN_LOCK_CLASS, func.hashtext(key))))


def admit_sign_in(connection: Connection, user_name: str, client: str, limits: SignInLimits) -> int | None:
    """Count a sign-in attempt as a failure unless a limit is already reached, checking and counting
    in one statement: the id of the recorded attempt (to `forget_sign_in` when the password is right),
    or None when the attempt is refused. Call it in a write transaction."""
    failures = schema.login_failure
    user_name, client = user_name[:200], client[:100]
    _serialise_sign_in(connection, user_name, client)
    at = now()
    oldest_counted = at - max(limits.window, limits.account_window)
    connection.execute(delete(failures).where(failures.c.at < oldest_counted))

    def failed(since: datetime, *conditions):
        return select(func.count()).where(failures.c.at >= since, *conditions).scalar_subquery()

    since = at - limits.window
    below_limits = [failed(since, failures.c.user_name == user_name, failures.c.client == client)
                    < limits.per_client_account,
                    failed(since, failures.c.client == client) < limits.per_client]
    if limits.per_account is not None:
        below_limits.append(failed(at - limits.account_window, failures.c.user_name == user_name)
                            < limits.per_account)
    attempt = select(literal(user_name), literal(client), literal(at, DateTime)).where(*below_limits)
    return connection.execute(insert(failures).from_select(["user_name", "client", "at"], attempt)
                              .returning(failures.c.id)).scalar()


def limit_reached_by_client(connection: Connection, user_name: str, client: str, limits: SignInLimits) -> bool:
    """Whether a refused sign-in was refused for this client's failures (else for the account's)."""
    failures = schema.login_failure
    since = now() - limits.window
    by_pair, by_client = (connection.execute(select(func.count()).where(failures.c.at >= since, *conditions))
                          .scalar_one()
                          for conditions in ((failures.c.user_name == user_name[:200],
                                              failures.c.client == client[:100]),
                                             (failures.c.client == client[:100],)))
    return by_pair >= limits.per_client_account or by_client >= limits.per_client


def forget_sign_in(connection: Connection, attempt_id: int, user_name: str, client: str) -> None:
    """A right password: the attempt and this client's earlier failures for the account stop counting
    (other clients' failures still count against the account: the owner does not reset a guesser)."""
    failures = schema.login_failure
    connection.execute(delete(failures).where(failures.c.id == attempt_id))
    connection.execute(delete(failures).where(failures.c.user_name == user_name[:200],
                                              failures.c.client == client[:100]))


# -------------------------------------------------------------------------------------- documents

DOCUMENT_KINDS = ("remarks", "fact_sheet", "release", "report")


@dataclass(frozen=True)
class Document:
    """A dated document published on the portal (its file's bytes are read separately)."""

    id: int
    kind: str
    lang: str
    title: str
    published_on: date
    summary: str | None
    body: str | None
    file_name: str | None
    media_type: str | None
    created_by: str


_DOCUMENT_COLUMNS = ("id", "kind", "lang", "title", "published_on", "summary", "body", "file_name", "media_type",
                     "created_by")


def add_document(connection: Connection, *, kind: str, lang: str, title: str, published_on: date,
                 summary: str | None, body: str | None, file_name: str | None, media_type: str | None,
                 content: bytes | None, created_by: str) -> int:
    """Publish a document; returns its id."""
    return connection.execute(insert(schema.document).values(
        kind=kind, lang=lang, title=title, published_on=published_on, summary=summary, body=body,
        file_name=file_name, media_type=media_type, content=content, created_by=created_by, created_at=now())
        .returning(schema.document.c.id)).scalar_one()


def documents(connection: Connection, *, lang: str | None = None, kind: str | None = None,
              limit: int | None = None) -> list[Document]:
    """Published (not withdrawn) documents, newest first."""
    table = schema.document
    statement = (select(*(table.c[name] for name in _DOCUMENT_COLUMNS)).where(table.c.withdrawn_at.is_(None))
                 .order_by(table.c.published_on.desc(), table.c.id.desc()))
    if lang:
        statement = statement.where(table.c.lang == lang)
    if kind:
        statement = statement.where(table.c.kind == kind)
    if limit:
        statement = statement.limit(limit)
    return [Document(*row) for row in connection.execute(statement)]


def document(connection: Connection, document_id: int) -> Document | None:
    table = schema.document
    row = connection.execute(select(*(table.c[name] for name in _DOCUMENT_COLUMNS))
                             .where(table.c.id == document_id, table.c.withdrawn_at.is_(None))).first()
    return Document(*row) if row else None


def document_content(connection: Connection, document_id: int) -> bytes | None:
    table = schema.document
    return connection.execute(select(table.c.content).where(table.c.id == document_id,
                                                            table.c.withdrawn_at.is_(None))).scalar()


def withdraw_document(connection: Connection, document_id: int) -> bool:
    table = schema.document
    return bool(connection.execute(update(table).where(table.c.id == document_id, table.c.withdrawn_at.is_(None))
                                   .values(withdrawn_at=now())).rowcount)
