"""A group's carried status fields come from the API server while a rollout is unfinished."""

from __future__ import annotations

from typing import Any

from apis import TiKVGroup
from controllers.common.deps import Deps
from controllers.common.group import update_revision
from controllers.common.history import read_carried_status
from controllers.tikvgroup.context import Context
from tests.unit.controllers.common.fakes import FakeClient, FakeEvents
from tikv_operator.kube import resources

VOLUMES = [{"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}]


def tikv_group(status: dict[str, Any], generation: int = 1, version: str = "v8.5.2") -> TiKVGroup:
    return TiKVGroup.model_validate(
        {
            "metadata": {
                "name": "basic",
                "namespace": "ns",
                "uid": "g-uid",
                "generation": generation,
            },
            "spec": {
                "cluster": {"name": "basic"},
                "replicas": 3,
                "template": {"spec": {"version": version, "volumes": VOLUMES}},
            },
            "status": status,
        }
    )


def context(cached: TiKVGroup, stored: TiKVGroup) -> tuple[Context, FakeClient]:
    client = FakeClient()
    client.put(resources.TIKVGROUP, stored.model_dump(mode="json", by_alias=True))
    deps = Deps(client, FakeEvents(), {})  # type: ignore[arg-type]
    ctx = Context(deps, "ns/basic", raw={"metadata": {}}, loaded=cached)
    ctx.revision = update_revision(cached)
    return ctx, client


async def test_a_cached_copy_older_than_the_last_status_write_is_not_carried_over() -> None:
    target = update_revision(tikv_group({}))
    stale = tikv_group({"currentRevision": "old", "version": "v8.5.1"})
    written = tikv_group(
        {"currentRevision": target, "version": "v8.5.2"}, generation=2, version="v9.0.0"
    )
    ctx, _ = context(stale, written)
    await read_carried_status(ctx)
    assert (ctx.group.status.current_revision, ctx.group.status.version) == (target, "v8.5.2")
    # Only the status is taken: the spec and generation stay the ones decided on.
    assert ctx.group.metadata.generation == 1
    assert ctx.group.spec.template.spec.version == "v8.5.2"


async def test_a_status_at_its_target_is_not_read_again() -> None:
    target = update_revision(tikv_group({}))
    settled = tikv_group({"currentRevision": target, "version": "v8.5.2"})
    ctx, _ = context(settled, tikv_group({"currentRevision": "other", "version": "v1"}))
    await read_carried_status(ctx)
    assert ctx.group.status.current_revision == target


async def test_a_group_recreated_under_the_same_name_is_not_read_from() -> None:
    stale = tikv_group({"currentRevision": "old", "version": "v8.5.1"})
    other = tikv_group({"currentRevision": "x", "version": "v9"})
    other.metadata.uid = "another-uid"
    ctx, _ = context(stale, other)
    await read_carried_status(ctx)
    assert ctx.group.status.current_revision == "old"
