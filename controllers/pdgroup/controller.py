"""The PDGroup controller: watches, and the reconcile as a task list (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from controllers.common.deps import Deps
from controllers.common.reconcile import run_reconcile, to_result
from controllers.common.runner import Step, TaskResult, task, when
from controllers.pdgroup.context import GroupContext
from controllers.pdgroup.tasks.delete import (
    add_finalizer,
    drop_finalizer,
    is_deleting,
    remove_instances,
)
from controllers.pdgroup.tasks.load import load, stop_if_paused
from controllers.pdgroup.tasks.members import bootstrap, scale
from controllers.pdgroup.tasks.pdinfo import read_pd_info
from controllers.pdgroup.tasks.services import apply_services
from controllers.pdgroup.tasks.status import write_status
from controllers.pdgroup.tasks.update import rolling_update
from tikv_operator.kube import cache, resources
from tikv_operator.kube.controller import Controller, Result, controlling_owner, mapped
from tikv_operator.kube.manager import Manager
from tikv_operator.kube.resources import MANAGED_SELECTOR, Object, ResourceKind, object_key

NAME = "pdgroup"

INFORMERS: dict[ResourceKind, str | None] = {
    resources.CLUSTER: None,
    resources.PDGROUP: None,
    resources.PD: None,
    resources.SERVICE: MANAGED_SELECTOR,
}
"""The informers (kind → label selector) this controller watches; Deps.caches must hold
the stores of `manager.informer(kind, label_selector=selector)` for each."""

GROUP_TASKS: list[Step[GroupContext]] = [
    task("load", load),
    task("paused", stop_if_paused),
    task("pd-info", read_pd_info),
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
    # A settled group is reconciled again every PD poll interval, to follow PD membership
    # and health, which change without any Kubernetes event; a retry never waits longer.
    poll = deps.settings.pd_poll_interval
    return to_result(final, poll, at_most=poll)


def groups_of_cluster(groups: cache.Reader) -> Callable[[Object], Iterable[str]]:
    """PDGroups name their Cluster in spec.cluster.name (they carry no cluster label)."""

    def keys(cluster: Object) -> Iterable[str]:
        meta = cluster["metadata"]
        return [
            object_key(g)
            for g in groups.by_index(cache.BY_NAMESPACE, str(meta.get("namespace")))
            if ((g.get("spec") or {}).get("cluster") or {}).get("name") == meta["name"]
        ]

    return keys


def setup(manager: Manager, deps: Deps) -> Controller:
    """Create the PDGroup controller, wire its watches and add it to the manager.

    `deps.settings` carries `--max-concurrent-reconciles` (workers) and `--pd-poll-interval`
    (how often a settled group looks at PD again)."""

    async def reconcile(key: str) -> Result:
        return await reconcile_group(deps, key)

    controller = Controller(NAME, reconcile, workers=deps.settings.workers)
    informers = {kind: manager.informer(kind, label_selector=s) for kind, s in INFORMERS.items()}
    controller.watch(informers[resources.PDGROUP])
    controller.watch(informers[resources.PD], controlling_owner(resources.PDGROUP))
    controller.watch(informers[resources.SERVICE], controlling_owner(resources.PDGROUP))
    controller.watch(
        informers[resources.CLUSTER], mapped(groups_of_cluster(informers[resources.PDGROUP].store))
    )
    manager.add_controller(controller)
    return controller
