"""Spreading a group's instances over the topologies of its EvenlySpread policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from apis.common import SchedulePolicy

TopologyKey = tuple[tuple[str, str], ...]


def topology_key(topology: Mapping[str, str]) -> TopologyKey:
    return tuple(sorted(topology.items()))


def _weights(policies: Sequence[SchedulePolicy]) -> dict[TopologyKey, int]:
    return {
        topology_key(t.topology): t.weight
        for p in policies
        if p.type == "EvenlySpread"
        for t in p.evenly_spread.topologies
    }


def crowding(
    policies: Sequence[SchedulePolicy], topologies: Sequence[Mapping[str, str]]
) -> Callable[[Mapping[str, str]], float]:
    """How crowded a topology is: its instances per unit of weight (weight 1 off-policy).
    Scale-in takes from the most crowded topology first."""
    crowd = Counter(topology_key(t) for t in topologies)
    weights = _weights(policies)

    def load(topology: Mapping[str, str]) -> float:
        key = topology_key(topology)
        return crowd[key] / weights.get(key, 1)

    return load


def choose_topology(
    policies: Sequence[SchedulePolicy], existing: Sequence[Mapping[str, str]]
) -> dict[str, str]:
    """Where a new instance goes: the EvenlySpread topology with the fewest instances for
    its weight (the first listed on a tie); no constraint without a policy."""
    spread = next((p.evenly_spread for p in policies if p.type == "EvenlySpread"), None)
    if spread is None:
        return {}
    crowd = Counter(topology_key(t) for t in existing)
    best = min(
        enumerate(spread.topologies),
        key=lambda it: (crowd[topology_key(it[1].topology)] / it[1].weight, it[0]),
    )
    return dict(best[1].topology)
