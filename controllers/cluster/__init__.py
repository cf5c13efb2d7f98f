"""The Cluster controller: aggregated status, PD identity, the safety brake, ordered deletion."""
