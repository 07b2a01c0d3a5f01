"""`stratmon fetch` against a real HTTP server on 127.0.0.1 that plays the publishers.

The server serves the shared data folder under the paths the catalogue's URLs use (`--base-url` points
every URL at it), and can misbehave on request: break a transfer off, ignore Range, answer with a web
page, an error status, an oversize or wrong file, or a redirect to another host.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import socket
import tarfile
import threading
import zipfile
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from typer.testing import CliRunner

from stratmon.cli import app
from stratmon.fetch import download
from stratmon.fetch.catalog import load_catalog, rebase_url
from stratmon.fetch.errors import CatalogError
from stratmon.framework import load_framework

CATALOG = load_catalog()
BY_NAME = {source.name: source for source in CATALOG}
# A bit of everything: XML, CSV with spaces in its name, gzip, a ZIP to unpack, pinned and live files.
FULL_SELECTION = ("iati-codelists", "usg-iati/data/dhs", "usg-iati/data/doc", "millenniumchallenge-sv",
                  "fagov-country", "wdi-remittances", "state-cbj-budget-by-country", "cbp-encounters",
                  "datahub-gdp")
BIG = "millenniumchallenge-sv"  # 3.9 MB: big enough to break off in the middle
CUT_AFTER = 1_000_000
SMALL = "codelist-budgetstatus"  # 1,518 bytes, with a pinned checksum
WEB_PAGE = b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head><body>Try later</body></html>\n"


# --- the stand-in publisher -------------------------------------------------------------------------

@dataclass
class Misbehaviour:
    """How the server departs from serving the file as it is."""

    cut_after: int | None = None  # close the connection after this many bytes, on the first request only
    ignore_range: bool = False
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    send_length: bool = True
    redirect_to: str | None = None


def route_of(url: str) -> str:
    parts = urlsplit(url)
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


def content_type_of(route: str) -> str:
    if "downloadformat=csv" in route:
        return "application/zip"
    suffix = Path(route).suffix
    return {".xml": "application/xml", ".csv": "text/csv", ".gz": "application/gzip"}.get(suffix, "application/octet-stream")


def world_bank_members(csv_bytes: bytes, code: str) -> dict[str, bytes]:
    """What the World Bank API sends for one indicator: the data CSV and two metadata files."""
    return {f"Metadata_Indicator_API_{code}_DS2_en_csv_v2_4023428.csv": b'"INDICATOR_CODE"\n',
            f"API_{code}_DS2_en_csv_v2_4023428.csv": csv_bytes,
            f"Metadata_Country_API_{code}_DS2_en_csv_v2_4023428.csv": b'"Country Code"\n'}


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in members.items():
            bundle.writestr(name, content)
    return buffer.getvalue()


def archive_members(source, body: bytes) -> dict[str, bytes]:
    """The members a catalogue entry's ZIP holds: the World Bank API's layout for a pattern, else the
    one member the entry names (an archive committed to a repository, whose other members are other entries)."""
    if any(char in source.extract for char in "*?["):
        return world_bank_members(body, Path(source.file).stem)
    return {source.extract: body}


class Publisher(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), PublisherHandler)
        self.routes = routes
        self.misbehaviour: dict[str, Misbehaviour] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        pass  # a client hanging up on a refused answer is expected; the traceback would land in the CLI's stderr

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def requests_for(self, name: str) -> list[dict[str, str]]:
        route = route_of(BY_NAME[name].url)
        return [headers for path, headers in self.log if path == route]


class PublisherHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Publisher

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        route = unquote(self.path)
        with self.server.lock:
            self.server.log.append((route, {k.lower(): v for k, v in self.headers.items()}))
            earlier = sum(1 for path, _ in self.server.log if path == route) - 1
        rule = self.server.misbehaviour.get(route, Misbehaviour())
        if rule.redirect_to:
            return self._send_page(302, location=rule.redirect_to)
        body = rule.body if rule.body is not None else self.server.routes.get(route)
        if body is None or (rule.status or 200) >= 400:
            return self._send_page(rule.status or 404)
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        status, start = 200, 0
        wanted, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        if wanted and not rule.ignore_range and if_range in (None, etag):
            start, status = int(wanted.removeprefix("bytes=").removesuffix("-")), 206
        payload = body[start:]
        self.send_response(status)
        self.send_header("Content-Type", rule.content_type or content_type_of(route))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(0, usegmt=True))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        if rule.send_length:
            self.send_header("Content-Length", str(len(payload)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if rule.cut_after is not None and earlier == 0:
            self.wfile.write(payload[:rule.cut_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def _send_page(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(WEB_PAGE)))
        self.end_headers()
        self.wfile.write(WEB_PAGE)


def shared_bytes(shared_data: Path, name: str) -> bytes:
    source = BY_NAME[name]
    return (shared_data / source.folder / source.file).read_bytes()


@pytest.fixture(scope="module")
def publisher(shared_data):
    """The server, serving every catalogue file the shared folder holds (World Bank files zipped)."""
    routes: dict[str, bytes] = {}
    archives: dict[str, dict[str, bytes]] = {}
    for source in CATALOG:
        path = shared_data / source.folder / source.file
        if path.is_file():
            route = route_of(source.url)
            body = path.read_bytes()
            if source.extract:
                archives.setdefault(route, {}).update(archive_members(source, body))
                continue
            # DoD's regional dataset is the USDA file, as published: one URL, the same bytes.
            assert routes.setdefault(route, body) == body, f"two catalogue URLs share the path {route}"
    routes.update((route, zip_of(members)) for route, members in archives.items())
    server = Publisher(routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Retries at once, and requests to 127.0.0.1 never through a proxy."""
    monkeypatch.setattr(download, "RETRY_BACKOFF_SECONDS", 0)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server(publisher):
    """The server as each test finds it: behaving, with an empty request log."""
    publisher.misbehaviour.clear()
    publisher.log.clear()
    yield publisher
    publisher.misbehaviour.clear()


