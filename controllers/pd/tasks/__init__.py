"""The tasks of a PD instance reconcile, one concern per module."""
