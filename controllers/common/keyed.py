"""The namespace and name every reconcile context derives from its work-queue key."""

from __future__ import annotations

from tikv_operator.kube.resources import split_key


class Keyed:
    """Mixin for a context whose `key` is the reconciled object's `namespace/name`."""

    key: str

    @property
    def namespace(self) -> str:
        return split_key(self.key)[0] or ""

    @property
    def name(self) -> str:
        return split_key(self.key)[1]
