"""Public answers from the page cache (web/page_cache.py), keyed by the data version (store/data_version.py):
never stale (a write shows on the next request, whoever made it and in whichever process), revalidated
with ETags, and never shared between a signed-in person and anyone else."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import text

from stratmon.analysis import alignment_state as alignment_state_module
from stratmon.analysis import indicator_registry, labels, published_results
from stratmon.store import data_version, schema
from stratmon.store.data_version import PerDataVersion, read_data_version
from stratmon.store.db import get_engine
from stratmon.store.read_memo import ReadOnlyConnection, with_read_memo
from stratmon.store.web import add_document
from stratmon.web.portal import activity as activity_view
from stratmon.web.portal import common as portal_common
from stratmon.web.portal import data as data_view
from stratmon.web.page_cache import PageCacheMiddleware
from stratmon.web.portal import home as home_view

from api_helpers import activity_of, bearer, token_for
from conftest import FIXTURES, Cli
from webfixtures import PARTNER_ORG, client_for, sign_in, start_server, stop_server

ALIGN_FIXTURE = FIXTURES / "align" / "activities.xml"
UNALIGNED = "US-GOV-6-ALIGN-NOTHING"
# Pages of the real portal (webfixtures.portal_master).
PUBLIC_PAGES = ("/en/", "/es/", "/en/countries/GT", "/en/activities?country=GT",
                "/en/activities/US-GOV-18-SLV-2750BXCOMD-CONN%20PROJ-0151", "/en/indicators", "/en/releases",
                "/en/lines", "/es/data")


# ------------------------------------------------------------------------------------ the data version

def test_every_table_is_tracked_bulk_or_private():
    placed = [*data_version.TRACKED, *data_version.BULK, *data_version.PRIVATE]
    assert len(placed) == len(set(placed)), "a table is placed twice"
    assert set(placed) == set(schema.metadata.tables), \
        "place each table of the schema in store/data_version.py: " + ", ".join(
            sorted(set(schema.metadata.tables) ^ set(placed)))


def _triggered_tables(connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        return set(connection.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                           "AND name LIKE 'data_version_%'")).scalars())
    return set(connection.execute(text("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                       "WHERE NOT t.tgisinternal AND t.tgname LIKE 'data_version_%'")).scalars())


def test_writes_to_tracked_tables_move_the_version_once_committed(engine):
    def version() -> str | None:
        with engine.connect() as connection:
            return read_data_version(connection)

    with engine.connect() as connection:
        assert _triggered_tables(connection) == set(data_version.TRACKED)
    first = version()
    assert first is not None and re.fullmatch(r"[0-9a-f]{16}\.\d+", first)
    insert = text("INSERT INTO document (kind, lang, title, published_on, created_by, created_at) "
                  "VALUES ('release', 'en', :title, '2020-01-01', 'test', '2020-01-01 00:00:00')")
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(insert, {"title": "rolled back"})
        transaction.rollback()
    assert version() == first
    with engine.begin() as connection:
        connection.execute(insert, {"title": "kept"})
        connection.execute(insert, {"title": "kept too"})
    second = version()
    assert second != first and second.split(".")[0] == first.split(".")[0]
    assert int(second.split(".")[1]) > int(first.split(".")[1])
    # Private tables (users, sessions, tokens, the audit log) move nothing: signing in keeps the cache.
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO app_user (name, role, created_at) "
                                "VALUES ('someone', 'admin', '2020-01-01 00:00:00')"))
        connection.execute(text("INSERT INTO audit_log (at, user_name, action, entity, outcome) "
                                "VALUES ('2020-01-01 00:00:00', 'someone', 'x', 'y', 'done')"))
    assert version() == second



def test_values_are_kept_per_data_version_and_an_older_versions_dropped(engine):
    kept = PerDataVersion(size=4)
    made = []

    def value(key: str) -> str:
        with engine.connect() as connection:
            return kept.get(connection, key, lambda: made.append(key) or f"{key}{len(made)}")

    assert (value("a"), value("b"), value("a")) == ("a1", "b2", "a1")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO document (kind, lang, title, published_on, created_by, created_at) "
                                "VALUES ('release', 'en', 'moves it', '2020-01-01', 'test', '2020-01-01 00:00:00')"))
    assert value("a") == "a3" and len(kept._kept) == 1, "the older version's values are still kept"
    assert value("a") == "a3"


def _asked_beside_a_slow_computation(engine, kept: PerDataVersion, slow: Callable[[], str],
                                     then: Callable[[], str]) -> tuple[list, list]:
    """Ask `kept` for one key from two threads: the first computes it with `slow`, which waits to be let go;
    the second asks once the first is computing, with `then`. Returns each thread's answer (or exception),
    in that order, once the second waits and the first has been let go."""
    computing, let_go = threading.Event(), threading.Event()
    answers: list = [None, None]

    def first() -> str:
        computing.set()
        assert let_go.wait(10)
        return slow()

    def ask(place: int, make: Callable[[], str]) -> None:
        try:
            with engine.connect() as connection:
                answers[place] = kept.get(connection, "key", make)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            answers[place] = exc

    threads = [threading.Thread(target=ask, args=(0, first), daemon=True)]
    threads[0].start()
    assert computing.wait(10)
    threads.append(threading.Thread(target=ask, args=(1, then), daemon=True))
    threads[1].start()
    deadline = time.monotonic() + 10
    while kept.waiting != 1:
        assert time.monotonic() < deadline, "the second caller never waited for the first"
        time.sleep(0.005)
    let_go.set()
    for thread in threads:
        thread.join(10)
    return answers


def test_a_value_asked_while_another_thread_computes_it_is_computed_once(engine):
    kept = PerDataVersion()
    made = []
    answers = _asked_beside_a_slow_computation(engine, kept, lambda: made.append(1) or "first's",
                                               lambda: made.append(2) or "second's")
    assert answers == ["first's", "first's"] and made == [1]
    assert kept.waiting == 0 and not kept._making


def test_a_value_whose_computation_failed_is_computed_by_one_that_waited(engine):
    kept = PerDataVersion()

    def fails() -> str:
        raise RuntimeError("the first failed")

    first, second = _asked_beside_a_slow_computation(engine, kept, fails, lambda: "second's")
    assert isinstance(first, RuntimeError) and second == "second's"
    with engine.connect() as connection:
        assert kept.get(connection, "key", lambda: "again") == "second's", "the waiter's answer was not kept"


@contextmanager
def _being_made_elsewhere(engine, kept: PerDataVersion, answer: str) -> Iterator[None]:
    """The block runs while another thread makes `kept`'s value of "key" (at the data version it read
    first), which is `answer` once the block ends."""
    making, let_go = threading.Event(), threading.Event()

    def make() -> str:
        making.set()
        assert let_go.wait(10)
        return answer

    def ask() -> None:
        with engine.connect() as connection:
            kept.get(connection, "key", make)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    try:
        assert making.wait(10)
        yield
    finally:
        let_go.set()
        thread.join(10)


def test_a_caller_waits_for_another_threads_computation_only_so_long(engine):
    kept = PerDataVersion(patience=0.2)
    with _being_made_elsewhere(engine, kept, "slow"), engine.connect() as connection:
        began = time.monotonic()
        assert kept.get(connection, "key", lambda: "own") == "own"
        assert time.monotonic() - began >= 0.2, "it did not wait for the other thread"
        assert kept.get(connection, "key", lambda: "third") == "third", "a value made while waiting was kept"
    with engine.connect() as connection:
        assert kept.get(connection, "key", lambda: "again") == "slow"


def test_a_value_asked_again_while_being_made_is_made_without_waiting(engine):
    kept = PerDataVersion(patience=5)

    def value(make) -> str:
        with engine.connect() as connection:
            return kept.get(connection, "key", make)

    began = time.monotonic()
    assert value(lambda: "outer, " + value(lambda: "inner")) == "outer, inner"
    assert time.monotonic() - began < 5, "the thread waited on itself"


def test_a_value_of_an_older_version_made_last_leaves_the_newer_kept(engine):
    kept = PerDataVersion()
    with _being_made_elsewhere(engine, kept, "older"):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO document (kind, lang, title, published_on, created_by, created_at) "
                                    "VALUES ('release', 'en', 'moves it', '2020-01-01', 'test', "
                                    "'2020-01-01 00:00:00')"))
        with engine.connect() as connection:
            assert kept.get(connection, "key", lambda: "newer") == "newer"
    with engine.connect() as connection:
        assert kept.get(connection, "key", lambda: "again") == "newer", "the older version's value replaced it"

# ------------------------------------------------------------------------ a small portal on both engines

@pytest.fixture
def small_portal(cli: Cli) -> Cli:
    """The alignment fixture's activities, imported and aligned, on each engine."""
    for step in (("import", "iati", str(ALIGN_FIXTURE)), ("align",)):
        result = cli(*step)
        assert result.exit_code == 0, result.output
    return cli


