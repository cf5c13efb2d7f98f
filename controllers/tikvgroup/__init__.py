"""The TiKVGroup controller: the peer Service, TiKV instance CRs, safe scaling and rolling
updates of one group of stores."""
