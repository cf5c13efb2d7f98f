"""The Cluster controller: watches, setup, and the reconcile as a task list.

The Cluster reconcile changes nothing in PD or in the pods: it reports (status, conditions,
the safety brake the other controllers obey) and, on deletion, deletes the groups in order.
PD's state changes without any Kubernetes event, so a reconcile is repeated every PD poll
interval.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from controllers.cluster.context import ClusterContext
from controllers.cluster.tasks.brake import apply_brake
from controllers.cluster.tasks.deletion import (
    add_finalizer,
    delete_pd_groups,
    delete_tikv_groups,
    drop_finalizer,
    hold_while_protected,
    is_deleting,
    wait_if_paused,
)
from controllers.cluster.tasks.load import load_cluster
from controllers.cluster.tasks.pd import read_pd, record_cluster_id
from controllers.cluster.tasks.status import update_status
from controllers.common.deps import Deps
from controllers.common.runner import Fail, Step, run_tasks, task, when
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, Result, mapped
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import MANAGED_SELECTOR, Object

log = structlog.get_logger(__name__)

NAME = "cluster"

CLUSTER_TASKS: list[Step[ClusterContext]] = [
    task("load", load_cluster),
    when(
        "deletion",
        is_deleting,
        task("delete-protection", hold_while_protected),
        task("paused", wait_if_paused),
        task("delete-tikv-groups", delete_tikv_groups),
        task("delete-pd-groups", delete_pd_groups),
        task("finalizer", drop_finalizer),
    ),
    task("finalizer", add_finalizer),
    task("pd", read_pd),
    task("cluster-id", record_cluster_id),
    task("safety-brake", apply_brake),
    task("status", update_status),
]


def cluster_key_of(obj: Object) -> Iterable[str]:
    """The Cluster a group or instance belongs to (spec.cluster.name, same namespace)."""
    name = (obj.get("spec") or {}).get("cluster", {}).get("name")
    namespace = obj["metadata"].get("namespace")
    return (f"{namespace}/{name}",) if name and namespace else ()


def cluster_key_of_child(obj: Object) -> Iterable[str]:
    """The Cluster of a managed Pod (its tikv.org/cluster label)."""
    name = (obj["metadata"].get("labels") or {}).get(resources.CLUSTER_LABEL)
    namespace = obj["metadata"].get("namespace")
    return (f"{namespace}/{name}",) if name and namespace else ()


class ClusterReconciler:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def reconcile(self, key: str) -> Result:
        ctx = ClusterContext(self.deps, key)
        summary = await run_tasks(CLUSTER_TASKS, ctx)
        log.info("reconciled", tasks=summary.table())
        final = summary.final
        if isinstance(final, Fail):
            raise final.error
        if ctx.loaded is None or ctx.deleting:
            return Result()
        return Result(requeue_after=self.deps.settings.pd_poll_interval)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Register the Cluster controller with the manager and return it."""
    reconciler = ClusterReconciler(deps)
    controller = Controller(NAME, reconciler.reconcile, workers=deps.settings.workers)
    controller.watch(manager.informer(resources.CLUSTER))
    for kind in (resources.PDGROUP, resources.TIKVGROUP, resources.PD, resources.TIKV):
        controller.watch(manager.informer(kind), mapped(cluster_key_of))
    for child in (resources.POD, resources.PVC):
        controller.watch(
            manager.informer(child, label_selector=MANAGED_SELECTOR),
            mapped(cluster_key_of_child),
        )
    manager.add_controller(controller)
    return controller
