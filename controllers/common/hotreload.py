"""Config changes applied online (update strategy `HotReload`), then written to the ConfigMap.

Under HotReload a config change restarts nothing (the Pod hash leaves the config out,
`common.restart`): the operator works out which dotted keys changed between the config the
ConfigMap holds (what the running process was given) and the one the spec asks for, sends
them to the component's online-config API, and only then writes the ConfigMap, which keeps
being the record of what was applied. A crash between the two repeats the call, which is
idempotent.

What cannot be applied online (a key removed from the config, a key PD does not accept
through its API, a change the component refuses) is still written to the ConfigMap and so
takes effect when the Pod next starts; a Warning event names it.
"""

from __future__ import annotations

import enum
import json
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from controllers.common.restart import ConfigStrategy
from controllers.common.runner import Complete, TaskResult

EVENT_HOT_RELOADED = "ConfigHotReloaded"
EVENT_NOT_HOT_RELOADED = "ConfigNotHotReloaded"
UNREACHABLE_RETRY = 10.0

PD_ONLINE_SECTIONS = frozenset(
    {"schedule", "replication", "replication-mode", "pd-server", "keyspace", "micro-service"}
)
"""Sections of PD's config that `POST /pd/api/v1/config` changes (PD v8.5.1, every key)."""
PD_ONLINE_KEYS = frozenset({"log.level", "cluster-version"})
"""Single keys outside those sections that it changes."""
PD_PERSISTED_KEYS = frozenset({"cluster-version"})
"""Of those, the one PD keeps in its own storage, like every key of the sections: once the
cluster is bootstrapped a member reads them from there, not from its file, so a restart
never applies a change to them; only the config API does, whatever the update strategy."""


class Unreachable(Exception):
    """The component could not be asked (not answering, PD's view unusable): try later."""


class Refused(Exception):
    """The component answered and did not apply the change."""


@dataclass(frozen=True)
class ConfigChange:
    """The user's keys (dotted) that differ between two configs."""

    changed: Mapping[str, Any] = field(default_factory=dict)
    """Keys added or set to another value, with the new value."""
    removed: tuple[str, ...] = ()
    """Keys no longer set: they return to their defaults, which no online API can express."""

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


def flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every value of a TOML document under its dotted key (arrays are values)."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{dotted}."))
        else:
            out[dotted] = value
    return out


def _flat(text: str) -> dict[str, Any]:
    try:
        return flatten(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return {}  # a ConfigMap edited by hand: every key counts as new


def config_change(old: str, new: str, managed: frozenset[str]) -> ConfigChange:
    """What changed from config `old` to `new`, leaving out the keys the operator manages
    (names and addresses, which no component changes online)."""
    before, after = _flat(old), _flat(new)
    changed = {
        k: v for k, v in after.items() if k not in managed and (k not in before or before[k] != v)
    }
    removed = tuple(sorted(k for k in before if k not in after and k not in managed))
    return ConfigChange(changed, removed)


def pd_online(change: ConfigChange) -> tuple[dict[str, Any], list[str]]:
    """(the body of PD's `POST /config`, the keys PD cannot change that way). PD takes the
    dotted keys with JSON values of their own type; it applies a body key by key and stops
    at the first it refuses, so keys it does not accept are never sent."""
    payload: dict[str, Any] = {}
    offline = list(change.removed)
    for key, value in sorted(change.changed.items()):
        if key.split(".", 1)[0] in PD_ONLINE_SECTIONS or key in PD_ONLINE_KEYS:
            payload[key] = value
        else:
            offline.append(key)
    return payload, sorted(offline)


def pd_persisted(change: ConfigChange) -> dict[str, Any]:
    """The part of `pd_online`'s body that PD keeps in its own storage (see
    PD_PERSISTED_KEYS): sent under the Restart strategy too."""
    payload, _ = pd_online(change)
    return {
        k: v
        for k, v in payload.items()
        if k.split(".", 1)[0] in PD_ONLINE_SECTIONS or k in PD_PERSISTED_KEYS
    }


def tikv_online(change: ConfigChange) -> dict[str, str]:
    """The body of TiKV's `POST /config`: dotted keys with string values, which TiKV parses
    by the type of each setting ("true", "4", "64MiB", "10s")."""
    return {key: _tikv_value(value) for key, value in sorted(change.changed.items())}


def _tikv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=str)


class Step(enum.Enum):
    WRITE = "write"
    """Write the ConfigMap: nothing runs that could take the change online."""
    RELOAD = "reload"
    """Apply the change online, then write the ConfigMap."""


def reload_step(
    strategy: ConfigStrategy, old: str | None, change: ConfigChange, serving: bool
) -> Step:
    """Whether a config change goes online before the ConfigMap is written: only under
    HotReload, for a running process (`serving`: its Pod is Ready and stays) that was given
    `old`, when some key changed."""
    if strategy != "HotReload" or old is None or not serving or not change.changed:
        return Step.WRITE
    return Step.RELOAD


Reload = Callable[[ConfigChange], Awaitable[list[str]]]
"""Applies a change online; returns the keys it could not apply that way. Raises
Unreachable or Refused."""


async def write_config(
    ctx: ReconcileContext[Any],
    write: Callable[[], Awaitable[object]],
    old: str | None,
    new: str,
    *,
    managed: frozenset[str],
    strategy: ConfigStrategy,
    serving: bool,
    reload: Reload,
) -> TaskResult:
    """Write the ConfigMap (`write`) holding `new`, after applying the change from
    `old` online when the strategy says so. Unreachable: nothing is written, and the
    reconcile comes back soon to try again."""
    change = config_change(old, new, managed) if old is not None else ConfigChange()
    if reload_step(strategy, old, change, serving) == Step.WRITE:
        if strategy == "HotReload" and old is not None and change and serving:
            _not_reloaded(ctx, list(change.removed), "")
        await write()
        return Complete("ConfigMap written")
    try:
        offline = await reload(change)
    except Unreachable as error:
        # The rest of the reconcile goes on (the Pod, a suspension): only this waits.
        ctx.requeue(UNREACHABLE_RETRY)
        return Complete(f"config change waits to be applied online: {error}")
    except Refused as error:
        _not_reloaded(ctx, sorted([*change.changed, *change.removed]), str(error))
        await write()
        return Complete("config refused online; ConfigMap written for the next start")
    applied = sorted(k for k in change.changed if k not in offline)
    if applied:
        ctx.event(
            "Normal",
            EVENT_HOT_RELOADED,
            "HotReloadConfig",
            f"config applied online, without a restart: {', '.join(applied)}",
        )
    _not_reloaded(ctx, sorted(set(offline) | set(change.removed)), "")
    await write()
    return Complete(f"config hot-reloaded ({len(applied)} keys); ConfigMap written")


def _not_reloaded(ctx: ReconcileContext[Any], keys: list[str], why: str) -> None:
    if not keys:
        return
    because = f" ({why})" if why else ""
    ctx.event(
        "Warning",
        EVENT_NOT_HOT_RELOADED,
        "HotReloadConfig",
        f"config keys not applied online{because}: {', '.join(keys)}. They are in the "
        "ConfigMap and take effect when the Pod next starts: delete the Pod, or set "
        "updateStrategy.config to Restart to roll the group",
    )


def configmap_config(configmap: Object | None, file: str) -> str | None:
    """The config a ConfigMap holds, None when there is none yet."""
    if configmap is None:
        return None
    value = (configmap.get("data") or {}).get(file)
    return str(value) if value is not None else None
