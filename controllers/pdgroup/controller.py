"""The PDGroup controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, task, when
from controllers.common.watches import members_changed, of_cluster, on_pd_change
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks.children import apply_services
from controllers.pdgroup.tasks.delete import (
    add_finalizer,
    drop_finalizer,
    is_deleting,
    remove_instances,
)
from controllers.pdgroup.tasks.load import load, stop_if_paused
from controllers.pdgroup.tasks.members import bootstrap, scale
from controllers.pdgroup.tasks.status import write_status
from controllers.pdgroup.tasks.update import rolling_update
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import MANAGED_SELECTOR, ResourceKind

NAME = "pdgroup"

INFORMERS: dict[ResourceKind, str | None] = {
    resources.CLUSTER: None,
    resources.PDGROUP: None,
    resources.PD: None,
    resources.SERVICE: MANAGED_SELECTOR,
}
"""The informers (kind → label selector) whose caches this controller reads and watches."""

GROUP_TASKS: list[Step[GroupContext]] = [
    task("load", load),
    task("paused", stop_if_paused),
    task("pd", read_pd_view),
    when(
        "deleting",
        is_deleting,
        task("remove-instances", remove_instances),
        task("drop-finalizer", drop_finalizer),
    ),
    task("finalizer", add_finalizer),
    task("services", apply_services),
    task("bootstrap", bootstrap),
    task("scale", scale),
    task("update", rolling_update),
]
STATUS_TASKS: list[Step[GroupContext]] = [task("status", write_status)]


RECONCILER = Reconciler(NAME, INFORMERS, GroupContext, GROUP_TASKS, STATUS_TASKS)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the PDGroup controller, wire its watches and add it to the manager."""
    controller, informers = RECONCILER.controller(manager, deps)
    controller.watch(informers[resources.PDGROUP])
    controller.watch(informers[resources.PD], controlling_owner(resources.PDGROUP))
    controller.watch(informers[resources.SERVICE], controlling_owner(resources.PDGROUP))
    groups = informers[resources.PDGROUP].store
    controller.watch(informers[resources.CLUSTER], mapped(of_cluster(groups)))
    controller.watch_source(pd_changes(deps.pd, on_pd_change(groups, members_changed)))
    manager.add_controller(controller)
    return controller