def _counting(monkeypatch, module, name: str) -> list:
    """The arguments of each call of `module.name` (a view, or a reader, called through its module)."""
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_an_override_and_an_import_show_on_the_next_request(small_portal, monkeypatch):
    made = _counting(monkeypatch, activity_view, "activity_page")
    page = f"/en/activities/{UNALIGNED}"
    with client_for(small_portal.db_url) as client:
        first = client.get(page)
        assert first.status_code == 200 and "Promoting Prosperity" not in first.text
        again = client.get(page)
        assert again.text == first.text and again.headers["etag"] == first.headers["etag"]
        assert len(made) == 1, "the second request was made again instead of sent from the cache"
        # An override from the command line (another process could do the same): the next request shows it.
        assert small_portal("alignment", "set", UNALIGNED, "P1", "--reason", "cache test").exit_code == 0
        after = client.get(page, headers={"if-none-match": first.headers["etag"]})
        assert after.status_code == 200 and len(made) == 2
        assert after.headers["etag"] != first.headers["etag"]
        assert "cache test" in after.text
        # An import: the finder and the API count the new activities on the next request.
        before_import = client.get("/api/v1/activities").json()["total"]
        listed = client.get("/en/activities").text
        assert client.get("/en/activities").text == listed
        assert small_portal("import", "iati", str(FIXTURES / "iati" / "unseen-agency.xml")).exit_code == 0
        assert "US-GOV-8-TEST-0001" in client.get("/en/activities").text and "US-GOV-8-TEST-0001" not in listed
        assert client.get("/api/v1/activities").json()["total"] == before_import + 3


