"""The Cluster controller's tasks, one concern per module."""
