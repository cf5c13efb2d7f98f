"""The TiKV instance controller: one store's Pod, PVCs and ConfigMap, and its life in PD."""
