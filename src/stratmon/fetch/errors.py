"""Why a fetch did not happen, as types the command line turns into one line each."""

from __future__ import annotations


class FetchError(Exception):
    """Base of the fetcher's errors."""


class CatalogError(FetchError):
    """The catalogue (`sources.yaml`) or a selection from it cannot be used."""


class ManifestError(FetchError):
    """The data folder's `manifest.json` cannot be read."""


class Refused(FetchError):
    """The answer is not what was asked for: nothing of it is kept."""


class TransferFailed(FetchError):
    """The transfer broke off (network, timeout, a server error): what arrived is kept to resume from."""


class HostUnreachable(TransferFailed):
    """No connection to the server at all (name not found, refused, timed out connecting)."""

    def __init__(self, host: str, message: str) -> None:
        self.host = host
        super().__init__(message)
