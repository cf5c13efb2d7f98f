"""Generated documentation: the API reference (docs/api.md) and the controllers' task lists
in docs/architecture.md (`make docs`, `python -m hack.docs`)."""
