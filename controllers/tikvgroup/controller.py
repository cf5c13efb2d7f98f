"""The TiKVGroup controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.downgrade import refuse_downgrade
from controllers.common.finalizer import add_finalizer
from controllers.common.history import sync_revision
from controllers.common.load import opening
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import Reconciler
from controllers.common.runner import Step, task
from controllers.common.watches import (
    IDENTITY,
    fields_changed,
    of_cluster,
    of_same_cluster,
    on_pd_change,
)
from controllers.tikvgroup.context import Context
from controllers.tikvgroup.tasks import children, delete, failover, load, scale, status, update
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, controlling_owner, mapped
from tikv_operator.kube.manager import Manager

NAME = "tikvgroup"

INFORMERS = (
    resources.CLUSTER,
    resources.TIKVGROUP,
    resources.TIKV,
    resources.PDGROUP,
    resources.SERVICE,
    resources.CONTROLLERREVISION,
    resources.POD,
    resources.NODE,
)
"""The kinds whose caches this controller reads and watches. ControllerRevisions are read by
the revision task, not watched: no decision waits for one to change, and one deleted by hand
comes back at the next reconcile. Pods and Nodes are read by failover (is a down store's
Pod Ready? is a Terminating Pod's node dead?); a Pod's readiness reaches the group through
its instance's Ready condition."""


TIKVGROUP_TASKS: list[Step[Context]] = [
    *opening(load.load, read_pd_view),
    delete.ON_DELETION_WITH_CLUSTER,
    delete.ON_DELETION,
    task("downgrade", refuse_downgrade),
    task("finalizer", add_finalizer),
    task("revision", sync_revision),
    task("service", children.apply_service),
    task("failover", failover.failover),
    task("stuck-pods", failover.release_stuck_pods),
    task("scale", scale.scale),
    task("update", update.rolling_update),
]
STATUS_TASKS: list[Step[Context]] = [task("status", status.write_status)]


INSTANCE_FIELDS = fields_changed(
    *IDENTITY, "status.conditions", "status.stateName", "status.observedGeneration"
)
"""What the group's decisions read of an instance (not its leader or region counts)."""

RECONCILER = Reconciler(NAME, INFORMERS, Context, TIKVGROUP_TASKS, STATUS_TASKS)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the TiKVGroup controller, wire its watches and add it to the manager."""
    controller, informers = RECONCILER.controller(manager, deps)
    groups = informers[resources.TIKVGROUP]
    controller.watch(groups)
    controller.watch(
        informers[resources.TIKV], controlling_owner(resources.TIKVGROUP), INSTANCE_FIELDS
    )
    controller.watch(informers[resources.SERVICE], controlling_owner(resources.TIKVGROUP))
    controller.watch(informers[resources.CLUSTER], mapped(of_cluster(groups.store)))
    # A PDGroup reaching a new version may let a TiKV upgrade go (PD before TiKV).
    controller.watch(informers[resources.PDGROUP], mapped(of_same_cluster(groups.store)))
    controller.watch_source(pd_changes(deps.pd, on_pd_change(groups.store)))
    manager.add_controller(controller)
    return controller