def test_a_revalidation_with_the_same_bytes_is_answered_304(small_portal):
    with client_for(small_portal.db_url) as client:
        for path in ("/en/", "/en/countries/GT", "/api/v1/activities?country=GT", "/api/v1/framework",
                     "/en/activities?download=activities&format=csv"):
            first = client.get(path)
            assert first.status_code == 200, path
            assert first.headers["cache-control"] == "no-cache", path
            assert {"Accept", "Cookie"} <= {v.strip() for v in first.headers["vary"].split(",")}, path
            for asked in (first.headers["etag"], f"W/{first.headers['etag']}", f'"other", {first.headers["etag"]}'):
                revalidated = client.get(path, headers={"if-none-match": asked})
                assert revalidated.status_code == 304 and revalidated.content == b"", (path, asked)
                assert revalidated.headers["etag"] == first.headers["etag"]
                # The security headers go with every answer, kept or not.
                assert revalidated.headers["x-content-type-options"] == "nosniff"
            assert client.get(path, headers={"if-none-match": '"not-it"'}).status_code == 200


def test_the_etag_differs_by_language_and_query(small_portal):
    with client_for(small_portal.db_url) as client:
        english, spanish = client.get("/en/countries/GT"), client.get("/es/countries/GT")
        assert english.headers["etag"] != spanish.headers["etag"]
        assert 'lang="es"' in spanish.text and 'lang="en"' in english.text
        api_en = client.get("/api/v1/framework", params={"lang": "en"})
        api_es = client.get("/api/v1/framework", params={"lang": "es"})
        assert api_en.headers["etag"] != api_es.headers["etag"] and api_en.json() != api_es.json()
        assert client.get("/en/countries/GT?fy=2019").headers["etag"] != english.headers["etag"]


