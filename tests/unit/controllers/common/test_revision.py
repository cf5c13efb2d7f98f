from __future__ import annotations

from controllers.common.revision import HASH_LENGTH, revision_hash


def test_hash_ignores_key_order() -> None:
    assert revision_hash({"a": 1, "b": [1, 2]}) == revision_hash({"b": [1, 2], "a": 1})


def test_hash_changes_with_the_template() -> None:
    assert revision_hash({"a": 1}) != revision_hash({"a": 2})


def test_collision_count_gives_a_new_hash() -> None:
    assert revision_hash({"a": 1}, 0) != revision_hash({"a": 1}, 1)
    assert len(revision_hash({"a": 1})) == HASH_LENGTH