def misbehave(server: Publisher, name: str, **rule) -> None:
    server.misbehaviour[route_of(BY_NAME[name].url)] = Misbehaviour(**rule)


def fetch(dest: Path, *args: str, base_url: str | None = None, env: dict | None = None):
    argv = ["fetch", "--dest", str(dest), *(["--base-url", base_url] if base_url else []), *args]
    return CliRunner().invoke(app, argv, env=env, catch_exceptions=False)


def manifest_of(dest: Path) -> dict:
    return json.loads((dest / "manifest.json").read_text(encoding="utf-8"))


def leftovers(dest: Path) -> list[Path]:
    return sorted(p for p in dest.rglob("*") if p.name.endswith((".part", ".zip", ".tmp")))


def problem_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


# --- the catalogue -------------------------------------------------------------------------------------

def test_pinned_checksums_match_the_shared_copies(shared_data):
    pinned = [s for s in CATALOG if s.sha256 and not s.extract]
    assert len(pinned) >= 45
    for source in pinned:
        path = shared_data / source.folder / source.file
        assert hashlib.sha256(path.read_bytes()).hexdigest() == source.sha256, source.name


# Shared folders that `stratmon fetch` does not download, and why; the tests read them in place.
NOT_FETCHED = {
    # Reference material for the IATI conformance tests (the Standard's schemas, annotated examples and
    # schema tests), not data that the Strategy's figures come from.
    "iati-standard",
    # The whole U.S. publication as one archive, made from the mirror that usg-iati/ comes from; the
    # catalogue's IATI entries fetch, from the publisher, the Strategy's files that it holds.
    "usg-iati-world",
}


