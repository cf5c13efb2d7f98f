"""The composition root: the `tikv-operator` command and the wiring of the five controllers
onto the runtime. The only modules that import `controllers` (import-linter's layers)."""
