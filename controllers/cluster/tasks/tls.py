"""Read a TLS cluster's Secrets: the operator's client Secret (its PD client presents it) and
each group's cluster Secret (their Pods mount it). A Secret that is missing or broken is
reported on the Cluster (Available for the client's, Synced for a group's) with one Warning
event; every certificate's expiry is exported for the alert that warns before it lapses."""

from __future__ import annotations

from controllers.cluster import reasons
from controllers.cluster.context import ClusterContext
from controllers.cluster.tls import judge, needed_secrets
from controllers.common.runner import Complete, TaskResult
from tikv_operator.kube import resources
from tikv_operator.metrics import TLS_CERTIFICATE_EXPIRY

ROTATION_CHECK = 300.0
"""Seconds between reads of the Secrets: the operator does not watch Secrets (that would
take `list` on every Secret of the namespace), so a renewed certificate is seen this late."""
MISSING_CHECK = 10.0
"""Seconds between reads while a Secret is missing or broken: it is being created."""

_exported: dict[str, set[str]] = {}
"""The Secrets whose expiry is exported, by cluster key, so that stale series go."""


async def read_tls_secrets(ctx: ClusterContext) -> TaskResult:
    if not ctx.cluster.spec.tls_cluster.enabled:
        forget_expiry(ctx.namespace, ctx.name)
        return Complete("TLS not enabled")
    for name, user in needed_secrets(ctx.name, ctx.pd_groups, ctx.tikv_groups):
        secret = await ctx.deps.client.get_or_none(resources.SECRET, name, ctx.namespace)
        ctx.tls_secrets.append(judge(name, user, secret))
    forget_expiry(ctx.namespace, ctx.name)
    exported = _exported.setdefault(ctx.key, set())
    for verdict in ctx.tls_secrets:
        if verdict.expires is not None:
            labels = (ctx.namespace, ctx.name, verdict.name)
            TLS_CERTIFICATE_EXPIRY.labels(*labels).set(verdict.expires.timestamp())
            exported.add(verdict.name)
    problems = [v.describe() for v in ctx.tls_secrets if v.problem is not None]
    if problems and not _reported(ctx):
        ctx.event("Warning", reasons.TLS_SECRET_INVALID, "ReadTLSSecrets", "; ".join(problems))
    ctx.requeue(MISSING_CHECK if problems else ROTATION_CHECK)
    return Complete("; ".join(problems) or f"{len(ctx.tls_secrets)} TLS Secrets usable")


def _reported(ctx: ClusterContext) -> bool:
    """The stored status already says so: one event per problem, not one per reconcile."""
    stored = ((ctx.raw or {}).get("status") or {}).get("conditions") or []
    tls_reasons = {reasons.TLS_CLIENT_SECRET_INVALID, reasons.TLS_SECRET_INVALID}
    return any(c.get("reason") in tls_reasons for c in stored)


def forget_expiry(namespace: str, name: str) -> None:
    for secret in _exported.pop(f"{namespace}/{name}", set()):
        TLS_CERTIFICATE_EXPIRY.remove(namespace, name, secret)
