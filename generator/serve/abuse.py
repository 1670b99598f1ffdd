"""Who is sending, and whether they may: the client's address (X-Forwarded-For only from trusted proxies) and
rate limits per address and for everyone, with the `limits` package in memory (one count per process: with N
gunicorn workers the limits allow N times as much)."""

from __future__ import annotations

import ipaddress
import math
import re
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

_LINK = re.compile(r"https?://|www\.|<a\s|\]\(", re.IGNORECASE)


def count_links(text: str) -> int:
    """Links a comment makes: bare URLs, Markdown links and HTML anchors (a Markdown link written with its URL
    counts once per form it takes, which only errs on the strict side)."""
    return len(_LINK.findall(text))


class ClientAddress:
    def __init__(self, trusted_proxies: tuple[str, ...]):
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def __call__(self, environ: dict) -> str:
        """The peer's address; behind a trusted proxy, the nearest address in X-Forwarded-For that is not a
        trusted proxy itself (the ones before it were written by the client and prove nothing)."""
        remote = environ.get("REMOTE_ADDR", "") or "unknown"
        if not self._is_trusted(remote):
            return remote
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return remote   # garbage from a proxy we trust: count it against the proxy
        return remote


class RateLimits:
    def __init__(self, per_client: str, everyone: str):
        self.per_client, self.everyone = parse_many(per_client), parse_many(everyone)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, client: str) -> int | None:
        """None if this request may go on (it is counted), else the seconds to wait before the next one."""
        # Per client first: one flooder runs out of its own allowance without using up everyone's.
        for items, key in ((self.per_client, "client:" + client), (self.everyone, "everyone")):
            for item in items:
                if not self.limiter.hit(item, key):
                    reset = self.limiter.get_window_stats(item, key).reset_time
                    return max(1, math.ceil(reset - time.time()))
        return None
