"""The tasks of a TiKV instance reconcile, one concern per module."""
