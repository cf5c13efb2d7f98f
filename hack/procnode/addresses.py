"""Pod IPs: each Pod of the process nodes gets its own loopback address, so every member can
listen on its usual ports (2379, 2380, 20160...) on one machine."""

from __future__ import annotations

import ipaddress


class AddressPool:
    """Addresses of one /24 inside 127.0.0.0/8, lowest free first (.0, .1 and .255 never:
    127.0.0.1 is the host's own)."""

    def __init__(self, network: str) -> None:
        net = ipaddress.IPv4Network(network)
        if not net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
            raise ValueError(f"{network} is not a loopback network")
        self.free = [str(ip) for ip in net.hosts() if ip.packed[-1] not in (0, 1, 255)]
        self.taken: dict[str, str] = {}

    def allocate(self, owner: str) -> str:
        """The owner's address, the same on every call until it is released."""
        for ip, who in self.taken.items():
            if who == owner:
                return ip
        if not self.free:
            raise RuntimeError("no loopback address left for a Pod")
        ip = self.free.pop(0)
        self.taken[ip] = owner
        return ip

    def release(self, owner: str) -> None:
        for ip, who in list(self.taken.items()):
            if who == owner:
                del self.taken[ip]
                self.free.append(ip)
                self.free.sort(key=ipaddress.ip_address)
