"""The PD instance controller: one PD member's ConfigMap, PVCs and Pod, and its exit from
PD membership when the instance is deleted."""
