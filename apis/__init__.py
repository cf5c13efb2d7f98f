"""The tikv-operator API (core.tikv.org/v1alpha1): pydantic models of the five kinds.

This package imports nothing else of ours.
"""

from apis.cluster import Cluster, ClusterSpec, ClusterStatus
from apis.meta import API_VERSION, GROUP, VERSION, Condition, ObjectMeta, Resource
from apis.pd import PD, PDGroup, PDGroupSpec, PDSpec, PDStatus, PDTemplateSpec
from apis.tikv import TiKV, TiKVGroup, TiKVGroupSpec, TiKVSpec, TiKVStatus, TiKVTemplateSpec

KINDS: tuple[type[Resource], ...] = (Cluster, PDGroup, PD, TiKVGroup, TiKV)

__all__ = [
    "API_VERSION",
    "GROUP",
    "KINDS",
    "PD",
    "VERSION",
    "Cluster",
    "ClusterSpec",
    "ClusterStatus",
    "Condition",
    "ObjectMeta",
    "PDGroup",
    "PDGroupSpec",
    "PDSpec",
    "PDStatus",
    "PDTemplateSpec",
    "Resource",
    "TiKV",
    "TiKVGroup",
    "TiKVGroupSpec",
    "TiKVSpec",
    "TiKVStatus",
    "TiKVTemplateSpec",
]
