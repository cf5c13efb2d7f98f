"""The tasks of a PDGroup reconcile, one concern per module."""
