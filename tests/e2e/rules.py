"""The safety rules of DESIGN §5 that the PD simulator's event log can show broken: pure
functions over the log, so the checker itself is tested on logs made up to break each rule.
Each chaos scenario checks the rules that apply to it (`check_rules` and the others)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

Event = dict[str, Any]
EVICT = "evict-leader-scheduler-"
PD_WRITES = ("member-removed", "store-offline", "scheduler-added", "tombstone-removed")
"""What the operator's PD writes leave in the log (a leader transfer shows as an election)."""


def check_rules(events: list[Event], removed: list[str]) -> list[str]:
    """Stores scaled and restarted, PD members restarted but never added or removed (with
    `pd_rules` over the whole log, which knows the members and the leader of before)."""
    return [
        *store_rules(events, removed),
        *no_membership_change(events),
        *pd_restarts_pair_up(events),
        *identity_rule(events),
    ]


def store_rules(events: list[Event], removed: list[str], failed: Iterable[str] = ()) -> list[str]:
    """Rule 1 (gone for good only once Tombstone), 5 (restarted only after its eviction) and 6
    (never two stores down at once because of the operator: `failed` stores, which the test
    made fail, are not the operator's doing)."""
    broken = []
    for address in removed:
        # A stop no start followed (its Pod going for good, not a restart) only after
        # Tombstone; the simulator logs no stop of a store already Tombstone.
        mine = [e for e in events if e["subject"] == address]
        tombstone = [e["time"] for e in mine if e["kind"] == "store-tombstone"]
        kinds = [e["kind"] for e in mine if e["kind"] in ("store-stopped", "store-started")]
        final_stop = bool(kinds) and kinds[-1] == "store-stopped"
        stops = [e["time"] for e in mine if e["kind"] == "store-stopped"]
        if not tombstone or (final_stop and stops[-1] < tombstone[0]):
            seen = [(e["kind"], round(e["time"], 2)) for e in mine]
            broken.append(f"rule 1: {address} went away before it was Tombstone: {seen}")
    ids = {e["detail"].split()[0]: e["subject"] for e in events if e["kind"] == "store-stopped"}
    down: list[tuple[float, float, str]] = []
    for address in set(ids.values()) - set(removed) - set(failed):
        stops = [e for e in events if e["kind"] == "store-stopped" and e["subject"] == address]
        starts = [e for e in events if e["kind"] == "store-started" and e["subject"] == address]
        for stop in stops:
            store = stop["detail"].split()[0]
            evicted = [
                e
                for e in events
                if e["kind"] == "scheduler-added"
                and e["subject"] == f"{EVICT}{store}"
                and e["time"] <= stop["time"]
            ]
            held = stop["detail"].split()[-1] != "leaders=0"
            if not evicted and held:
                broken.append(f"rule 5: store {store} stopped with leaders and no eviction first")
            back = [s["time"] for s in starts if s["time"] >= stop["time"]]
            down.append((stop["time"], back[0] if back else float("inf"), address))
    down.sort()
    for a, b in itertools.pairwise(down):
        if b[0] < a[1]:
            broken.append(f"rule 6: {a[2]} and {b[2]} were down at the same time")
    return broken


def no_membership_change(events: list[Event]) -> list[str]:
    """A scenario that only restarts PD members never removes one."""
    removed = [e["subject"] for e in events if e["kind"] == "member-removed"]
    return [f"rule 3: PD members removed by a scenario that only restarts them: {removed}"] * bool(
        removed
    )


def pd_restarts_pair_up(events: list[Event]) -> list[str]:
    """Every member that went down for a restart came back."""
    down = [e["subject"] for e in events if e["kind"] == "member-unhealthy"]
    up = [e["subject"] for e in events if e["kind"] == "member-started"]
    if len(down) != len(up):
        return [f"rule 6: PD members down {down} and back {up} do not pair up"]
    return []


def pd_rules(events: list[Event], hung: Iterable[str] = ()) -> list[str]:
    """Rule 4 (the leader is never removed or stopped while it leads), rule 6 (at most one
    member down because of the operator; `hung` members, made to hang by the test, do not
    count) and rules 3 and 13 (a member is added only when every member is healthy, and
    removed only when the others keep a healthy quorum)."""
    broken: list[str] = []
    leader = ""
    members: set[str] = set()
    down: set[str] = set()
    injected = set(hung)
    for e in events:
        kind, name = e["kind"], e["subject"]
        if kind == "leader-changed":
            leader = name
        elif kind == "member-joined":
            if down - injected:
                broken.append(f"rule 13: {name} added while {sorted(down)} were unhealthy")
            members.add(name)
        elif kind == "member-removed":
            if name == leader:
                broken.append(f"rule 4: {name} removed while it led")
            members.discard(name)
            down.discard(name)
            if 2 * len(members - down) <= len(members):
                broken.append(f"rule 3: removing {name} left no healthy quorum")
        elif kind == "member-unhealthy":
            if name == leader and name not in injected:
                broken.append(f"rule 4: {name} stopped while it led")
            down.add(name)
            if len(down - injected) > 1:
                broken.append(f"rule 6: PD members {sorted(down)} down at the same time")
        elif kind in ("member-healthy", "member-started"):
            down.discard(name)
    return broken


def identity_rule(events: list[Event]) -> list[str]:
    """Rule 11: no write to PD while PD answers with another cluster id than the first."""
    broken = []
    foreign = False
    for e in events:
        if e["kind"] == "cluster-id":
            foreign = e["subject"] != e["detail"]
        elif foreign and e["kind"] in PD_WRITES:
            broken.append(f"rule 11: {e['kind']} {e['subject']} while PD had another cluster id")
    return broken


def deletion_rule(events: list[Event]) -> list[str]:
    """Rule 1's exception: deleting the whole Cluster offlines no store and removes no PD
    member (there is nowhere to move data to)."""
    return [
        f"rule 1: {e['kind']} {e['subject']} while the Cluster was being deleted"
        for e in events
        if e["kind"] in ("store-offline", "member-removed")
    ]


def deletions_rule(
    deleted: list[tuple[str, str]],
    events: list[Event],
    namespace: str,
    whole_cluster: bool,
    replaced_pvcs: Iterable[str] = (),
) -> list[str]:
    """What the API server saw the operator delete (`(resource, name)` from its audit log):
    under `pvcRetentionPolicy: Retain` no PVC but those PD failover replaced (a failed
    member rejoins on a fresh one), and a TiKV instance only once its store was Tombstone
    (rule 1), unless the whole Cluster was being deleted."""
    tombstones = {e["subject"] for e in events if e["kind"] == "store-tombstone"}
    allowed = set(replaced_pvcs)
    broken = [
        f"rule 1: PVC {name} deleted under Retain"
        for kind, name in deleted
        if kind == "persistentvolumeclaims" and name not in allowed
    ]
    if whole_cluster:
        return broken
    for kind, name in deleted:
        address = f"{name}.basic-tikv-peer.{namespace}:20160"
        if kind == "tikvs" and address not in tombstones:
            broken.append(f"rule 1: TiKV {name} deleted before its store was Tombstone")
    return broken


def pd_log(events: list[Event]) -> str:
    """The simulator's member and leader events, for a failure message to be read alone."""
    return "\n".join(
        f"{e['time']:.2f} {e['kind']} {e['subject']} {e['detail']}"
        for e in events
        if e["kind"].startswith(("member-", "leader-"))
    )
