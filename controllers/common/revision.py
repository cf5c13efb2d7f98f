"""Revision hashes: which template an instance (and its Pod) was built from.

Like a ControllerRevision name, the hash covers the template and the collision count,
so bumping the count gives a new name when two templates ever hash alike.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

HASH_LENGTH = 10


def revision_hash(template: Any, collision_count: int = 0) -> str:
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{canonical}/{collision_count}".encode()).hexdigest()
    return digest[:HASH_LENGTH]
