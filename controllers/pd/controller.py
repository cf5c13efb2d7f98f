"""The PD instance controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, TaskResult, task, when
from controllers.common.watches import members_changed, of_cluster, on_pd_change
from controllers.pd.context import PDContext
from controllers.pd.tasks.children import add_finalizer, apply_configmap, apply_pvcs
from controllers.pd.tasks.delete import (
    delete_pvcs_per_retention,
    drop_finalizer,
    is_deleting,
    leave_membership,
    remove_pod,
)
from controllers.pd.tasks.load import load, stop_if_paused
from controllers.pd.tasks.pod import apply_pod
from controllers.pd.tasks.status import write_status
from controllers.pd.tasks.suspend import is_suspended, suspend_pod
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import MANAGED_SELECTOR, ResourceKind

NAME = "pd"

INFORMERS: dict[ResourceKind, str | None] = {
    resources.CLUSTER: None,
    resources.PD: None,
    resources.POD: MANAGED_SELECTOR,
    resources.CONFIGMAP: MANAGED_SELECTOR,
    resources.PVC: MANAGED_SELECTOR,
}
"""The informers (kind → label selector) whose caches this controller reads and watches."""

PD_TASKS: list[Step[PDContext]] = [
    task("load", load),
    task("paused", stop_if_paused),
    task("pd", read_pd_view),
    when(
        "deleting",
        is_deleting,
        task("leave-pd", leave_membership),
        task("delete-pod", remove_pod),
        task("delete-pvcs", delete_pvcs_per_retention),
        task("drop-finalizer", drop_finalizer),
    ),
    task("finalizer", add_finalizer),
    task("configmap", apply_configmap),
    task("pvcs", apply_pvcs),
    when("suspended", is_suspended, task("suspend-pod", suspend_pod)),
    task("pod", apply_pod),
]
STATUS_TASKS: list[Step[PDContext]] = [task("status", write_status)]


def status_while_member(ctx: PDContext, final: TaskResult) -> bool:
    """A deleting member's status is not written: its conditions would describe a Pod that is
    going, and the object may vanish any moment."""
    return (
        ctx.loaded is not None
        and ctx.loaded_cluster is not None
        and not ctx.deleting
        and not ctx.cluster.spec.paused
    )


RECONCILER = Reconciler(NAME, INFORMERS, PDContext, PD_TASKS, STATUS_TASKS, status_while_member)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the PD instance controller, wire its watches and add it to the manager."""
    controller, informers = RECONCILER.controller(manager, deps)
    controller.watch(informers[resources.PD])
    for kind in (resources.POD, resources.CONFIGMAP, resources.PVC):
        controller.watch(informers[kind], controlling_owner(resources.PD))
    pds = informers[resources.PD].store
    controller.watch(informers[resources.CLUSTER], mapped(of_cluster(pds)))
    controller.watch_source(pd_changes(deps.pd, on_pd_change(pds, members_changed)))
    manager.add_controller(controller)
    return controller
