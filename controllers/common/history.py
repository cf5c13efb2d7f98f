"""A group's revision history as apps/v1 ControllerRevisions (DESIGN §4, the `revision` task).

Every template a group has asked for is one ControllerRevision, `<group>-<hash>`, holding
the template and a revision number that grows with each change. The hash is what the
instances carry in their `tikv.org/instance-revision-hash` label. It covers the template and
the group's `status.collisionCount`: when a ControllerRevision of that name already holds
another template (or is not the group's own), the count goes up and with it the hash. Going
back to an earlier template reuses its revision under a new number, so the instances still
running it count as updated. History beyond the Cluster's `revisionHistoryLimit` is
pruned, oldest first, never a revision an instance runs or the status names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from apis import labels
from controllers.common.context import GroupContext
from controllers.common.group import Group, component_of, template_dump, update_revision
from controllers.common.objects import Object, child_metadata, managed_labels
from controllers.common.revision import revision_hash
from controllers.common.runner import Complete, Retry, TaskResult
from tikv_operator.kube import resources
from tikv_operator.kube.cache import BY_OWNER_UID
from tikv_operator.kube.client import ApiError
from tikv_operator.kube.resources import controller_owner

MAX_COLLISIONS = 8
"""Names tried in one reconcile before coming back (each try learns one taken name)."""
CACHE_RETRY = 1.0


@dataclass(frozen=True)
class Revision:
    """One ControllerRevision, as the decisions need it."""

    hash: str
    """Its name without the `<group>-` prefix: what instances at it carry."""
    number: int
    data: Any
    uid: str | None = None
    ours: bool = True
    """Controlled by the group: only its own revisions are reused, renumbered or pruned;
    another object of the name is a collision."""


def revision_name(group: str, hash_: str) -> str:
    return f"{group}-{hash_}"


def build_controller_revision(group: Group, hash_: str, number: int) -> Object:
    """The revision of the group's current template, controlled by the group (the garbage
    collector removes its history with it), labelled so that the operator's cache sees it."""
    name = str(group.metadata.name)
    revision_labels = managed_labels(
        group.spec.cluster.name, component_of(group), group=name, revision=hash_
    )
    return {
        "apiVersion": resources.CONTROLLERREVISION.api_version,
        "kind": resources.CONTROLLERREVISION.kind,
        "metadata": child_metadata(group, revision_name(name, hash_), revision_labels),
        "data": template_dump(group),
        "revision": number,
    }


def read_revision(obj: Object, group: str, group_uid: str | None) -> Revision:
    meta = obj["metadata"]
    owner = controller_owner(obj)
    return Revision(
        hash=str(meta["name"]).removeprefix(f"{group}-"),
        number=int(obj.get("revision") or 0),
        data=obj.get("data"),
        uid=meta.get("uid"),
        ours=owner is not None and owner.get("uid") == group_uid,
    )


@dataclass(frozen=True)
class Keep:
    """The template's revision exists and is the newest: nothing to write."""

    hash: str


@dataclass(frozen=True)
class Renumber:
    """The template is an earlier one again: its revision becomes the newest."""

    revision: Revision
    number: int


@dataclass(frozen=True)
class Create:
    hash: str
    number: int
    collision_count: int
    """The count the hash was made with: recorded in status when it went up."""


RevisionStep = Keep | Renumber | Create


def next_revision(history: Sequence[Revision], template: Any, collision_count: int) -> RevisionStep:
    """The revision the group's `template` runs at, and what that takes.

    `history` is the group's ControllerRevisions plus any other object found under a name
    the group wanted; `collision_count` the group's recorded count."""
    ours = [r for r in history if r.ours]
    newest = max((r.number for r in ours), default=0)
    same = [r for r in ours if r.data == template]
    if same:
        found = max(same, key=lambda r: r.number)
        return Keep(found.hash) if found.number == newest else Renumber(found, newest + 1)
    # No revision of ours holds the template, so every object under its name holds another
    # template or belongs to someone else: a collision, which the next count resolves.
    taken = {r.hash for r in history}
    count = collision_count
    while (hash_ := revision_hash(template, count)) in taken:
        count += 1
    return Create(hash_, newest + 1, count)


def to_prune(history: Sequence[Revision], limit: int, live: Collection[str]) -> list[Revision]:
    """The group's revisions to delete: all but the `limit` newest of those not `live`
    (run by an instance, or named current or update revision)."""
    old = sorted((r for r in history if r.ours and r.hash not in live), key=lambda r: r.number)
    return old[: max(len(old) - limit, 0)]


class Rolling(Protocol):
    """What the rollout needs to know of an instance (both groups' updater views)."""

    @property
    def revision(self) -> str | None: ...
    @property
    def ready(self) -> bool: ...
    @property
    def synced(self) -> bool: ...


def rolled_out(instances: Sequence[Rolling], update: str) -> bool:
    """Every instance is at the update revision, Ready, its Pod up to date."""
    return all(i.revision == update and i.ready and i.synced for i in instances)


def current_revision(instances: Sequence[Rolling], update: str, previous: str | None) -> str:
    """The revision the instances were all at: it becomes the update revision once the
    rollout is done, and stays what it was until then. A group that never recorded one
    (created before status had it) takes the revision most of its outdated instances run."""
    if rolled_out(instances, update):
        return update
    if previous:
        return previous
    old = Counter(i.revision for i in instances if i.revision and i.revision != update)
    return old.most_common(1)[0][0] if old else update


