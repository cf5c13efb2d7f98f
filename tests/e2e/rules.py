"""The safety rules of DESIGN §5 that the PD simulator's event log can show broken: a pure
function over the log, so the checker itself is tested on logs made up to break each rule."""

from __future__ import annotations

import itertools
from typing import Any

EVICT = "evict-leader-scheduler-"


def check_rules(events: list[dict[str, Any]], removed: list[str]) -> list[str]:
    """The safety rules the simulator's log can show broken, as messages (none: all kept)."""
    broken = []
    # Rule 1: a store is removed for good only once Tombstone.
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
    # Rules 5 and 6: every restart of a store began with its eviction, and never two stores
    # were down at once.
    ids = {e["detail"].split()[0]: e["subject"] for e in events if e["kind"] == "store-stopped"}
    down: list[tuple[float, float, str]] = []
    for address in set(ids.values()) - set(removed):
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
    # Rule 3: PD membership is never changed by this scenario; members restart one at a time.
    if any(e["kind"] == "member-removed" for e in events):
        broken.append("rule 3: a PD member was removed by an upgrade")
    pd_down = [e["subject"] for e in events if e["kind"] in ("member-unhealthy",)]
    pd_up = [e["subject"] for e in events if e["kind"] == "member-started"]
    if len(pd_down) != len(pd_up):
        broken.append(f"rule 6: PD members down {pd_down} and back {pd_up} do not pair up")
    return broken
