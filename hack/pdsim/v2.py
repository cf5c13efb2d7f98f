"""tidb-operator v2's Pods, as the simulator's follower reads them (`--follow-objects v2`).

v2 labels its Pods `pingcap.com/{managed-by=tidb-operator,component,cluster,group,instance}`.
It looks a PD member up by the PD object's name (the `instance` label), not the Pod's
(`<group>-pd-<suffix>`), and a store by the advertise address it wrote into TiKV's config:
`<pod>.<subdomain>.<namespace>:20160`, the subdomain being the group's headless Service
`<group>-tikv-peer` (the Pod's `spec.subdomain`). The bench runs v2 out of cluster against
this simulator, so what it finds here must be what a real PD would report for its Pods.
"""

from __future__ import annotations

from hack.pdsim.follow import Flavour, PDMemberSpec, PodView, TiKVStoreSpec

PREFIX = "pingcap.com/"
MANAGED_BY = PREFIX + "managed-by"
COMPONENT = PREFIX + "component"
CLUSTER = PREFIX + "cluster"
GROUP = PREFIX + "group"
INSTANCE = PREFIX + "instance"


def label_selector(cluster: str | None) -> str:
    selector = f"{MANAGED_BY}=tidb-operator,{COMPONENT} in (pd,tikv)"
    return selector + (f",{CLUSTER}={cluster}" if cluster else "")


def role_of(pod: PodView) -> PDMemberSpec | TiKVStoreSpec | None:
    component = pod.labels.get(COMPONENT)
    group = pod.labels.get(GROUP, "")
    if component not in ("pd", "tikv"):
        return None
    host = f"{pod.name}.{pod.subdomain or f'{group}-{component}-peer'}.{pod.namespace}"
    if component == "pd":
        name = pod.labels.get(INSTANCE) or pod.name
        return PDMemberSpec(name, [f"http://{host}:2380"], [f"http://{host}:2379"])
    return TiKVStoreSpec(f"{host}:20160", f"{host}:20180")


TIDB_OPERATOR_V2 = Flavour(label_selector, role_of, component_label=COMPONENT)