def reported_version(
    instances: Sequence[Rolling], update: str, version: str, previous: str | None
) -> str | None:
    """The group's status.version: the template's `version` once a rollout to it finished
    (TiKV waits for every PDGroup to report the version it moves to), until then the one
    reported before. A group without instances runs no version."""
    return version if instances and rolled_out(instances, update) else previous


async def read_carried_status(ctx: GroupContext[Any, Any]) -> None:
    """Until a rollout finishes, `currentRevision` and `version` are carried over from the
    status the reconcile read; the cache may hold a copy older than this controller's last
    status write, and carrying from it would write the old revision and version back (while
    the instances are briefly not Ready, e.g. PD electing a leader). So while either is not
    yet at its target, the status is the API server's (the spec stays the one decided on)."""
    status = ctx.group.status
    if (
        status.current_revision == ctx.revision
        and status.version == ctx.group.spec.template.spec.version
    ):
        return
    fresh = await ctx.deps.client.get_or_none(ctx.KIND, ctx.name, ctx.namespace)
    if fresh is not None and fresh["metadata"].get("uid") == ctx.group.metadata.uid:
        read = type(ctx.group).model_validate(fresh)
        ctx.loaded = ctx.group.model_copy(update={"status": read.status})


def load_revision(ctx: GroupContext[Any, Any]) -> None:
    """Until the revision task decides, the revision the status last recorded: a reconcile
    that stops before that task then writes back what it read instead of another hash."""
    status = ctx.group.status
    ctx.revision = status.update_revision or update_revision(ctx.group)
    ctx.collision_count = status.collision_count


def _history(ctx: GroupContext[Any, Any]) -> list[Revision]:
    group = ctx.group
    uid = group.metadata.uid
    owned = ctx.deps.cache(resources.CONTROLLERREVISION).by_index(BY_OWNER_UID, str(uid))
    return [read_revision(o, str(group.metadata.name), uid) for o in owned]


async def _apply_step(
    ctx: GroupContext[Any, Any], history: list[Revision], step: RevisionStep
) -> str | None:
    """Carry out `step`; a note on what was written, or None when the name turned out to
    be taken (then `history` has learned its holder, and the caller decides again)."""
    kind, group = resources.CONTROLLERREVISION, ctx.group
    match step:
        case Keep():
            return ""
        case Renumber(revision=revision, number=number):
            name = revision_name(ctx.name, revision.hash)
            have = ctx.deps.cache(kind).get(f"{ctx.namespace}/{name}")
            if have is None:
                have = await ctx.deps.client.get(kind, name, ctx.namespace)
            # A replace of the object as read, not a patch: the API server holds `data`
            # immutable byte for byte, and a patch re-encodes it (compacted), which it
            # refuses; the same client sends the same bytes it created the object with.
            # The resourceVersion refuses the write if the revision changed meanwhile.
            await ctx.deps.client.replace(kind, {**have, "revision": number})
            return f"revision {revision.hash} is back as number {number}"
        case Create(hash=hash_, number=number):
            obj = build_controller_revision(group, hash_, number)
            try:
                await ctx.deps.client.create(kind, obj)
            except ApiError as error:
                if not error.conflict:
                    raise
                # Ours and not cached yet, or another template's, or not ours at all.
                holder = await ctx.deps.client.get_or_none(
                    kind, obj["metadata"]["name"], ctx.namespace
                )
                if holder is not None:
                    history.append(read_revision(holder, ctx.name, group.metadata.uid))
                return None
            return f"revision {hash_} created as number {number}"
    raise AssertionError(f"unknown revision step {step!r}")


async def _settle(
    ctx: GroupContext[Any, Any], history: list[Revision]
) -> tuple[RevisionStep, str] | None:
    """The step that made the template's revision the newest, and its note; None when
    every name tried was taken."""
    template = template_dump(ctx.group)
    recorded = ctx.group.status.collision_count or 0
    for _ in range(MAX_COLLISIONS):
        step = next_revision(history, template, recorded)
        note = await _apply_step(ctx, history, step)
        if note is not None:
            return step, note
    return None


async def sync_revision(ctx: GroupContext[Any, Any]) -> TaskResult:
    """The `revision` task: make the template's ControllerRevision the newest, take its
    hash as the instances' target, and prune old history."""
    history = _history(ctx)
    settled = await _settle(ctx, history)
    if settled is None:
        return Retry(CACHE_RETRY, f"{MAX_COLLISIONS} revision names were taken; trying again")
    step, note = settled
    ctx.revision = step.revision.hash if isinstance(step, Renumber) else step.hash
    recorded = ctx.group.status.collision_count or 0
    if isinstance(step, Create) and step.collision_count != recorded:
        ctx.collision_count = step.collision_count
        note += f" after {step.collision_count - recorded} hash collision(s)"
    pruned = await _prune(ctx, history)
    if pruned:
        note = "; ".join(filter(None, [note, f"pruned {', '.join(pruned)}"]))
    return Complete(note)


async def _prune(ctx: GroupContext[Any, Any], history: Sequence[Revision]) -> list[str]:
    group = ctx.group
    live = {ctx.revision, group.status.current_revision}
    live |= {i.metadata.labels.get(labels.INSTANCE_REVISION_HASH) for i in ctx.instances}
    limit = ctx.cluster.spec.revision_history_limit
    doomed = to_prune(history, limit, {h for h in live if h})
    for revision in doomed:
        name = revision_name(ctx.name, revision.hash)
        await ctx.deps.client.delete(
            resources.CONTROLLERREVISION, name, ctx.namespace, uid=revision.uid
        )
    return [r.hash for r in doomed]
