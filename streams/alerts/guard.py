"""Where a webhook may go: public addresses only, unless an allow-list says otherwise. Pure code.

A rule author names the webhook URL, so without a guard the deliverer would POST wherever it
points: a database on loopback, the cloud metadata service, the office network. :class:`Guard`
refuses every address that is not globally routable — loopback, private (RFC 1918, ULA),
link-local, metadata, unspecified, multicast, reserved, shared (CGNAT) — however it is spelled:

* IPv4 the way ``inet_aton`` reads it (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``),
  IPv6 with brackets and zone ids, IPv4 inside IPv6 (mapped, compatible, 6to4, Teredo, NAT64),
  trailing dots, and the ``localhost`` / metadata host names;
* after DNS: :meth:`Guard.pin` resolves the host once, checks *every* address, and returns the one
  to connect to, so a DNS answer that changes between check and connect (rebinding) cannot swap it.

:meth:`Guard.check_url` is the check on the URL alone (``streams alerts add``); :meth:`Guard.pin`
is the check at delivery. Both raise :class:`~streams.core.errors.DestinationRefused`.
``STREAMS_WEBHOOK_ALLOW`` (:class:`AllowList`) lets test and on-premise receivers through.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import Callable, Sequence
from urllib.parse import urlsplit

from streams.core.errors import ConfigError, DestinationRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, ...
    "fd00:ec2::254",  # AWS over IPv6
    "169.254.170.2",  # AWS ECS task metadata
    "100.100.100.200",  # Alibaba Cloud
))
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6",
                         "localhost6.localdomain6", "metadata", "metadata.google.internal", "instance-data"})
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


# -- reading a host -------------------------------------------------------------------------------
def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as ``inet_aton`` does (1 to 4 parts, each decimal, 0x-hex or 0-octal), else None."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.match(p) for p in parts):
        return None
    values = [_ipv4_part(p) for p in parts]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, v in enumerate(head):
        number += v << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    return int(part, 8) if part.startswith("0") else int(part)


def normalize_host(host: str) -> str:
    """Lower-case, without brackets, zone id (``%eth0``) or trailing dots."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]
    return host.rstrip(".")


def parse_ip(host: str) -> Address | None:
    """The address a host literal spells, in any spelling a resolver accepts; None for a name."""
    host = normalize_host(host)
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return parse_ipv4(host)