def test_catalogue_covers_the_shared_folder_and_every_context_indicator(shared_data):
    listed = {source.relative_path for source in CATALOG}
    shared = {p.relative_to(shared_data).as_posix() for p in shared_data.rglob("*")
              if p.is_file() and p.name != "SOURCE.md" and "usg-iati/metadata" not in p.as_posix()
              and p.relative_to(shared_data).parts[0] not in NOT_FETCHED}
    assert sorted(shared - listed) == []
    assert all((shared_data / folder).is_dir() for folder in NOT_FETCHED), "a folder named as not fetched is gone"
    framework = load_framework()
    fed = {source.indicator for source in CATALOG}
    assert sorted(i.id for i in framework.context_indicators if i.id not in fed) == []
    # Every indicator the World Bank publishes can also be fetched from its API, the live source.
    world_bank = {s.indicator for s in CATALOG if s.url.startswith("https://api.worldbank.org/v2/")}
    assert world_bank == {i.id for i in framework.context_indicators if "World Bank" in i.source}


def test_the_whole_publication_holds_the_strategy_files_byte_for_byte(shared_data):
    subset = shared_data / "usg-iati"
    expected = {path.relative_to(subset).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in (subset / "data").rglob("*.xml")}
    assert len(expected) >= 100
    found = {}
    with tarfile.open(shared_data / "usg-iati-world" / "usg-iati-world.tar.xz") as archive:
        for member in archive:
            if member.name in expected:
                found[member.name] = hashlib.sha256(archive.extractfile(member).read()).hexdigest()
    assert found == expected


@pytest.mark.parametrize("entry, reason", [
    ({"folder": "../outside"}, "datasets[0].folder: Value error, must be a relative path inside the data folder"),
    ({"url": "http://example.org/a.xml"}, "datasets[0].url: Value error, must be an https URL"),
    ({"kind": "html"}, "datasets[0].kind: Input should be"),
    ({"extract": "*.csv"}, "datasets[0]: Value error, extract is for kind zip only"),
])
def test_a_bad_catalogue_entry_is_named(tmp_path, entry, reason):
    good = {"name": "x", "folder": "f", "file": "x.xml", "url": "https://example.org/x.xml", "kind": "xml"}
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps({"datasets": [{**good, **entry}]}), encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(f"{path}: {reason}")):
        load_catalog(path)


def test_base_url_replaces_scheme_and_host():
    url = "https://iati-reporting.s3.amazonaws.com/department_of_state/xml/iati-activities-Costa%20Rica.xml"
    assert rebase_url(url, "http://127.0.0.1:8080") == (
        "http://127.0.0.1:8080/department_of_state/xml/iati-activities-Costa%20Rica.xml")
    assert rebase_url(url, "https://mirror.example/data/") == (
        "https://mirror.example/data/department_of_state/xml/iati-activities-Costa%20Rica.xml")
    assert rebase_url("https://api.worldbank.org/v2/en/indicator/X?downloadformat=csv", "http://h") == (
        "http://h/v2/en/indicator/X?downloadformat=csv")


# --- downloading ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full_fetch(publisher, tmp_path_factory):
    """One fetch of a broad selection into an empty folder, and the requests it made."""
    publisher.misbehaviour.clear()
    publisher.log.clear()
    dest = tmp_path_factory.mktemp("fetched") / "data"
    argv = [arg for name in FULL_SELECTION for arg in ("--only", name)]
    download.RETRY_BACKOFF_SECONDS, backoff = 0, download.RETRY_BACKOFF_SECONDS
    try:
        result = fetch(dest, *argv, base_url=publisher.base_url, env={"NO_PROXY": "127.0.0.1"})
    finally:
        download.RETRY_BACKOFF_SECONDS = backoff
    return dest, result, list(publisher.log)


