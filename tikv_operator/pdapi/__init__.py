"""PD's HTTP API: the client, its response models and errors, and the per-cluster poller."""

from tikv_operator.pdapi.client import PDClient, RetryPolicy
from tikv_operator.pdapi.errors import (
    NoLeader,
    NotBootstrapped,
    NotFound,
    PDError,
    StoresNotEnough,
    StoreTombstoned,
    Unavailable,
)
from tikv_operator.tls import ClientTLS, TLSSecretError

__all__ = [
    "ClientTLS",
    "NoLeader",
    "NotBootstrapped",
    "NotFound",
    "PDClient",
    "PDError",
    "RetryPolicy",
    "StoreTombstoned",
    "StoresNotEnough",
    "TLSSecretError",
    "Unavailable",
]
