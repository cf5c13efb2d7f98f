"""A spec the operator cannot honour (DESIGN §5 rule 14): refused loudly, nothing changed.

The API server refuses what CEL can express; what it cannot (TOML that does not parse,
operator-managed keys in `config`, objects stored before a rule existed) reaches the
operator, whose models refuse it. The object then gets `Blocked=True` with reason
`InvalidSpec` naming the fields, one Warning event, and no requeue: the next change of the
object wakes it again. Nothing else of it, and nothing of any other object, is touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from apis import conditions as cond
from apis.meta import Condition, Resource
from controllers.common.conditions import set_condition
from controllers.common.context import ReconcileContext
from controllers.common.objects import Object
from controllers.common.runner import TaskResult, Wait

INVALID_SPEC = "InvalidSpec"

R = TypeVar("R", bound=Resource)


def describe(error: ValidationError) -> str:
    """`field.path: what is wrong` for each error, in the object's own (camelCase) names."""
    parts = []
    for e in error.errors(include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "the object"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


async def refuse_invalid_spec(
    ctx: ReconcileContext[Any], raw: Object, error: ValidationError
) -> TaskResult:
    """Say once, on the object and in one Warning event, why its spec cannot be honoured."""
    what = describe(error)
    message = f"the spec cannot be honoured, so nothing is changed until it is fixed: {what}"
    stored = [
        Condition.model_validate(c) for c in (raw.get("status") or {}).get("conditions") or []
    ]
    generation = raw["metadata"].get("generation")
    wanted = set_condition(
        stored, cond.BLOCKED, "True", INVALID_SPEC, message, generation=generation, now=ctx.now
    )
    if wanted != stored:
        body = [c.model_dump(mode="json", exclude_none=True) for c in wanted]
        status = {"status": {"conditions": body}}
        await ctx.deps.client.patch_status(ctx.KIND, ctx.name, status, ctx.namespace)
        ctx.deps.events.record(raw, "Warning", INVALID_SPEC, "Validate", message)
    return Wait(f"invalid spec: {what}")


def parsed(model: type[R], objects: Iterable[Object]) -> list[R]:
    """The objects `model` can read; one whose spec cannot be honoured is left out (its own
    controller reports it), so it never fails a decision about its siblings."""
    out = []
    for obj in objects:
        try:
            out.append(model.model_validate(obj))
        except ValidationError:
            continue
    return out
