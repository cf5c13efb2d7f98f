"""A group's revision history: the ControllerRevision it keeps, which revision a template
runs at (collisions, rollbacks), what is pruned, and the status revisions and version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from apis import PDGroup, TiKVGroup
from apis.labels import CLUSTER, COMPONENT, GROUP, INSTANCE_REVISION_HASH, MANAGED_BY
from controllers.common.group import Group, template_dump, update_revision
from controllers.common.history import (
    Create,
    Keep,
    Renumber,
    Revision,
    RevisionStep,
    build_controller_revision,
    current_revision,
    next_revision,
    read_revision,
    reported_version,
    to_prune,
)
from controllers.common.revision import revision_hash

A = {"spec": {"version": "v8.5.0"}}
B = {"spec": {"version": "v8.5.1"}}
C = {"spec": {"version": "v8.5.2"}}


def group(model: type[PDGroup | TiKVGroup] = TiKVGroup) -> Group:
    return model.model_validate(
        {
            "metadata": {"name": "basic", "namespace": "ns", "uid": "g-uid", "generation": 1},
            "spec": {
                "cluster": {"name": "basic"},
                "replicas": 3,
                "template": {
                    "spec": {
                        "version": "v8.5.1",
                        "volumes": [
                            {"name": "data", "mounts": [{"type": "data"}], "storage": "10Gi"}
                        ],
                    }
                },
            },
        }
    )


def rev(template: Any, number: int, count: int = 0, *, ours: bool = True) -> Revision:
    return Revision(revision_hash(template, count), number, template, f"uid-{number}", ours)


@pytest.mark.parametrize("model", [PDGroup, TiKVGroup])
def test_the_controller_revision_holds_the_template_under_the_group_and_its_hash(
    model: type[PDGroup | TiKVGroup],
) -> None:
    g = group(model)
    hash_ = update_revision(g)
    obj = build_controller_revision(g, hash_, 3)
    assert (obj["apiVersion"], obj["kind"]) == ("apps/v1", "ControllerRevision")
    assert obj["metadata"]["name"] == f"basic-{hash_}"
    assert obj["metadata"]["namespace"] == "ns"
    assert obj["data"] == template_dump(g)
    assert obj["revision"] == 3
    (owner,) = obj["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["uid"], owner["controller"]) == (model.KIND, "g-uid", True)
    want = {
        MANAGED_BY: "tikv-operator",
        COMPONENT: "pd" if model is PDGroup else "tikv",
        CLUSTER: "basic",
        GROUP: "basic",
        INSTANCE_REVISION_HASH: hash_,
    }
    assert want.items() <= obj["metadata"]["labels"].items()


def test_a_revision_read_back_is_ours_only_under_the_group_as_controller() -> None:
    g = group()
    obj = build_controller_revision(g, "abc", 2)
    obj["metadata"]["uid"] = "r-uid"
    assert read_revision(obj, "basic", "g-uid") == Revision("abc", 2, template_dump(g), "r-uid")
    assert not read_revision(obj, "basic", "other-uid").ours
    foreign = {"metadata": {"name": "basic-abc", "uid": "x"}, "data": {}, "revision": 1}
    assert read_revision(foreign, "basic", "g-uid") == Revision("abc", 1, {}, "x", ours=False)


@dataclass(frozen=True)
class Case:
    history: list[Revision]
    template: Any
    collision_count: int
    want: RevisionStep


NEXT_REVISION = {
    "a new group creates revision 1": Case([], A, 0, Create(revision_hash(A, 0), 1, 0)),
    "an unchanged template keeps its revision": Case(
        [rev(A, 1), rev(B, 2)], B, 0, Keep(revision_hash(B, 0))
    ),
    "a changed template creates the next number": Case(
        [rev(A, 1), rev(B, 2)], C, 0, Create(revision_hash(C, 0), 3, 0)
    ),
    "the hash uses the recorded collision count": Case(
        [rev(A, 1)], B, 2, Create(revision_hash(B, 2), 2, 2)
    ),
    "a rollback renumbers the earlier revision": Case(
        [rev(A, 1), rev(B, 2)], A, 0, Renumber(rev(A, 1), 3)
    ),
    "a rollback finds its revision made under an older count": Case(
        [rev(A, 1, count=0), rev(B, 2, count=1)], A, 1, Renumber(rev(A, 1, count=0), 3)
    ),
    "a name holding another template is a collision": Case(
        [Revision(revision_hash(B, 0), 1, A, "x")], B, 0, Create(revision_hash(B, 1), 2, 1)
    ),
    "a name held by someone else's object is a collision": Case(
        [Revision(revision_hash(B, 0), 7, B, "x", ours=False)],
        B,
        0,
        Create(revision_hash(B, 1), 1, 1),
    ),
    "collisions go on until a name is free": Case(
        [
            Revision(revision_hash(B, 0), 1, A, "x"),
            Revision(revision_hash(B, 1), 2, C, "y", ours=False),
        ],
        B,
        0,
        Create(revision_hash(B, 2), 2, 2),
    ),
}


@pytest.mark.parametrize("case", NEXT_REVISION.values(), ids=NEXT_REVISION.keys())
def test_next_revision(case: Case) -> None:
    assert next_revision(case.history, case.template, case.collision_count) == case.want


def numbers(revisions: list[Revision]) -> list[int]:
    return [r.number for r in revisions]


def history_of(*numbers_: int) -> list[Revision]:
    return [Revision(f"h{n}", n, {"n": n}, f"uid-{n}") for n in numbers_]


@pytest.mark.parametrize(
    ("history", "limit", "live", "pruned"),
    [
        (history_of(1, 2, 3), 10, {"h3"}, []),
        (history_of(1, 2, 3, 4, 5), 2, {"h5"}, [1, 2]),
        (history_of(3, 1, 5, 2, 4), 2, {"h5"}, [1, 2]),
        (history_of(1, 2, 3, 4), 0, {"h4"}, [1, 2, 3]),
        # The current revision and every instance's revision stay, whatever their age.
        (history_of(1, 2, 3, 4, 5), 0, {"h5", "h1", "h3"}, [2, 4]),
        (history_of(1, 2, 3, 4, 5), 1, {"h5", "h1"}, [2, 3]),
        # Someone else's object is never ours to delete.
        ([*history_of(1, 2), Revision("x", 0, {}, "x", ours=False)], 0, {"h2"}, [1]),
    ],
)
def test_prune_keeps_the_limit_newest_of_the_revisions_nothing_runs(
    history: list[Revision], limit: int, live: set[str], pruned: list[int]
) -> None:
    assert numbers(to_prune(history, limit, live)) == pruned


@dataclass(frozen=True)
class Inst:
    revision: str | None
    ready: bool = True
    synced: bool = True


@pytest.mark.parametrize(
    ("instances", "previous", "want"),
    [
        ([], None, "new"),
        ([Inst("new"), Inst("new")], "old", "new"),
        ([Inst("new"), Inst("old")], "old", "old"),
        # Every instance is at the update revision but one is not Ready (or its Pod is not
        # updated yet): the rollout is not over.
        ([Inst("new"), Inst("new", ready=False)], "old", "old"),
        ([Inst("new"), Inst("new", synced=False)], "old", "old"),
        # A second change mid-rollout: the group was last all at `old`.
        ([Inst("mid"), Inst("new"), Inst("new")], "old", "old"),
        # Nothing recorded (a group from before the status had it): what most run.
        ([Inst("a"), Inst("b"), Inst("b"), Inst("new")], None, "b"),
        ([Inst("new", ready=False)], None, "new"),
    ],
)
def test_current_revision_becomes_the_update_revision_once_the_rollout_is_done(
    instances: list[Inst], previous: str | None, want: str
) -> None:
    assert current_revision(instances, "new", previous) == want


@pytest.mark.parametrize(
    ("instances", "previous", "want"),
    [
        ([Inst("new"), Inst("new")], "v8.5.0", "v8.5.1"),
        ([Inst("new"), Inst("old")], "v8.5.0", "v8.5.0"),
        ([Inst("new"), Inst("new", synced=False)], "v8.5.0", "v8.5.0"),
        ([Inst("new", ready=False)], None, None),
        ([], "v8.5.0", "v8.5.0"),
    ],
)
def test_the_version_changes_only_when_a_rollout_is_done(
    instances: list[Inst], previous: str | None, want: str | None
) -> None:
    assert reported_version(instances, "new", "v8.5.1", previous) == want
