"""PD's HTTP API: the client, its response models and errors, and the per-cluster poller."""

from tikv_operator.pdapi.client import PDClient, RetryPolicy, TLSFiles
from tikv_operator.pdapi.errors import (
    NoLeader,
    NotBootstrapped,
    NotFound,
    PDError,
    StoresNotEnough,
    StoreTombstoned,
    Unavailable,
)

__all__ = [
    "NoLeader",
    "NotBootstrapped",
    "NotFound",
    "PDClient",
    "PDError",
    "RetryPolicy",
    "StoreTombstoned",
    "StoresNotEnough",
    "TLSFiles",
    "Unavailable",
]