def test_the_xml_download_is_revalidated_by_its_snapshot(small_portal):
    with client_for(small_portal.db_url) as client:
        first = client.get("/en/activities.xml", params={"country": "GT"})
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
        assert client.get("/en/activities.xml", params={"country": "GT"},
                          headers={"if-none-match": first.headers["etag"]}).status_code == 304
        # An override realigns an activity without a new alignment run: the file's key moves with it.
        assert small_portal("alignment", "set", "US-GOV-11-ALIGN-CRIME", "P1", "--reason", "moved").exit_code == 0
        after = client.get("/en/activities.xml", params={"country": "GT"}, headers={"if-none-match": first.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]


def test_the_data_page_checks_are_made_again_after_any_write(small_portal, monkeypatch):
    # The checks on what agencies publish are kept per data version, not per import: an override moves it too.
    made = _counting(monkeypatch, data_view, "published_quality")
    with client_for(small_portal.db_url) as client:
        assert client.get("/en/data").status_code == 200
        assert client.get("/en/data", params={"type": "obligation"}).status_code == 200
        # The other language's page names the same checks in its words, without making them again.
        spanish = client.get("/es/data")
        assert spanish.status_code == 200 and "Actividad sin sector" in spanish.text
        assert "Activity with no sector" in client.get("/en/data", params={"type": "disbursement"}).text
        assert len(made) == 1, "the checks were made again for the same data"
        assert small_portal("alignment", "set", UNALIGNED, "P1", "--reason", "checks test").exit_code == 0
        assert client.get("/en/data").status_code == 200
        assert len(made) == 2


def test_a_pages_money_is_summed_once_for_both_languages_and_again_after_any_write(small_portal, monkeypatch):
    # Breakdowns and the largest activities' ranking hold no words: the other language's page shares them
    # (and names the activities in its own words); an override moves the data version.
    summed = _counting(monkeypatch, portal_common, "breakdown")
    ranked = _counting(monkeypatch, portal_common, "ranked_activities")
    with client_for(small_portal.db_url) as client:
        english = client.get("/en/lines/prosperity")
        assert english.status_code == 200 and len(summed) == len(ranked) == 1
        spanish = client.get("/es/lines/prosperity")
        assert spanish.status_code == 200 and len(summed) == len(ranked) == 1, \
            "the line's money was summed again for the same data"
        # Other money is summed on its own: another line, another span, a country (by its recipients alone).
        for path in ("/es/lines/security", "/es/lines/prosperity?fy=2019", "/es/countries/GT", "/es/countries/SV"):
            before = len(ranked)
            assert client.get(path).status_code == 200 and len(ranked) == before + 1, path
        summed.clear(), ranked.clear()
        assert small_portal("alignment", "set", UNALIGNED, "P1", "--reason", "money test").exit_code == 0
        again = client.get("/es/lines/prosperity")
        assert again.status_code == 200 and len(summed) == len(ranked) == 1
        assert again.text != spanish.text, "the override's money is not on the page"


def test_the_published_results_are_read_again_after_any_write(small_portal, monkeypatch):
    # What activities publish is read once per data version for every tracking table built from it: both
    # languages and any years share it; any write (here an override) has it read again.
    assert small_portal("import", "iati", str(FIXTURES / "results" / "disaggregated.xml")).exit_code == 0
    assert small_portal("align").exit_code == 0
    read = _counting(monkeypatch, published_results, "_read")
    with client_for(small_portal.db_url) as client:
        pages = [client.get(path) for path in ("/en/indicators", "/es/indicators", "/en/indicators?fy=2019")]
        assert all(page.status_code == 200 for page in pages)
        assert "Students trained (Female)" in pages[0].text and "Students trained (Female)" in pages[1].text
        assert len(read) == 1 and read[0][1], "the published results were read again for the same data, or not at all"
        assert small_portal("alignment", "set", UNALIGNED, "P1", "--reason", "results test").exit_code == 0
        assert "Students trained (Female)" in client.get("/es/indicators").text
        assert len(read) == 2


def test_the_agencies_are_read_once_per_data_version_and_a_new_one_shows_after_an_import(small_portal):
    # Every filter and page of the activities list offers the agencies: read once per data version.
    with client_for(small_portal.db_url) as client:
        pages = [client.get("/en/activities", params=params) for params in ({}, {"country": "GT"}, {"page": "2"})]
        assert all(page.status_code == 200 for page in pages)
        assert "US-GOV-8" not in pages[0].text
        with get_engine(small_portal.db_url).connect() as connection:
            first = labels.agency_names(connection)
            assert labels.agency_names(connection) is first, "the agencies were read again for the same data"
        assert small_portal("import", "iati", str(FIXTURES / "iati" / "unseen-agency.xml")).exit_code == 0
        assert 'value="US-GOV-8"' in client.get("/en/activities", params={"country": "HN"}).text


def test_a_page_asks_what_its_parts_share_once_and_a_command_every_time(small_portal, monkeypatch):
    # A line's page has several parts that each ask whether the alignment is current, read the data version
    # (for what they keep per version) and list registered indicators: its GET request asks the database once.
    states = _counting(monkeypatch, alignment_state_module, "_alignment_state")
    versions = _counting(monkeypatch, data_version, "_read_data_version")
    registries = _counting(monkeypatch, indicator_registry, "_every_indicator")
    with client_for(small_portal.db_url) as client:
        page = client.get("/en/lines/security")
        assert page.status_code == 200 and "Enhancing Security" in page.text
    # The data version twice: once by the page cache, on a connection of its own, and once by the page.
    assert (len(states), len(versions), len(registries)) == (1, 2, 1)
    # Any other connection (a command's, a form's) asks every time: a command that aligns and then reads
    # must see its own write.
    with get_engine(small_portal.db_url).connect() as connection:
        first = alignment_state_module.alignment_state(connection)
        assert alignment_state_module.alignment_state(connection) == first and len(states) == 3
        assert read_data_version(connection) == read_data_version(connection) and len(versions) == 4
        assert indicator_registry.registered_indicators(connection, ["S1"]) == [
            i for i in indicator_registry.registered_indicators(connection) if i.objective_id == "S1"]
        assert len(registries) == 3
        # A connection that keeps answers refuses to write: what it kept would be stale.
        kept = with_read_memo(connection)
        with pytest.raises(ReadOnlyConnection):
            kept.execute(text("UPDATE data_version SET version = version WHERE id = 1"))


def test_without_a_data_version_nothing_is_kept(small_portal, monkeypatch):
    made = _counting(monkeypatch, home_view, "home")
    with get_engine(small_portal.db_url).begin() as connection:
        connection.execute(text("DELETE FROM data_version"))
    with client_for(small_portal.db_url) as client:
        for _ in range(2):
            response = client.get("/en/")
            assert response.status_code == 200 and "etag" not in response.headers
            assert response.headers["cache-control"] == "no-store"
    assert len(made) == 2


# ------------------------------------------------------------------------------- the real portal (SQLite)

def test_an_approval_shows_on_the_next_request(client, portal_url):
    values = "/api/v1/indicators/CS.1-1/values"
    public = client.get(values).json()["total"]
    page = client.get("/en/indicators").text
    partner, analyst = bearer(token_for(portal_url, "pablo")), bearer(token_for(portal_url, "ana"))
    entered = client.post("/api/v1/results", headers=partner, json=[{
        "indicator": "CS.1-1", "activity": activity_of(portal_url, PARTNER_ORG), "country": "GT",
        "period_start": "2019-10-01", "period_end": "2020-09-30", "value_type": "actual", "value": 1234567}])
    assert entered.status_code == 201, entered.text
    value_id = entered.json()["values"][0]["id"]
    assert client.post(f"/api/v1/results/{value_id}/submit", headers=partner, json={}).status_code == 200
    # A draft or a submitted value is not public: the public answer is the same (made again, same bytes).
    assert client.get(values).json()["total"] == public
    approved = client.post(f"/api/v1/results/{value_id}/approve", headers=analyst, json={})
    assert approved.status_code == 200, approved.text
    assert client.get(values).json()["total"] == public + 1
    assert client.get("/en/indicators").text != page


def test_signed_in_pages_are_never_shared(client, portal_url):
    anonymous = client.get("/en/countries/GT")
    assert "/en/workspace/login" in anonymous.text and "etag" in anonymous.headers
    with client_for(portal_url) as signed_in:
        sign_in(signed_in, "ana")
        own = signed_in.get("/en/countries/GT")
        assert own.status_code == 200 and "/en/workspace/\"" in own.text
        assert "etag" not in own.headers and own.headers["cache-control"] == "private, no-store"
        # Not even when the signed-in browser revalidates with the anonymous page's tag.
        mine = signed_in.get("/en/countries/GT", headers={"if-none-match": anonymous.headers["etag"]})
        assert mine.status_code == 200 and "/en/workspace/\"" in mine.text
        with_token = signed_in.get("/api/v1/countries", headers=bearer(token_for(portal_url, "ana")))
        assert "etag" not in with_token.headers and with_token.headers["cache-control"] == "private, no-store"
    # And the anonymous visitor still gets the anonymous page.
    again = client.get("/en/countries/GT")
    assert again.text == anonymous.text and "/en/workspace/\"" not in again.text


def test_public_answers_carry_no_cookie_or_token(client):
    for path in PUBLIC_PAGES:
        for _ in range(2):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "set-cookie" not in response.headers, path
            assert "csrf_token" not in response.text, path
    assert not client.cookies
    # The sign-in form still gets its token and cookie, and is never kept.
    login = client.get("/en/workspace/login")
    assert "stratmon_csrf=" in login.headers["set-cookie"] and login.headers["cache-control"] == "no-store"
    assert "etag" not in login.headers


def test_several_workers_see_a_write_on_the_next_request(portal_url):
    process, address = start_server(portal_url, workers=2)
    try:
        path = "/api/v1/documents"
        with httpx.Client(base_url=address, timeout=30) as http:
            before = [http.get(path, headers={"connection": "close"}).json() for _ in range(6)]
            assert all(answer == before[0] for answer in before)
            with get_engine(portal_url).begin() as connection:
                add_document(connection, kind="release", lang="en", title="Cache test release",
                             published_on=date(2020, 1, 1), summary=None, body="Text.", file_name=None,
                             media_type=None, content=None, created_by="ana")
            # Each request on a new connection: both workers answer some of them.
            after = [http.get(path, headers={"connection": "close"}).json() for _ in range(8)]
        assert all(any(d["title"] == "Cache test release" for d in answer) for answer in after)
    finally:
        stop_server(process)


def test_those_waiting_for_an_answer_get_it_once_kept_not_once_its_first_client_has_read_it(sqlite_cli):
    """The request that makes an answer keeps it, then sends it; a client reading it slowly holds up no one."""
    engine = get_engine(sqlite_cli.db_url)
    made, go_on, unread = [], asyncio.Event(), asyncio.Event()

    async def route(scope, receive, send):
        made.append(scope["path"])
        await go_on.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"the answer"})

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def slow_reader(message):
        await unread.wait()  # reads nothing until the test lets it

    def request() -> dict:
        return {"type": "http", "method": "GET", "path": "/en/", "query_string": b"", "headers": [],
                "app": SimpleNamespace(state=SimpleNamespace(site=SimpleNamespace(engine=engine)))}

    async def run():
        cache = PageCacheMiddleware(route, max_bytes=1 << 20)
        first = asyncio.create_task(cache(request(), receive, slow_reader))
        while not made:
            await asyncio.sleep(0.005)
        got = []

        async def reader(message):
            got.append(message)

        waiting = asyncio.create_task(cache(request(), receive, reader))
        await asyncio.sleep(0.05)  # it waits for the answer the first request is making
        go_on.set()
        await asyncio.wait_for(waiting, timeout=5)
        unread.set()
        await first
        return got

    got = asyncio.run(run())
    engine.dispose()
    assert made == ["/en/"], "the answer was made twice"
    assert got[0]["status"] == 200 and b"".join(m.get("body", b"") for m in got[1:]) == b"the answer"
