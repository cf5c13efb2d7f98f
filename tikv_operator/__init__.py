"""tikv-operator: a Kubernetes operator for TiKV clusters."""

__version__ = "0.1.0"
