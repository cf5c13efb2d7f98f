"""Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules.

A candidate takes the Lease when nobody holds it, or when the holder has not renewed it for
`lease_duration` as measured on the candidate's own clock, from the moment the candidate last
saw the record change (clocks of different machines are never compared). The leader renews
every `retry_period`; if it cannot renew for `renew_deadline` it gives up leadership, which
is shorter than `lease_duration` so that it stops acting before anyone else may start. Every
write carries the resourceVersion it read, so two candidates cannot both win.

On a clean shutdown the leader releases the Lease by clearing holderIdentity, so a standby
takes over within one retry period instead of waiting out the lease.
"""

import asyncio
import datetime
import socket
import uuid
from dataclasses import dataclass

import structlog

from tikv_operator import metrics
from tikv_operator.kube.client import ApiError, Client
from tikv_operator.kube.clock import Clock, MonotonicClock
from tikv_operator.kube.resources import LEASE, Object, micro_time

log = structlog.get_logger(__name__)


class LeadershipLost(Exception):
    """The Lease could not be renewed in time; the process must stop acting and exit."""


def default_identity() -> str:
    return f"{socket.gethostname()}_{uuid.uuid4()}"


@dataclass(frozen=True)
class LeaseSettings:
    namespace: str
    name: str = "tikv-operator"
    identity: str = ""  # default_identity() when empty
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


class LeaderElector:
    def __init__(self, client: Client, settings: LeaseSettings, clock: Clock | None = None) -> None:
        self._client = client
        self._settings = settings
        self.identity = settings.identity or default_identity()
        self._clock = clock or MonotonicClock()
        self._observed_record: Object | None = None
        self._observed_at = 0.0
        self._leading = False
        self._status = metrics.LEADER_ELECTION_MASTER_STATUS.labels(settings.name)
        self._status.set(0)

    @property
    def is_leader(self) -> bool:
        return self._leading

    async def acquire(self) -> None:
        """Return once this candidate holds the Lease."""
        log.info("waiting for leadership", lease=self._settings.name, identity=self.identity)
        while not await self._try_acquire_or_renew():
            await self._clock.sleep(self._settings.retry_period)
        self._set_leading(True)
        log.info("became leader", lease=self._settings.name, identity=self.identity)

    async def hold(self) -> None:
        """Renew the Lease until cancelled; raise LeadershipLost if renewing fails for
        renew_deadline."""
        s = self._settings
        while True:
            await self._clock.sleep(s.retry_period)
            deadline = self._clock.now() + s.renew_deadline
            while not await self._try_acquire_or_renew():
                # Stop before an attempt could end past the deadline: a leader must give up
                # before the lease it last wrote can expire for the others.
                if self._clock.now() + s.retry_period + self._attempt_timeout > deadline:
                    self._set_leading(False)
                    raise LeadershipLost(f"could not renew lease {s.name} for {s.renew_deadline}s")
                await self._clock.sleep(s.retry_period)

    async def release(self) -> None:
        """Give the Lease up so that a standby need not wait for it to expire."""
        if not self._leading:
            return
        self._set_leading(False)
        try:
            lease = await self._client.get(LEASE, self._settings.name, self._settings.namespace)
            if lease.get("spec", {}).get("holderIdentity") != self.identity:
                return
            now = micro_time(datetime.datetime.now(datetime.UTC))
            lease["spec"].update(
                {
                    "holderIdentity": None,
                    "leaseDurationSeconds": 1,
                    "renewTime": now,
                    "acquireTime": now,
                }
            )
            await self._client.replace(LEASE, lease)
            log.info("released leadership", lease=self._settings.name, identity=self.identity)
        except (ApiError, OSError, TimeoutError) as e:
            log.warning("could not release the lease; it will expire", error=str(e))

    def _set_leading(self, leading: bool) -> None:
        self._leading = leading
        self._status.set(1 if leading else 0)

    @property
    def _attempt_timeout(self) -> float:
        return 2 * self._settings.retry_period

    async def _try_acquire_or_renew(self) -> bool:
        try:
            async with asyncio.timeout(self._attempt_timeout):
                return await self._write_if_free()
        except ApiError as e:
            if not e.conflict:
                log.warning("lease update failed", lease=self._settings.name, error=str(e))
            return False
        except (OSError, TimeoutError) as e:
            log.warning("lease update failed", lease=self._settings.name, error=repr(e))
            return False

    async def _write_if_free(self) -> bool:
        s = self._settings
        now = micro_time(datetime.datetime.now(datetime.UTC))
        lease = await self._client.get_or_none(LEASE, s.name, s.namespace)
        if lease is None:
            await self._client.create(
                LEASE,
                {
                    "apiVersion": LEASE.api_version,
                    "kind": LEASE.kind,
                    "metadata": {"name": s.name, "namespace": s.namespace},
                    "spec": self._record(now, acquired=now, transitions=0),
                },
            )
            return True
        spec = lease.get("spec") or {}
        if spec != self._observed_record:
            self._observed_record = spec
            self._observed_at = self._clock.now()
        holder = spec.get("holderIdentity")
        duration = spec.get("leaseDurationSeconds") or s.lease_duration
        if holder and holder != self.identity and self._clock.now() < self._observed_at + duration:
            return False
        transitions = int(spec.get("leaseTransitions") or 0)
        if holder == self.identity:
            lease["spec"] = self._record(now, spec.get("acquireTime") or now, transitions)
        else:
            lease["spec"] = self._record(now, now, transitions + 1)
        updated = await self._client.replace(LEASE, lease)
        self._observed_record = updated.get("spec")
        self._observed_at = self._clock.now()
        return True

    def _record(self, now: str, acquired: str, transitions: int) -> Object:
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self._settings.lease_duration),
            "acquireTime": acquired,
            "renewTime": now,
            "leaseTransitions": transitions,
        }
