"""The images the process nodes can run: an image repository is a binary on this machine.

A container of `pingcap/pd` runs the pd-server built by `make binaries`, bind-mounted at the
image's entrypoint (`/pd-server`) inside the container's private root, so the Pod's command
line is run exactly as the operator wrote it.

Listen addresses are the one thing substituted: the generated configs listen on 0.0.0.0,
which several members on one machine cannot share, so each process gets its Pod's own
address through the flags that override the file (`--client-urls`/`--peer-urls` for
pd-server, `--addr`/`--status-addr` for tikv-server and the store stub). Advertised names
are left alone: the hosts file resolves them.

`pingcap/tikv` runs the store stub (hack/storestub), which has no version of its own: it
reports to PD the version named by `TIKV_STUB_VERSION`, which the process node sets from
the image's tag, as a real image's binary would carry it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

WILDCARD_HOSTS = ("0.0.0.0", "", "::", "[::]")


def _url_on(url: str, ip: str) -> str:
    parts = urlsplit(url.strip())
    if parts.hostname not in WILDCARD_HOSTS:
        return url.strip()
    netloc = f"{ip}:{parts.port}" if parts.port else ip
    return urlunsplit(parts._replace(netloc=netloc))


def _address_on(address: str, ip: str) -> str:
    host, _, port = address.rpartition(":")
    return f"{ip}:{port}" if host in WILDCARD_HOSTS else address


def pd_listen_flags(config: Mapping[str, Any], ip: str) -> list[str]:
    flags = []
    for key in ("client-urls", "peer-urls"):
        if key in config:
            urls = ",".join(_url_on(u, ip) for u in str(config[key]).split(","))
            flags.append(f"--{key}={urls}")
    return flags


def tikv_listen_flags(config: Mapping[str, Any], ip: str) -> list[str]:
    server = config.get("server") or {}
    flags = []
    for key, flag in (("addr", "--addr"), ("status-addr", "--status-addr")):
        if key in server:
            flags.append(f"{flag}={_address_on(str(server[key]), ip)}")
    return flags


@dataclass(frozen=True)
class Image:
    component: str
    entrypoint: str
    """Where the image has its binary; the Pod's command names it."""
    listen_flags: Callable[[Mapping[str, Any], str], list[str]]
    version_env: str | None = None
    """The variable telling a binary without a built-in version the image's tag."""


IMAGES = {
    "pingcap/pd": Image("pd", "/pd-server", pd_listen_flags),
    "pingcap/tikv": Image("tikv", "/tikv-server", tikv_listen_flags, "TIKV_STUB_VERSION"),
}


def repository(image: str) -> str:
    """`pingcap/pd:v8.5.1` (or `docker.io/pingcap/pd@sha256:…`) → `pingcap/pd`."""
    name = image.split("@")[0]
    head, _, tag = name.rpartition(":")
    if head and "/" not in tag:
        name = head
    return name.removeprefix("docker.io/").removeprefix("library/")


def tag(image: str) -> str | None:
    """`pingcap/tikv:v8.5.1` → `v8.5.1`; None for a digest or no tag."""
    if "@" in image:
        return None
    head, _, version = image.rpartition(":")
    return version if head and "/" not in version else None


def version_env(image: Image, image_name: str) -> dict[str, str]:
    """The image's version for a binary that takes it from the environment."""
    version = tag(image_name)
    return {image.version_env: version} if image.version_env and version else {}


def config_path(argv: Sequence[str]) -> str | None:
    """The file given by `--config F` / `--config=F` (`-config` too: Go's flag package)."""
    for i, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        if flag.lstrip("-") == "config" and flag.startswith("-"):
            if eq:
                return value
            if i + 1 < len(argv):
                return argv[i + 1]
    return None


def listen_flags(image: Image, config_text: str | None, ip: str) -> list[str]:
    """The flags moving the listeners of the process to its Pod's address."""
    config = tomllib.loads(config_text) if config_text else {}
    return image.listen_flags(config, ip)
