"""A version downgrade is refused unless asked for explicitly (DESIGN §5 rule 14): TiKV and PD
do not support going back to an older version, and a rolling downgrade of TiKV can leave
stores that do not start."""

from __future__ import annotations

import re
from typing import Any

from apis import conditions as cond
from apis.labels import ALLOW_DOWNGRADE
from controllers.common.context import GroupContext
from controllers.common.invalid import INVALID_SPEC
from controllers.common.runner import Complete, TaskResult, Wait

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


def release(version: str | None) -> tuple[int, int, int] | None:
    """The major, minor and patch of `version` (v8.5.1, 8.5.1-nightly), None if it has none."""
    m = _VERSION.match(version or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def downgrade_refusal(target: str, running: str | None, allowed: str | None) -> str | None:
    """Why moving from `running` to `target` is refused, or None. `allowed` is the value of
    the opt-in annotation: it must name `target`, so an old opt-in never covers a new one."""
    new, old = release(target), release(running)
    if new is None or old is None or new >= old or allowed == target:
        return None
    return (
        f"spec.template.spec.version {target} is older than {running}, which the group runs; "
        f"PD and TiKV do not support a downgrade. To downgrade anyway, annotate the group with "
        f"{ALLOW_DOWNGRADE}={target}"
    )


def newest(versions: list[str | None]) -> str | None:
    known = {v: r for v in versions if v is not None and (r := release(v)) is not None}
    return max(known, key=known.__getitem__, default=None)


async def refuse_downgrade(ctx: GroupContext[Any, Any]) -> TaskResult:
    """The version the group runs is the newest of its status and its instances: the status
    says nothing until a first rollout finished, and a downgrade then would go unnoticed."""
    group = ctx.group
    running = newest([group.status.version, *(i.spec.version for i in ctx.instances)])
    why = downgrade_refusal(
        group.spec.template.spec.version,
        running,
        group.metadata.annotations.get(ALLOW_DOWNGRADE),
    )
    if why is None:
        return Complete()
    if ctx.condition_reason(cond.BLOCKED) != INVALID_SPEC:
        ctx.event("Warning", INVALID_SPEC, "Validate", why)
    ctx.block(INVALID_SPEC, why)
    return Wait(why)
