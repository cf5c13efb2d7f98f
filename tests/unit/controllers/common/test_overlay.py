"""The user's partial PodSpec merged onto the generated one."""

from controllers.common.overlay import merge


def test_maps_merge_recursively_and_overlay_values_win() -> None:
    base = {"securityContext": {"runAsUser": 1, "fsGroup": 2}}
    out = merge(base, {"securityContext": {"runAsUser": 1000}})
    assert out == {"securityContext": {"runAsUser": 1000, "fsGroup": 2}}


def test_containers_merge_by_name_keeping_generated_fields() -> None:
    base = {"containers": [{"name": "pd", "image": "pd:v1", "env": [{"name": "A", "value": "1"}]}]}
    overlay = {"containers": [{"name": "pd", "env": [{"name": "B", "value": "2"}]}]}
    out = merge(base, overlay)
    assert out["containers"] == [
        {
            "name": "pd",
            "image": "pd:v1",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        }
    ]


def test_a_new_named_item_is_appended() -> None:
    out = merge({"containers": [{"name": "pd"}]}, {"containers": [{"name": "sidecar"}]})
    assert [c["name"] for c in out["containers"]] == ["pd", "sidecar"]


def test_other_lists_are_replaced_whole() -> None:
    out = merge({"tolerations": [{"key": "a"}]}, {"tolerations": [{"key": "b"}]})
    assert out == {"tolerations": [{"key": "b"}]}


def test_inputs_are_not_changed() -> None:
    base = {"nodeSelector": {"a": "1"}}
    merge(base, {"nodeSelector": {"b": "2"}})
    assert base == {"nodeSelector": {"a": "1"}}
