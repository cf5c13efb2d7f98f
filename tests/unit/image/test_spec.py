"""The image's definition (hack/image/spec.py) agrees with the manifests that run it."""

from __future__ import annotations

import dataclasses

import yaml

from hack.image import spec
from hack.image.python_layers import manylinux_platforms
from hack.localcluster import REPO


def test_the_deployment_passes_the_images_cmd_as_its_args() -> None:
    deployment = yaml.safe_load((REPO / "manifests/manager/deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert tuple(container["args"]) == spec.CMD


def test_the_user_is_numeric_so_that_kubernetes_can_check_run_as_non_root() -> None:
    uid, gid = spec.USER.split(":")
    assert int(uid) != 0 and int(gid) != 0


def test_any_change_to_the_base_changes_its_cache_key() -> None:
    changed = dataclasses.replace(spec.BASE, packages=(*spec.BASE.packages, "netbase"))
    assert changed.key("amd64") != spec.BASE.key("amd64")
    assert spec.BASE.key("arm64") != spec.BASE.key("amd64")
    assert spec.BASE.key("amd64").startswith("bookworm-amd64-")


def test_a_glibc_runs_every_older_manylinux_with_the_legacy_names_in_their_place() -> None:
    platforms = manylinux_platforms("2.36", "x86_64")
    assert platforms[0] == "manylinux_2_36_x86_64"
    assert platforms[-2:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64"]
    at = platforms.index("manylinux_2_17_x86_64")
    assert platforms[at + 1] == "manylinux2014_x86_64"
    assert "manylinux2010_x86_64" in platforms
    assert len(platforms) == len(range(5, 37)) + 3  # 2_5 to 2_36, and three legacy names