def test_full_download_matches_the_source_bytes_and_the_manifest(full_fetch, shared_data, publisher):
    dest, result, log = full_fetch
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    chosen = [s for s in CATALOG if any(s.name == n or s.relative_path.startswith(n + "/") for n in FULL_SELECTION)]
    assert len(chosen) == 33 + 7 + 3 + 1 + 1 + 1 + 10 + 2 + 1
    assert len(log) == len(chosen)
    assert f"Files fetched into {dest}: {len(chosen)} (" in result.stdout
    manifest = manifest_of(dest)
    assert set(manifest["files"]) == {s.relative_path for s in chosen}
    assert manifest["partial"] == {}
    for source in chosen:
        content = (dest / source.relative_path).read_bytes()
        assert content == (shared_data / source.relative_path).read_bytes(), source.name
        record = manifest["files"][source.relative_path]
        assert record["name"] == source.name
        assert record["url"] == publisher.base_url + urlsplit(source.url).path + (
            f"?{urlsplit(source.url).query}" if urlsplit(source.url).query else "")
        assert record["size"] == len(content)
        assert record["sha256"] == hashlib.sha256(content).hexdigest()
        assert record["etag"].startswith('"') and record["last_modified"].endswith("GMT")
        assert record["fetched_at"].endswith("Z") and record["fetched_at"][:2] == "20"
    assert manifest["files"]["wdi-remittances/BX.TRF.PWKR.DT.GD.ZS.csv"]["archive"]["member"].startswith(
        "API_BX.TRF.PWKR.DT.GD.ZS_")
    assert leftovers(dest) == []


def test_second_run_downloads_nothing(full_fetch, server):
    dest, first, _ = full_fetch
    assert first.exit_code == 0, first.output
    manifest_before = (dest / "manifest.json").read_bytes()
    argv = [arg for name in FULL_SELECTION for arg in ("--only", name)]
    result = fetch(dest, *argv, base_url=server.base_url)
    assert result.exit_code == 0, result.output
    assert server.log == []
    assert f"Files fetched into {dest}: 0 (0.00 MB)." in result.stdout
    assert "Files already complete (same checksum as in manifest.json): 59." in result.stdout
    assert (dest / "manifest.json").read_bytes() == manifest_before


def test_fetched_files_import(full_fetch, sqlite_cli):
    dest, first, _ = full_fetch
    assert first.exit_code == 0, first.output
    assert sqlite_cli("import", "iati", str(dest / "usg-iati" / "data" / "dhs")).exit_code == 0
    result = sqlite_cli("import", "context", str(dest / "wdi-remittances"), "--format", "wdi")
    assert result.exit_code == 0, result.output


# --- resuming --------------------------------------------------------------------------------------------

def test_an_interrupted_transfer_is_resumed_with_a_range_request(server, tmp_path, shared_data):
    misbehave(server, BIG, cut_after=CUT_AFTER)
    result = fetch(tmp_path, "--only", BIG, base_url=server.base_url)
    assert result.exit_code == 0, result.output
    first, second = server.requests_for(BIG)
    assert "range" not in first
    assert second["range"] == f"bytes={CUT_AFTER}-"
    expected = shared_bytes(shared_data, BIG)
    assert second["if-range"] == '"' + hashlib.sha1(expected).hexdigest() + '"'
    target = tmp_path / BY_NAME[BIG].relative_path
    assert target.read_bytes() == expected
    assert manifest_of(tmp_path)["files"][BY_NAME[BIG].relative_path]["sha256"] == hashlib.sha256(expected).hexdigest()
    assert leftovers(tmp_path) == []


def test_a_broken_run_is_resumed_by_the_next_run(server, tmp_path, shared_data):
    misbehave(server, BIG, cut_after=CUT_AFTER)
    broken = fetch(tmp_path, "--only", BIG, "--retries", "0", base_url=server.base_url)
    assert broken.exit_code == 1
    [line] = problem_lines(broken)
    assert line.startswith(f"failed: {BIG}: the transfer broke off")
    source = BY_NAME[BIG]
    part = tmp_path / source.folder / (source.file + ".part")
    assert part.stat().st_size == CUT_AFTER
    assert not (tmp_path / source.relative_path).exists()
    assert source.relative_path in manifest_of(tmp_path)["partial"]

    resumed = fetch(tmp_path, "--only", BIG, base_url=server.base_url)
    assert resumed.exit_code == 0, resumed.output
    assert server.requests_for(BIG)[-1]["range"] == f"bytes={CUT_AFTER}-"
    assert (tmp_path / source.relative_path).read_bytes() == shared_bytes(shared_data, BIG)
    assert manifest_of(tmp_path)["partial"] == {}
    assert leftovers(tmp_path) == []


