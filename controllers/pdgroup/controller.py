"""The PDGroup controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from controllers.common.deps import Deps
from controllers.common.pdview import pd_changes, read_pd_view
from controllers.common.reconcile import run_reconcile, to_result
from controllers.common.runner import Step, TaskResult, task, when
from controllers.common.watches import members_changed, of_cluster, on_pd_change
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks.delete import (
    add_finalizer,
    drop_finalizer,
    is_deleting,
    remove_instances,
)
from controllers.pdgroup.tasks.load import load, stop_if_paused
from controllers.pdgroup.tasks.members import bootstrap, scale
from controllers.pdgroup.tasks.services import apply_services
from controllers.pdgroup.tasks.status import write_status
from controllers.pdgroup.tasks.update import rolling_update
from tikv_operator.kube import resources
from tikv_operator.kube.controller import Controller, Result, controlling_owner, mapped
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


def wants_status(ctx: GroupContext, final: TaskResult) -> bool:
    return (
        ctx.loaded is not None
        and ctx.loaded_cluster is not None
        and not ctx.finalized
        and not ctx.cluster.spec.paused
    )


async def reconcile_group(deps: Deps, key: str) -> Result:
    final = await run_reconcile(GroupContext(deps, key), GROUP_TASKS, STATUS_TASKS, wants_status)
    return to_result(final, deps.settings.resync)


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the PDGroup controller, wire its watches and add it to the manager.

    `deps.settings` carries `--max-concurrent-reconciles` (workers); PD membership and health
    changes arrive through the cluster's PD poller."""

    async def reconcile(key: str) -> Result:
        return await reconcile_group(deps, key)

    controller = Controller(NAME, reconcile, workers=deps.settings.workers)
    informers = {kind: manager.informer(kind, label_selector=s) for kind, s in INFORMERS.items()}
    controller.watch(informers[resources.PDGROUP])
    controller.watch(informers[resources.PD], controlling_owner(resources.PDGROUP))
    controller.watch(informers[resources.SERVICE], controlling_owner(resources.PDGROUP))
    groups = informers[resources.PDGROUP].store
    controller.watch(informers[resources.CLUSTER], mapped(of_cluster(groups)))
    controller.watch_source(pd_changes(deps.pd, on_pd_change(groups, members_changed)))
    manager.add_controller(controller)
    return controller
