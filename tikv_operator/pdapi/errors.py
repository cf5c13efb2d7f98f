"""Typed errors for PD's HTTP API, and the mapping from PD's answers to them.

PD reports errors as a status code plus a message that is usually a JSON string carrying an
error code such as ``[PD:core:ErrStoresNotEnough]``; the status code alone is ambiguous
(500 means "not bootstrapped" on some paths and "unknown member" on others), so the mapping
looks at both.
"""

from __future__ import annotations

import json


class PDError(Exception):
    """PD answered with an error, or could not be asked at all."""

    def __init__(self, message: str, *, status: int | None = None, api: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.api = api

    def __str__(self) -> str:
        status = f" {self.status}" if self.status is not None else ""
        return f"PD {self.api}{status}: {self.message}"


class Unavailable(PDError):
    """PD could not be reached, timed out, or answered 502/503/504: worth retrying later."""


class NoLeader(Unavailable):
    """The PD member we asked knows no leader to forward to (election in progress)."""


class NotFound(PDError):
    """The member, store or scheduler does not exist (404)."""


class NotBootstrapped(PDError):
    """No TiKV has bootstrapped the cluster yet, so PD has no stores, regions or schedulers."""


class StoresNotEnough(PDError):
    """Offlining the store would leave fewer Up stores than max-replicas (PD refuses, 400)."""


class StoreTombstoned(PDError):
    """The store is already Tombstone (PD answers 410 Gone)."""


_NO_LEADER_CODES = ("ErrRedirectNoLeader", "ErrLeaderNil")


def message_of(body: bytes) -> str:
    """The human message of an error body: a JSON string, a ``{code,msg}`` object or text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    if isinstance(decoded, str):
        return decoded
    if isinstance(decoded, dict):
        for key in ("msg", "message", "error"):
            value = decoded.get(key)
            if isinstance(value, str):
                return value
    return text


def error_for(status: int, message: str, api: str) -> PDError:
    """The typed error for an HTTP error answer from PD."""
    if "ErrNotBootstrapped" in message:
        return NotBootstrapped(message, status=status, api=api)
    if "ErrStoresNotEnough" in message:
        return StoresNotEnough(message, status=status, api=api)
    if any(code in message for code in _NO_LEADER_CODES):
        return NoLeader(message, status=status, api=api)
    if status == 410:
        return StoreTombstoned(message, status=status, api=api)
    if status == 404:
        return NotFound(message, status=status, api=api)
    if status in (502, 503, 504):
        return Unavailable(message, status=status, api=api)
    return PDError(message, status=status, api=api)
