"""The Cluster controller: watches, setup, and the reconcile as a task list.

The Cluster reconcile changes nothing in PD or in the pods: it reports (status, conditions,
the safety brake the other controllers obey) and, on deletion, deletes the groups in order.
PD's changes arrive through the cluster's PD poller, which this controller starts once the
PD URL is known and stops with the Cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from apis import labels
from controllers.cluster.context import ClusterContext
from controllers.cluster.tasks import brake, delete, load, pd, status, tls
from controllers.common.deps import Deps
from controllers.common.finalizer import add_finalizer
from controllers.common.pdview import pd_changes
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, TaskResult, task
from controllers.common.watches import IDENTITY, fields_changed
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, mapped
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import Object
from tikv_operator.pdapi.poller import Change, Snapshot

NAME = "cluster"

INFORMERS = (
    resources.CLUSTER,
    resources.PDGROUP,
    resources.TIKVGROUP,
    resources.PD,
    resources.TIKV,
    resources.POD,
    resources.PVC,
)
"""The kinds whose caches this controller reads and watches."""

CLUSTER_TASKS: list[Step[ClusterContext]] = [
    task("load", load.load_cluster),
    delete.ON_DELETION,
    task("finalizer", add_finalizer),
    task("tls", tls.read_tls_secrets),
    task("pd", pd.watch_pd),
    task("cluster-id", pd.record_cluster_id),
    task("safety-brake", brake.apply_brake),
]
STATUS_TASKS: list[Step[ClusterContext]] = [task("status", status.update_status)]


def status_unless_deleting(ctx: ClusterContext, final: TaskResult) -> bool:
    """The deletion tasks write what they must themselves; a gone Cluster has no status."""
    return ctx.loaded is not None and not ctx.deleting


RECONCILER = Reconciler(
    NAME, INFORMERS, ClusterContext, CLUSTER_TASKS, STATUS_TASKS, status_unless_deleting
)


GROUP_FIELDS = fields_changed(*IDENTITY, "status")
INSTANCE_FIELDS = fields_changed(*IDENTITY, "status.id")
"""The Cluster reads of an instance only its identity and PD id (consistency, the brake)."""
CHILD_FIELDS = fields_changed(*IDENTITY, "metadata.ownerReferences")
"""Pods count for suspension and PVCs for the brake: their existence and ownership."""


def cluster_key_of(obj: Object) -> Iterable[str]:
    """The Cluster a group or instance belongs to (spec.cluster.name, same namespace)."""
    name = (obj.get("spec") or {}).get("cluster", {}).get("name")
    namespace = obj["metadata"].get("namespace")
    return (f"{namespace}/{name}",) if name and namespace else ()


def cluster_key_of_child(obj: Object) -> Iterable[str]:
    """The Cluster of a managed Pod (its tikv.org/cluster label)."""
    name = (obj["metadata"].get("labels") or {}).get(labels.CLUSTER)
    namespace = obj["metadata"].get("namespace")
    return (f"{namespace}/{name}",) if name and namespace else ()


def the_cluster(cluster: str, snapshot: Snapshot, change: Change) -> Iterable[str]:
    """Every PD change may move a Cluster condition or the brake."""
    return (cluster,)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Register the Cluster controller with the manager and return it."""
    controller, informers = RECONCILER.controller(manager, deps)
    controller.watch(informers[resources.CLUSTER])
    for kind in (resources.PDGROUP, resources.TIKVGROUP):
        controller.watch(informers[kind], mapped(cluster_key_of), GROUP_FIELDS)
    for kind in (resources.PD, resources.TIKV):
        controller.watch(informers[kind], mapped(cluster_key_of), INSTANCE_FIELDS)
    for child in (resources.POD, resources.PVC):
        controller.watch(informers[child], mapped(cluster_key_of_child), CHILD_FIELDS)
    controller.watch_source(pd_changes(deps.pd, the_cluster))
    manager.add_controller(controller)
    return controller
