"""One URL into one `.part` file: resumable (HTTP Range), size-capped, checked, never led off its host.

A transfer that breaks off keeps what arrived and goes on from there with a Range request (guarded by
If-Range, so a file changed at the server starts over rather than being spliced); a server that ignores
Range sends the whole file again and the part is rewritten. An answer that is not what was asked for
(an error status, a web page, too large, a wrong checksum, a redirect to another host) is refused and
its part removed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from stratmon import __version__
from stratmon.fetch.checksum import file_sha256
from stratmon.fetch.content import HEAD_BYTES, check_content_type, check_head
from stratmon.fetch.errors import HostUnreachable, Refused, TransferFailed
from stratmon.i18n import _, format_count

DEFAULT_MAX_BYTES = 4 * 1024**3
MAX_REDIRECTS = 5
RETRY_BACKOFF_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 15.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Worth another try: the server is busy or briefly broken, not saying no.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Limits:
    """How much, how long and how often: the bounds of every transfer."""

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_seconds: float = 60.0
    retries: int = 3


@dataclass(frozen=True)
class Request:
    """What to fetch and what the answer must be."""

    url: str
    kind: str
    sha256: str | None = None
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Validators:
    """What names one version of a file at the server (HTTP ETag and Last-Modified)."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> Validators:
        return cls(headers.get("etag"), headers.get("last-modified"))

    def if_range(self) -> str | None:
        """The value for If-Range: a strong ETag, else the Last-Modified date (weak ETags may not be used)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified


@dataclass(frozen=True)
class Downloaded:
    """A complete, checked `.part` file."""

    size: int
    sha256: str
    validators: Validators


def open_client(limits: Limits) -> httpx.Client:
    """An HTTP client with timeouts set, identity encoding (byte ranges must mean the file's bytes)
    and redirects left to `ResumableDownload`, which checks where they lead."""
    timeout = httpx.Timeout(limits.timeout_seconds, connect=min(CONNECT_TIMEOUT_SECONDS, limits.timeout_seconds))
    return httpx.Client(timeout=timeout, follow_redirects=False,
                        headers={"User-Agent": f"stratmon/{__version__} (Strategy Monitor data fetcher)",
                                 "Accept-Encoding": "identity"})


class ResumableDownload:
    """Fetch `request` into `part`, going on from what `part` already holds."""

    def __init__(self, client: httpx.Client, request: Request, part: Path, limits: Limits, *,
                 validators: Validators | None = None,
                 on_start: Callable[[Validators], None] | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.client = client
        self.request = request
        self.part = part
        self.limits = limits
        self.validators = validators or Validators()
        self.on_start = on_start
        self.on_progress = on_progress

    def run(self) -> Downloaded:
        """Transfer until complete, retrying breaks with backoff; raise Refused (part removed) or
        TransferFailed (part kept) when it cannot be had."""
        failures = 0
        while True:
            try:
                if self._attempt():
                    return self._finish()
            except Refused:
                self.part.unlink(missing_ok=True)
                raise
            except TransferFailed:
                failures += 1
                if failures > self.limits.retries:
                    raise
                time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (failures - 1))

    def _attempt(self) -> bool:
        """One request; False when the part had to be dropped and the transfer must start over."""
        offset = self.part.stat().st_size if self.part.exists() else 0
        headers = {}
        if offset:
            validator = self.validators.if_range()
            if validator is None:
                # Without an ETag or Last-Modified the server cannot tell us whether the file changed
                # since the part was written; resuming could splice two versions, so start over.
                self.part.unlink()
                offset = 0
            else:
                headers["Range"] = f"bytes={offset}-"
                headers["If-Range"] = validator
        try:
            response = self._open(headers)
            try:
                return self._receive(response, offset)
            finally:
                response.close()
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            host = exc.request.url.host if _has_request(exc) else httpx.URL(self.request.url).host
            raise HostUnreachable(host, _("cannot connect to {host}: {reason}").format(
                host=host, reason=_reason(exc))) from None
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransferFailed(_("the transfer broke off: {reason}").format(reason=_reason(exc))) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise Refused(_("the request failed: {reason}").format(reason=_reason(exc))) from None

    def _open(self, headers: dict[str, str]) -> httpx.Response:
        """Send the request, following redirects that stay on the URL's host (or its allowed hosts)."""
        url = httpx.URL(self.request.url)
        for _hop in range(MAX_REDIRECTS + 1):
            response = self.client.send(self.client.build_request("GET", url, headers=headers), stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            response.close()
            url = url.join(location)
            self._check_redirect(url)
        raise Refused(_("more than {count} redirects").format(count=MAX_REDIRECTS))

    def _check_redirect(self, target: httpx.URL) -> None:
        origin = httpx.URL(self.request.url)
        same_origin = (target.host, target.scheme, target.port) == (origin.host, origin.scheme, origin.port)
        upgraded = target.host == origin.host and target.scheme == "https" and target.port is None
        allowed = target.scheme == "https" and target.host in self.request.allowed_hosts
        if not (same_origin or upgraded or allowed):
            raise Refused(_("redirected to another host: {url}").format(
                url=f"{target.scheme}://{target.netloc.decode('ascii', 'replace')}"))

    def _receive(self, response: httpx.Response, offset: int) -> bool:
        status = response.status_code
        if status == 416 and offset:
            # The part is not a prefix of what the server holds now: start over.
            self.part.unlink()
            return False
        if status in TRANSIENT_STATUSES:
            raise TransferFailed(_status(response))
        if status not in (200, 206) or (status == 206 and not offset):
            raise Refused(_status(response))
        check_content_type(self.request.kind, response.headers.get("content-type"))
        if status == 206:
            start, total = _content_range(response)
            if start != offset:
                self.part.unlink()
                return False
        else:
            # A whole file: the first answer, or a server that ignored Range (or found the file changed).
            offset, total = 0, _content_length(response)
            self.validators = Validators.from_headers(response.headers)
            if self.on_start:
                self.on_start(self.validators)
        if total is not None and total > self.limits.max_bytes:
            raise Refused(_too_large(self.limits.max_bytes))
        self._write(response, offset, total)
        return True

    def _write(self, response: httpx.Response, offset: int, total: int | None) -> None:
        written = offset
        head = b""
        with self.part.open("ab" if offset else "wb") as out:
            self._progress(written, total)
            for chunk in response.iter_bytes():
                written += len(chunk)
                if written > self.limits.max_bytes:
                    raise Refused(_too_large(self.limits.max_bytes))
                if not offset and len(head) < HEAD_BYTES:
                    head += chunk
                    if len(head) >= HEAD_BYTES:
                        check_head(self.request.kind, head)
                out.write(chunk)
                self._progress(written, total)
        if total is not None and written != total:
            raise TransferFailed(_("the transfer broke off after {received} of {total} bytes").format(
                received=format_count(written), total=format_count(total)))

    def _finish(self) -> Downloaded:
        with self.part.open("rb") as handle:
            check_head(self.request.kind, handle.read(HEAD_BYTES))
        size, digest = file_sha256(self.part)
        if self.request.sha256 and digest != self.request.sha256:
            raise Refused(_("checksum mismatch: expected SHA-256 {expected}, got {actual}").format(
                expected=self.request.sha256, actual=digest))
        return Downloaded(size, digest, self.validators)

    def _progress(self, completed: int, total: int | None) -> None:
        if self.on_progress:
            self.on_progress(completed, total)


def _content_length(response: httpx.Response) -> int | None:
    # An encoded body's length is not the file's; the client asks for identity, but servers may not listen.
    if response.headers.get("content-encoding", "identity").lower() != "identity":
        return None
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _content_range(response: httpx.Response) -> tuple[int, int | None]:
    match = CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if not match:
        raise Refused(_("a partial answer without a valid Content-Range"))
    total = match.group(3)
    return int(match.group(1)), int(total) if total != "*" else None


def _status(response: httpx.Response) -> str:
    return _("the server answered HTTP {status} {reason}").format(
        status=response.status_code, reason=response.reason_phrase).strip()


def _too_large(max_bytes: int) -> str:
    return _("larger than the limit of {limit} bytes (see --max-size)").format(limit=format_count(max_bytes))


def _has_request(exc: httpx.RequestError) -> bool:
    try:
        return exc.request is not None
    except RuntimeError:  # httpx raises when the error was not tied to a request
        return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
