"""The PD instance controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.finalizer import add_finalizer
from controllers.common.load import opening
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, TaskResult, task, when
from controllers.common.watches import members_changed, of_cluster, on_pd_change
from controllers.pd.context import PDContext
from controllers.pd.tasks import children, delete, load, pod, status, suspend
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.manager import Manager

NAME = "pd"

INFORMERS = (resources.CLUSTER, resources.PD, resources.POD, resources.CONFIGMAP, resources.PVC)
"""The kinds whose caches this controller reads and watches."""

PD_TASKS: list[Step[PDContext]] = [
    *opening(load.load, read_pd_view),
    delete.ON_DELETION,
    task("finalizer", add_finalizer),
    task("configmap", children.apply_configmap),
    task("pvcs", children.apply_pvcs),
    when("suspended", suspend.is_suspended, task("suspend-pod", suspend.suspend_pod)),
    task("pod", pod.apply_pod),
]
STATUS_TASKS: list[Step[PDContext]] = [task("status", status.write_status)]


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
