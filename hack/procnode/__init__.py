"""Process nodes: Nodes of the local control plane whose Pods really run.

kwok fakes the Pods of the nodes it manages (a Running phase and nothing behind it). The
Nodes served here carry another value of the kwok node annotation (`NODE_MANAGED`), so kwok
leaves them alone, and a taint (`TAINT`), so only Pods that tolerate it land on them. One
Python "kubelet" (`python -m hack.procnode`) plays the kubelet of all of them:

- `nodes`: registers the Nodes, keeps them Ready and renews their Leases;
- `dns`: one hosts file, rewritten in place from the Services and Pods (as CoreDNS would
  answer), bind-mounted over /etc/hosts of every process, so the names the operator writes
  resolve (they are never rewritten);
- `pods`: one worker per Pod bound to those Nodes: its volumes as host directories, its own
  loopback address, each container a real process from the image table (`images`) started
  in a private root by `sandbox`, probed for readiness (`probes`), restarted with back-off,
  stopped gracefully on deletion; its status reported from what the processes do (`status`).
"""

NODE_MANAGED = "process"
"""The value of hack.localcluster.NODE_ANNOTATION on process nodes: kwok ignores them."""
NODE_KIND_LABEL = "tikv.org/node-kind"
TAINT = {"key": "tikv.org/process-node", "value": "true", "effect": "NoSchedule"}
"""Only Pods that tolerate it (see `toleration`) run on process nodes."""


def toleration() -> dict[str, str]:
    """What a Pod's spec needs to be scheduled onto a process node."""
    return {"key": TAINT["key"], "operator": "Equal", "value": TAINT["value"],
            "effect": TAINT["effect"]}  # fmt: skip


def placement() -> dict[str, object]:
    """The part of a group's template spec that puts its Pods on the process nodes."""
    pod_spec = {"nodeSelector": {NODE_KIND_LABEL: NODE_MANAGED}, "tolerations": [toleration()]}
    return {"overlay": {"pod": {"spec": pod_spec}}}
