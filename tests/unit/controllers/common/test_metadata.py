"""The user's labels and annotations: stamped on new objects, patched in place later."""

from __future__ import annotations

from apis.common import ObjectMetaTemplate
from apis.labels import APPLIED_ANNOTATIONS, APPLIED_LABELS, MANAGED_BY, POD_HASH
from apis.meta import ObjectMeta
from controllers.common.metadata import (
    UserMetadata,
    carried,
    defaulted,
    for_pod,
    metadata_patch,
    stamped,
    synced,
)
from controllers.common.objects import Object

OPERATOR: Object = {"labels": {MANAGED_BY: "tikv-operator"}, "annotations": {POD_HASH: "h1"}}


def built(labels: dict[str, str], annotations: dict[str, str] | None = None) -> Object:
    return stamped(OPERATOR, UserMetadata.of(labels, annotations or {}))


def test_the_user_keys_are_added_and_recorded() -> None:
    meta = built({"team": "db"}, {"note": "x"})
    assert meta["labels"] == {"team": "db", MANAGED_BY: "tikv-operator"}
    assert meta["annotations"] == {
        "note": "x",
        POD_HASH: "h1",
        APPLIED_LABELS: "team",
        APPLIED_ANNOTATIONS: "note",
    }


def test_the_operators_keys_cannot_be_taken_by_the_template() -> None:
    meta = built({MANAGED_BY: "me", "team": "db"}, {POD_HASH: "forged"})
    assert meta["labels"][MANAGED_BY] == "tikv-operator"
    assert meta["annotations"][POD_HASH] == "h1"
    assert meta["annotations"][APPLIED_LABELS] == "team"
    assert APPLIED_ANNOTATIONS not in meta["annotations"]


def test_nothing_recorded_without_user_keys() -> None:
    assert built({}) == {**OPERATOR, "labels": OPERATOR["labels"]}


def test_in_sync_means_no_patch() -> None:
    meta = built({"team": "db"})
    assert metadata_patch(meta, built({"team": "db"})) is None


def test_a_changed_value_is_patched() -> None:
    assert metadata_patch(built({"team": "db"}), built({"team": "kv"})) == {
        "labels": {"team": "kv"}
    }


def test_a_dropped_key_is_removed_with_its_record() -> None:
    patch = metadata_patch(built({"team": "db"}, {"note": "x"}), built({}))
    assert patch == {
        "labels": {"team": None},
        "annotations": {"note": None, APPLIED_LABELS: None, APPLIED_ANNOTATIONS: None},
    }


def test_keys_set_by_others_are_never_touched() -> None:
    running = built({"team": "db"})
    running["labels"]["from-kubectl"] = "1"
    running["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    assert metadata_patch(running, built({})) == {
        "labels": {"team": None},
        "annotations": {APPLIED_LABELS: None},
    }


def test_an_object_made_before_the_record_existed_only_gains_keys() -> None:
    running: Object = {"labels": {"team": "db", MANAGED_BY: "tikv-operator"}}
    labels, annotations = synced(running, built({"tier": "1"}))
    assert labels == {"team": "db", "tier": "1", MANAGED_BY: "tikv-operator"}
    assert annotations[APPLIED_LABELS] == "tier"


def test_a_key_the_operator_also_sets_survives_being_dropped_by_the_user() -> None:
    running = built({"team": "db"})
    desired = stamped({"labels": {"team": "operator"}}, UserMetadata())
    labels, _ = synced(running, desired)
    assert labels["team"] == "operator"


def test_a_default_annotation_fills_in_where_neither_operator_nor_user_set_it() -> None:
    meta = defaulted(built({}, {"note": "mine"}), {"note": "default", "other": "default"})
    assert meta["annotations"]["note"] == "mine"
    assert meta["annotations"]["other"] == "default"
    assert meta["annotations"][POD_HASH] == "h1"


def test_a_user_value_dropped_from_the_template_goes_back_to_the_default() -> None:
    running = defaulted(built({}, {"note": "mine"}), {"note": "default"})
    desired = defaulted(built({}), {"note": "default"})
    assert metadata_patch(running, desired) == {
        "annotations": {"note": "default", APPLIED_ANNOTATIONS: None}
    }


def test_a_pod_carries_what_its_instance_carries_under_its_overlay() -> None:
    instance = ObjectMeta.model_validate(built({"team": "db", "tier": "1"}, {"note": "x"}))
    overlay = ObjectMetaTemplate(labels={"tier": "2"}, annotations={"extra": "y"})
    user = for_pod(instance, overlay)
    assert dict(user.labels) == {"team": "db", "tier": "2"}
    assert dict(user.annotations) == {"note": "x", "extra": "y"}


def test_carried_reads_only_the_recorded_keys() -> None:
    meta = built({"team": "db"})
    meta["labels"]["other"] = "z"
    assert carried(meta) == UserMetadata({"team": "db"}, {})