def embedded_ipv4(addr: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo client, NAT64, compatible)."""
    if isinstance(addr, ipaddress.IPv4Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in NAT64 or (addr in IPV4_COMPATIBLE and int(addr) > 1):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def internal_reason(addr: Address) -> str | None:
    """Why ``addr`` is not a public destination (``"a loopback address"``...), None when it is."""
    inner = embedded_ipv4(addr)
    if inner is not None:
        why = internal_reason(inner)  # the IPv4 address is where the packets end up
        return None if why is None else f"{why} (IPv4 {inner} inside IPv6)"
    checks = (
        (addr in METADATA, "cloud metadata"),
        (addr.is_unspecified, "unspecified"),
        (addr.is_loopback, "loopback"),
        (addr.is_link_local, "link-local"),
        (addr.is_multicast, "multicast"),
        (addr.is_private, "private"),
        (addr.is_reserved, "reserved"),
        (not addr.is_global, "non-public"),
    )
    why = next((why for hit, why in checks if hit), None)
    return None if why is None else f"{'an' if why[0] in 'aeiou' else 'a'} {why} address"


def local_name_reason(host: str) -> str | None:
    """Why a host *name* alone shows an internal destination (``localhost``, ``*.localhost``, metadata)."""
    name = normalize_host(host)
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return "a local host name"
    return None


# -- the allow-list -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AllowEntry:
    """One allowed destination: a network or a host name, on any port or on one."""

    network: Network | None = None
    host: str | None = None
    port: int | None = None

    def allows(self, host: str, addr: Address | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return normalize_host(host) == self.host
        assert self.network is not None
        return addr is not None and addr.version == self.network.version and addr in self.network


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port)
    return entry, None


def parse_allow_entry(entry: str) -> AllowEntry:
    """``10.0.0.0/8``, ``127.0.0.1:8080``, ``[::1]:8080``, ``hooks.internal``, ``hooks.internal:8443``."""
    try:
        text, port = _split_port(entry.strip())
    except ValueError:
        raise ConfigError(f"STREAMS_WEBHOOK_ALLOW: {entry!r} has a port that is not a number") from None
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"STREAMS_WEBHOOK_ALLOW: port {port} of {entry!r} is out of range")
    try:
        return AllowEntry(network=ipaddress.ip_network(text, strict=False), port=port)
    except ValueError:
        pass
    name = normalize_host(text)
    if re.fullmatch(r"[0-9.]+", name) or not _HOST_NAME.match(name):
        raise ConfigError(f"STREAMS_WEBHOOK_ALLOW: {entry!r} is neither an IP, a CIDR nor a host name "
                          "(e.g. 127.0.0.1, 10.0.0.0/8, [::1]:8080, hooks.internal:8443)")
    return AllowEntry(host=name, port=port)


@dataclass(frozen=True)
class AllowList:
    """Internal destinations allowed anyway (``STREAMS_WEBHOOK_ALLOW``); empty = public addresses only."""

    entries: tuple[AllowEntry, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "AllowList":
        """Entries separated by commas or spaces; see :func:`parse_allow_entry`."""
        return cls(tuple(parse_allow_entry(e) for e in re.split(r"[,\s]+", text) if e))

    def allows(self, host: str, addr: Address | None, port: int) -> bool:
        inner = embedded_ipv4(addr) if addr is not None else None
        return any(e.allows(host, addr, port) or (inner is not None and e.allows(host, inner, port))
                   for e in self.entries)


# -- the guard ------------------------------------------------------------------------------------
def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (raises OSError when there is none)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def url_hosts(url: str) -> tuple[list[str], int]:
    """The host(s) a URL names — as urllib reads it, and as httpx does when they differ — and its port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(f"{url!r} is not an http(s) URL with a host")
    hosts = [parts.hostname]
    try:
        import httpx  # the client that will connect: if it reads another host, check that one too

        other = httpx.URL(url).host
        if other and normalize_host(other) != normalize_host(parts.hostname):
            hosts.append(other)
    except Exception:  # noqa: BLE001 - a URL httpx cannot read is refused at delivery anyway
        pass
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused(f"{url!r} has an invalid port") from None
    return hosts, port


@dataclass(frozen=True)
class Guard:
    """Refuses internal webhook destinations; ``allow`` lists exceptions, ``resolver`` does DNS."""

    allow: AllowList = field(default_factory=AllowList)
    resolver: Resolver = system_resolve

    def check_host(self, host: str, port: int) -> Address | None:
        """Raise DestinationRefused if the host alone shows an internal destination; its address if a literal."""
        addr = parse_ip(host)
        if self.allow.allows(host, addr, port):
            return addr
        why = local_name_reason(host) if addr is None else internal_reason(addr)
        if why is not None:
            shown = f"{host} ({addr})" if addr is not None and str(addr) != normalize_host(host) else host
            example = f"[{addr}]" if isinstance(addr, ipaddress.IPv6Address) else addr or normalize_host(host)
            raise DestinationRefused(f"{shown} is {why}: webhooks go to public addresses only "
                                     f"(STREAMS_WEBHOOK_ALLOW lists exceptions, e.g. {example}:{port})")
        return addr

    def check_url(self, url: str) -> None:
        """Refuse ``url`` if the URL alone shows an internal destination (no DNS)."""
        hosts, port = url_hosts(url)
        for host in hosts:
            self.check_host(host, port)

    def pin(self, host: str, port: int) -> Address:
        """Resolve ``host`` once, refuse if any address is internal, return the address to connect to.

        Raises OSError when the name does not resolve (a retryable failure), DestinationRefused otherwise.
        """
        literal = self.check_host(host, port)
        if literal is not None:
            return embedded_ipv4(literal) or literal
        name_allowed = self.allow.allows(host, None, port)
        addrs = [parse_ip(a) for a in self.resolver(normalize_host(host), port)]
        if not addrs or any(a is None for a in addrs):
            raise OSError(f"{host} resolved to no usable address")
        for addr in addrs:
            assert addr is not None
            why = None if name_allowed or self.allow.allows(host, addr, port) else internal_reason(addr)
            if why is not None:
                raise DestinationRefused(f"{host} resolves to {addr}, {why}: webhooks go to public addresses "
                                         "only (STREAMS_WEBHOOK_ALLOW lists exceptions)")
        first = addrs[0]
        assert first is not None
        return embedded_ipv4(first) or first

