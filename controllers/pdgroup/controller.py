"""The PDGroup controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.downgrade import refuse_downgrade
from controllers.common.finalizer import add_finalizer
from controllers.common.history import sync_revision
from controllers.common.load import opening
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, task
from controllers.common.watches import members_changed, of_cluster, on_pd_change
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks import children, delete, failover, load, members, status, update
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.manager import Manager

NAME = "pdgroup"

INFORMERS = (
    resources.CLUSTER,
    resources.PDGROUP,
    resources.PD,
    resources.SERVICE,
    resources.CONTROLLERREVISION,
    resources.POD,
    resources.NODE,
)
"""The kinds whose caches this controller reads and watches. ControllerRevisions are read by
the revision task, not watched: no decision waits for one to change, and one deleted by hand
comes back at the next reconcile. Pods and Nodes are read to release a member's Pod stuck
on a dead node."""

GROUP_TASKS: list[Step[GroupContext]] = [
    *opening(load.load, read_pd_view),
    delete.ON_DELETION,
    task("downgrade", refuse_downgrade),
    task("finalizer", add_finalizer),
    task("revision", sync_revision),
    task("services", children.apply_services),
    task("bootstrap", members.bootstrap),
    # Before scale and update: a failover in flight holds every other membership change, and
    # a rolling update would otherwise wait forever for the unhealthy member to be Ready.
    task("stuck-pods", failover.release_stuck_pods),
    task("failover", failover.failover),
    task("scale", members.scale),
    task("update", update.rolling_update),
]
STATUS_TASKS: list[Step[GroupContext]] = [task("status", status.write_status)]


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
