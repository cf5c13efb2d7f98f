"""The TiKV instance controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from apis.names import tikv_instance_of_address
from controllers.common.conditions import condition_of
from controllers.common.deps import Deps
from controllers.common.finalizer import add_finalizer
from controllers.common.load import opening
from controllers.common.pdview import pd_changes
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, task
from controllers.common.watches import fields_changed, of_cluster, on_pd_change
from controllers.tikv.context import Context
from controllers.tikv.tasks import (
    children,
    delete,
    eviction,
    load,
    offline,
    pd,
    pod,
    pvcs,
    status,
    storelabels,
)
from tikv_operator.kube import cache, resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.informer import Event
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import Object, object_key
from tikv_operator.pdapi.poller import Change

NAME = "tikv"

INFORMERS = (
    resources.CLUSTER,
    resources.TIKV,
    resources.POD,
    resources.CONFIGMAP,
    resources.PVC,
    resources.NODE,
)
"""The kinds whose caches this controller reads or watches (nodes: for the store labels, read
from the cache only, as the operator's RBAC lists and watches Nodes but never gets one)."""


TIKV_TASKS: list[Step[Context]] = [
    *opening(load.load, pd.read_store),
    delete.ON_DELETION,
    task("finalizer", add_finalizer),
    task("offline", offline.apply_offline),
    task("configmap", children.apply_configmap),
    task("pvcs", pvcs.ensure_pvcs),
    task("pod", pod.apply_pod),
    task("store-labels", storelabels.sync_store_labels),
    task("end-eviction", eviction.end_leader_eviction),
]
STATUS_TASKS: list[Step[Context]] = [task("status", status.write_status)]


RECONCILER = Reconciler(NAME, INFORMERS, Context, TIKV_TASKS, STATUS_TASKS)


SPEC_OR_METADATA = fields_changed(
    "metadata.generation",
    "metadata.labels",
    "metadata.annotations",
    "metadata.finalizers",
    "metadata.deletionTimestamp",
)
"""Our own status writes (store counts, conditions) must not wake us again: that would loop."""


def stores_changed(namespace: str, change: Change) -> set[str]:
    """TiKV instances whose store changed in PD's view (found by advertise address)."""
    names = (tikv_instance_of_address(a, namespace) for a in change.stores)
    return {n for n in names if n}


def siblings_of(tikvs: cache.Reader) -> Callable[[Object], Iterable[str]]:
    """A sibling becoming Ready (or unready) may let a waiting restart go (rule 5)."""

    def keys(tikv: Object) -> Iterable[str]:
        owner = resources.controller_owner(tikv)
        if owner is None or not owner.get("uid"):
            return []
        return [
            object_key(t)
            for t in tikvs.by_index(cache.BY_OWNER_UID, owner["uid"])
            if object_key(t) != object_key(tikv)
        ]

    return keys


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the TiKV instance controller, wire its watches and add it to the manager."""
    controller, informers = RECONCILER.controller(manager, deps)
    tikvs = informers[resources.TIKV]
    controller.watch(tikvs, predicate=SPEC_OR_METADATA)
    controller.watch(tikvs, mapped(siblings_of(tikvs.store)), predicate=_ready_changed)
    for kind in (resources.POD, resources.CONFIGMAP, resources.PVC):
        controller.watch(informers[kind], controlling_owner(resources.TIKV))
    controller.watch(informers[resources.CLUSTER], mapped(of_cluster(tikvs.store)))
    controller.watch_source(pd_changes(deps.pd, on_pd_change(tikvs.store, stores_changed)))
    manager.add_controller(controller)
    return controller


def _ready_changed(event: Event) -> bool:
    if event.old is None:
        return event.type != "ADDED"
    return _ready(event.old) != _ready(event.object)


def _ready(obj: Object) -> str | None:
    c = condition_of(obj, "Ready")
    return str(c.get("status")) if c is not None else None
