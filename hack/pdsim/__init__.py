"""A PD simulator for tests and `make dev`: PD's HTTP API, quirks included, on loopback."""
