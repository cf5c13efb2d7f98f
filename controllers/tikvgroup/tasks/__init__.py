"""The tasks of a TiKVGroup reconcile, one concern per module."""
