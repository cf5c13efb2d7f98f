"""Just enough of the Prometheus text format for the benches: samples, deltas, quantiles.

Only the metrics asked for are kept (the API server's /metrics is megabytes), and nothing
of the operator's own code is imported: the bench must measure the old and the new
operator alike, through names alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Labels = tuple[tuple[str, str], ...]
Key = tuple[str, Labels]

_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def _unescape(value: str) -> str:
    return re.sub(r'\\[\\"n]', lambda m: _UNESCAPE[m.group(0)], value)


@dataclass(frozen=True)
class Snapshot:
    """Sample values by (sample name, sorted labels)."""

    samples: Mapping[Key, float]

    def select(self, name: str, **match: str) -> dict[Labels, float]:
        return {
            labels: value
            for (sample, labels), value in self.samples.items()
            if sample == name and all(dict(labels).get(k) == v for k, v in match.items())
        }

    def minus(self, earlier: Snapshot) -> Snapshot:
        """This snapshot's counters less `earlier`'s (a series absent before counts from 0)."""
        return Snapshot({k: v - earlier.samples.get(k, 0.0) for k, v in self.samples.items()})


def parse(text: str, names: Iterable[str]) -> Snapshot:
    """The samples whose metric family is in `names` (a histogram family `x` brings
    `x_bucket`, `x_sum` and `x_count`)."""
    wanted = set(names)
    samples: dict[Key, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        brace = line.find("{")
        space = line.find(" ")
        if brace != -1 and (space == -1 or brace < space):
            name = line[:brace]
            close = line.rfind("}")
            labels_text, rest = line[brace + 1 : close], line[close + 1 :]
        else:
            name, labels_text, rest = line[:space], "", line[space:]
        family = re.sub(r"_(bucket|sum|count|total|created)$", "", name)
        if name not in wanted and family not in wanted:
            continue
        if name.endswith("_created"):
            continue
        fields = rest.split()
        if not fields:
            continue
        try:
            value = float(fields[0])
        except ValueError:
            continue
        labels = tuple(sorted((k, _unescape(v)) for k, v in _LABEL.findall(labels_text)))
        samples[(name, labels)] = value
    return Snapshot(samples)


def group(
    series: Mapping[Labels, float], key: Callable[[dict[str, str]], object]
) -> dict[object, float]:
    """Sum the series by `key(labels)`."""
    out: dict[object, float] = {}
    for labels, value in series.items():
        k = key(dict(labels))
        out[k] = out.get(k, 0.0) + value
    return out


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """Prometheus' histogram_quantile over cumulative bucket counts by upper bound:
    linear interpolation inside the bucket; in the +Inf bucket, the largest finite bound.
    None when the histogram is empty."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    total = buckets[bounds[-1]]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                finite = [b for b in bounds if not math.isinf(b)]
                return finite[-1] if finite else None
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = bound, count
    return bounds[-1]


def buckets_of(series: Mapping[Labels, float], **match: str) -> dict[float, float]:
    """Cumulative counts by `le` of the `_bucket` series matching `match`, summed over the
    other labels."""
    out: dict[float, float] = {}
    for labels, value in series.items():
        d = dict(labels)
        if "le" not in d or any(d.get(k) != v for k, v in match.items()):
            continue
        bound = float(d["le"])
        out[bound] = out.get(bound, 0.0) + value
    return out
