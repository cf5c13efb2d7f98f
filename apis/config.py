"""Component configuration: the user's TOML merged with the keys the operator manages."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from apis import toml

PD_MANAGED_KEYS = frozenset(
    {
        "name",
        "data-dir",
        "client-urls",
        "peer-urls",
        "advertise-client-urls",
        "advertise-peer-urls",
        "initial-cluster",
        "initial-cluster-state",
        "initial-cluster-token",
        "join",
        *(f"security.{key}" for key in ("cacert-path", "cert-path", "key-path")),
    }
)
"""Dotted keys of PD's config that the operator sets itself (the `security` paths only in a
TLS cluster)."""

TIKV_MANAGED_KEYS = frozenset(
    {
        "server.addr",
        "server.advertise-addr",
        "server.status-addr",
        "server.advertise-status-addr",
        "storage.data-dir",
        "pd.endpoints",
        *(f"security.{key}" for key in ("ca-path", "cert-path", "key-path")),
    }
)
"""Dotted keys of TiKV's config that the operator sets itself (the `security` paths only in
a TLS cluster, where they point at the mounted Secret; `spec.tlsCluster` is the way to TLS)."""


class ConfigError(ValueError):
    """The user's config cannot be used."""


def parse_config(text: str, managed_keys: frozenset[str]) -> dict[str, Any]:
    """The user's TOML as a document; an error if it does not parse or sets a managed key."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config is not valid TOML: {error}") from error
    taken = sorted(key for key in managed_keys if _has_key(document, key))
    if taken:
        names = ", ".join(f"'{key}'" for key in taken)
        raise ConfigError(f"config must not set {names}, which the operator manages")
    return document


def render_config(text: str, managed_keys: frozenset[str], values: Mapping[str, Any]) -> str:
    """TOML of the user's config with the operator's values set at their dotted keys."""
    unknown = sorted(set(values) - managed_keys)
    if unknown:
        raise ValueError(f"not managed keys: {', '.join(unknown)}")
    document = parse_config(text, managed_keys)
    for dotted, value in values.items():
        *tables, leaf = dotted.split(".")
        table = document
        for name in tables:
            table = table.setdefault(name, {})
        table[leaf] = value
    return toml.dumps(document)


def _has_key(document: Mapping[str, Any], dotted: str) -> bool:
    node: Any = document
    for name in dotted.split("."):
        if not isinstance(node, Mapping) or name not in node:
            return False
        node = node[name]
    return True
