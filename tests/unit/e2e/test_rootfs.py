"""Paths inside an image's root filesystem (tests/e2e/rootfs.py) never leave it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.rootfs import inside


def test_an_absolute_symlink_resolves_within_the_root(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "run").symlink_to("/run")
    assert inside(tmp_path, "/var/run/secrets/token") == tmp_path / "run" / "secrets" / "token"


def test_a_relative_symlink_and_dot_dot_stay_under_the_root(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    (tmp_path / "lib").symlink_to("usr/lib")
    assert inside(tmp_path, "/lib/x") == tmp_path / "usr" / "lib" / "x"
    assert inside(tmp_path, "/../../etc/passwd") == tmp_path / "etc" / "passwd"