def test_a_server_that_ignores_range_still_ends_correct(server, tmp_path, shared_data):
    misbehave(server, BIG, cut_after=CUT_AFTER, ignore_range=True)
    # The base URL from the environment this time.
    result = fetch(tmp_path, "--only", BIG, env={"STRATMON_FETCH_BASE_URL": server.base_url})
    assert result.exit_code == 0, result.output
    assert [r.get("range") for r in server.requests_for(BIG)] == [None, f"bytes={CUT_AFTER}-"]
    expected = shared_bytes(shared_data, BIG)
    assert (tmp_path / BY_NAME[BIG].relative_path).read_bytes() == expected
    assert manifest_of(tmp_path)["files"][BY_NAME[BIG].relative_path]["size"] == len(expected)


# --- refusing what was not asked for --------------------------------------------------------------------

def _tampered(shared_data: Path) -> bytes:
    original = shared_bytes(shared_data, SMALL)
    return original.replace(b"Indicative", b"Indicativo", 1)


REFUSALS = {
    "wrong checksum": (lambda s, d: dict(body=_tampered(d)), (), "checksum mismatch"),
    "web page with status 200": (lambda s, d: dict(body=WEB_PAGE, content_type="text/html; charset=utf-8"), (),
                                 "the server sent a web page (text/html) where xml was expected"),
    "web page labelled as XML": (lambda s, d: dict(body=WEB_PAGE, content_type="application/xml"), (),
                                 "the server sent a web page where xml was expected"),
    "404": (lambda s, d: dict(status=404), (), "the server answered HTTP 404 Not Found"),
    "oversize, declared": (lambda s, d: {}, ("--max-size", "1000"), "larger than the limit of 1,000 bytes"),
    "oversize, streamed": (lambda s, d: dict(send_length=False), ("--max-size", "1kB"),
                           "larger than the limit of 1,000 bytes"),
    "redirect to another host": (lambda s, d: dict(redirect_to=f"http://localhost:{s.server_address[1]}/elsewhere.xml"),
                                 (), "redirected to another host: http://localhost:"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_with_one_line_and_nothing_left(case, server, tmp_path, shared_data):
    rule, options, reason = REFUSALS[case]
    misbehave(server, SMALL, **rule(server, shared_data))
    result = fetch(tmp_path, "--only", SMALL, *options, base_url=server.base_url)
    assert result.exit_code == 1
    [line] = problem_lines(result)
    assert line.startswith(f"refused: {SMALL}: {reason}"), line
    assert "Files not fetched (see the messages above): 1." in result.stdout
    assert not (tmp_path / BY_NAME[SMALL].relative_path).exists()
    assert leftovers(tmp_path) == []
    manifest = manifest_of(tmp_path) if (tmp_path / "manifest.json").exists() else {"files": {}, "partial": {}}
    assert manifest["files"] == {} and manifest["partial"] == {}


def test_an_unreachable_host_fails_its_files_at_once(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = fetch(tmp_path, "--only", "codelist-budget*", "--retries", "0", base_url=closed)
    assert result.exit_code == 1
    first, second, third = problem_lines(result)
    assert first.startswith("failed: codelist-budgetidentifier: cannot connect to 127.0.0.1: ")
    assert second.startswith("failed: codelist-budgetstatus: cannot connect to 127.0.0.1 (an earlier file from it failed)")
    assert third.startswith("failed: codelist-budgettype: ")
    assert leftovers(tmp_path) == []


def test_a_name_not_in_the_catalogue_is_one_line(tmp_path):
    result = fetch(tmp_path, "--only", "no-such-dataset", base_url="http://127.0.0.1:9")
    assert result.exit_code == 2
    assert problem_lines(result) == ["error: nothing in the catalogue matches: no-such-dataset"]
