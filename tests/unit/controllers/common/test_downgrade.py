"""A downgrade is refused unless the group names the version it may go down to."""

from __future__ import annotations

import pytest

from controllers.common.downgrade import downgrade_refusal, newest


@pytest.mark.parametrize(
    ("target", "running", "allowed", "refused"),
    [
        ("v8.5.2", "v8.5.1", None, False),
        ("v8.5.1", "v8.5.1", None, False),
        ("v8.5.1", None, None, False),  # nothing runs yet
        ("v7.5.0", "v8.5.1", None, True),
        ("v8.5.0", "v8.5.1", None, True),
        ("v7.5.0", "v8.5.1", "v7.5.0", False),
        ("v7.5.0", "v8.5.1", "v7.1.0", True),  # an old opt-in covers no other version
        ("v8.5.1-nightly", "v8.5.1", None, False),
    ],
)
def test_downgrade_refusal(
    target: str, running: str | None, allowed: str | None, refused: bool
) -> None:
    why = downgrade_refusal(target, running, allowed)
    assert (why is not None) == refused
    if why is not None:
        assert f"tikv.org/allow-downgrade={target}" in why


def test_the_running_version_is_the_newest_known() -> None:
    assert newest([None, "v8.5.1", "v7.5.0", "nonsense"]) == "v8.5.1"
    assert newest([None]) is None
