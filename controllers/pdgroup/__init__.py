"""The PDGroup controller: Services, PD instance CRs, scaling one member at a time, rolling
updates followers first and leader last, and group status."""
