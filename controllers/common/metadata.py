"""The user's labels and annotations on the objects the operator makes, changed in place.

A group's `template.metadata` reaches its instances, and through them (with the instance's
`overlay.pod.metadata`) their Pods. Changing them restarts nothing: the objects are patched.
Other parties put labels and annotations on these objects too (kubectl, admission webhooks,
the operator's own bookkeeping), so an object records which keys came from the user's
metadata (`tikv.org/applied-labels`, `tikv.org/applied-annotations`): a key dropped from the
template is removed again, and a key nobody asked the operator for is never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from apis import labels
from apis.common import ObjectMetaTemplate
from apis.meta import ObjectMeta
from controllers.common.objects import Object


@dataclass(frozen=True)
class UserMetadata:
    """Labels and annotations a user asked for, without the keys the operator sets itself."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def of(user_labels: Mapping[str, str], user_annotations: Mapping[str, str]) -> UserMetadata:
        return UserMetadata(
            {k: v for k, v in user_labels.items() if k not in labels.OPERATOR_LABELS},
            {k: v for k, v in user_annotations.items() if k not in labels.OPERATOR_ANNOTATIONS},
        )

    def over(self, other: UserMetadata) -> UserMetadata:
        """This metadata laid over `other`: its keys win."""
        return UserMetadata(
            {**other.labels, **self.labels}, {**other.annotations, **self.annotations}
        )


def _keys(meta: Mapping[str, object], key: str) -> set[str]:
    annotations = meta.get("annotations")
    value = annotations.get(key) if isinstance(annotations, Mapping) else None
    return {k for k in str(value).split(",") if k} if value else set()


def carried(meta: Mapping[str, object]) -> UserMetadata:
    """The user metadata an object carries, as recorded by its APPLIED_* annotations."""
    have_labels = meta.get("labels")
    have_annotations = meta.get("annotations")
    lab = have_labels if isinstance(have_labels, Mapping) else {}
    ann = have_annotations if isinstance(have_annotations, Mapping) else {}
    return UserMetadata.of(
        {k: str(lab[k]) for k in _keys(meta, labels.APPLIED_LABELS) if k in lab},
        {k: str(ann[k]) for k in _keys(meta, labels.APPLIED_ANNOTATIONS) if k in ann},
    )


def for_pod(instance: ObjectMeta, overlay: ObjectMetaTemplate) -> UserMetadata:
    """What an instance's Pod carries of the user's: the template's labels and annotations
    the instance carries, under the instance's own `overlay.pod.metadata`."""
    template = carried({"labels": instance.labels, "annotations": instance.annotations})
    return UserMetadata.of(overlay.labels, overlay.annotations).over(template)


def stamped(meta: Object, user: UserMetadata) -> Object:
    """`meta` with the user's labels and annotations under its own (the operator's keys
    win), and the record of which keys the user's are."""
    out = dict(meta)
    out["labels"] = {**user.labels, **(meta.get("labels") or {})}
    annotations = {**user.annotations, **(meta.get("annotations") or {})}
    for key, values in (
        (labels.APPLIED_LABELS, user.labels),
        (labels.APPLIED_ANNOTATIONS, user.annotations),
    ):
        if values:
            annotations[key] = ",".join(sorted(values))
    if annotations:
        out["annotations"] = annotations
    return out


def scrape_annotations(port: int, path: str = "/metrics", *, tls: bool) -> dict[str, str]:
    """Where Prometheus finds a Pod's metrics, for annotation-driven discovery. A TLS cluster
    serves them over https, to a client with a certificate the cluster's CA signed."""
    annotations = {
        labels.PROMETHEUS_SCRAPE: "true",
        labels.PROMETHEUS_PORT: str(port),
        labels.PROMETHEUS_PATH: path,
    }
    if tls:
        annotations[labels.PROMETHEUS_SCHEME] = "https"
    return annotations


def defaulted(meta: Object, annotations: Mapping[str, str]) -> Object:
    """`meta` with each of `annotations` whose key it does not carry yet: defaults that the
    user's metadata (already stamped on `meta`) overrides."""
    have = meta.get("annotations") or {}
    return {**meta, "annotations": {**annotations, **have}}


def synced(running: Mapping[str, object], desired: Object) -> tuple[dict[str, str], dict[str, str]]:
    """The labels and annotations `running` should have: every key of `desired` set, the user
    keys `running` carried and `desired` no longer does removed, all others kept."""
    out = []
    for field_name, applied in (
        ("labels", labels.APPLIED_LABELS),
        ("annotations", labels.APPLIED_ANNOTATIONS),
    ):
        have = running.get(field_name)
        current = dict(have) if isinstance(have, Mapping) else {}
        want = desired.get(field_name) or {}
        dropped = _keys(running, applied) - _keys(desired, applied)
        if field_name == "annotations":
            # The record itself goes once no user key is left to record.
            dropped |= {labels.APPLIED_LABELS, labels.APPLIED_ANNOTATIONS}
        merged = {k: str(v) for k, v in current.items() if k not in dropped - set(want)}
        merged.update(want)
        out.append(merged)
    return out[0], out[1]


def metadata_patch(running: Mapping[str, object], desired: Object) -> Object | None:
    """A JSON merge patch of `metadata` taking `running` to `synced(running, desired)`, or
    None when nothing differs."""
    patch: Object = {}
    for field_name, new in zip(("labels", "annotations"), synced(running, desired), strict=True):
        have = running.get(field_name)
        old = dict(have) if isinstance(have, Mapping) else {}
        diff: dict[str, str | None] = {k: v for k, v in new.items() if old.get(k) != v}
        diff.update({k: None for k in old if k not in new})
        if diff:
            patch[field_name] = diff
    return patch or None
