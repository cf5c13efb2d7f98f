"""Monitoring artefacts built in code: Grafana dashboards (`dashboards`), Prometheus alert
rules (`rules`), and the tools that prove them against a real Prometheus (`prometheus`,
`preview`). `python -m hack.monitoring` (`make dashboards`) writes what is committed under
manifests/monitoring/."""
