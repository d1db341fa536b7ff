"""Where outbound delivery may connect: the SSRF guard's policy (DESIGN.md guarantee 6).

Pure decisions, no I/O. ``EgressPolicy.is_blocked_ip`` judges one resolved address;
``EgressPolicy.blocked_host`` judges a URL host that names an address without DNS (an IP literal
in any spelling, ``localhost``, a cloud metadata name). The worker's resolver and transport
(``workers/http.py``) apply them at delivery time; ``app/kit/urls.py`` at endpoint creation.

Blocked unless the operator allow-list (``HOOKRELAY_EGRESS_ALLOW``) covers the address:
loopback, private (RFC 1918, fc00::/7, fec0::/10), link-local, CGNAT, multicast, unspecified,
broadcast and reserved, benchmark and documentation ranges, and the IPv4 address embedded in an
IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address. Cloud metadata addresses are blocked
unless the allow-list names that exact address: allowing a broad range (10.0.0.0/8 for a VPC,
100.64.0.0/10 for a mesh) must not also open the metadata service inside it.
"""

from __future__ import annotations

import ipaddress
import string
import unicodedata
from collections.abc import Sequence
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, …
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (legacy)
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",  # AWS VPC DNS over IPv6
    )
)

# Names that mean an internal address without asking DNS; ``*.localhost`` too (RFC 6761).
KNOWN_HOSTS: dict[str, IPAddress] = {
    name: ipaddress.ip_address(address)
    for name, address in (
        ("localhost", "127.0.0.1"),
        ("localhost.localdomain", "127.0.0.1"),
        ("ip6-localhost", "::1"),
        ("ip6-loopback", "::1"),
        ("metadata", "169.254.169.254"),
        ("metadata.google.internal", "169.254.169.254"),
        ("metadata.goog", "169.254.169.254"),
        ("instance-data", "169.254.169.254"),
        ("instance-data.ec2.internal", "169.254.169.254"),
    )
}


def _table(*rows: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(cidr), reason) for cidr, reason in rows)


# Most specific first: the first match names the reason.
_BLOCKED_V4 = _table(
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),  # the retired 6to4 relay anycast
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmark"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)
_BLOCKED_V6 = _table(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "reserved"),  # IPv4-compatible, deprecated (RFC 4291)
    ("::ffff:0:0:0/96", "reserved"),  # SIIT IPv4-translated
    ("64:ff9b:1::/48", "private"),  # local-use NAT64 (RFC 8215)
    ("100::/64", "reserved"),  # discard-only
    ("2001:db8::/32", "documentation"),
    ("2001::/23", "reserved"),  # IETF protocol assignments (Teredo, ORCHID, benchmark, …)
    ("3fff::/20", "documentation"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link_local"),
    ("fec0::/10", "private"),  # site-local, deprecated
    ("ff00::/8", "multicast"),
)
_DIGITS = {8: frozenset("01234567"), 10: frozenset(string.digits), 16: frozenset(string.hexdigits)}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _without_scope(ip: IPAddress) -> IPAddress:
    # fe80::1%eth0 does not compare equal to fe80::1; the zone does not change where it points.
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return ipaddress.IPv6Address(int(ip))
    return ip


def _reserved_reason(ip: IPAddress) -> str | None:
    table = _BLOCKED_V4 if isinstance(ip, ipaddress.IPv4Address) else _BLOCKED_V6
    return next((reason for network, reason in table if ip in network), None)


def _ipv4_part(part: str) -> int | None:
    """One part of an inet_aton / WHATWG IPv4 address: decimal, 0x hex or 0-prefixed octal."""
    # Checked by hand: int() would also take "+1", " 1" and "1_0", which no resolver does.
    base, digits = 10, part
    if part[:2] in ("0x", "0X"):
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    if not digits:
        return 0 if base == 16 else None
    if not all(c in _DIGITS[base] for c in digits):
        return None
    return int(digits, base)


def _ipv4_from_parts(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or any(not p for p in parts):
        return None
    numbers = [_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    # The last part fills every byte the others leave: 127.1 is 127.0.0.1, 2130706433 is too.
    if any(n > 255 for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = last
    for index, number in enumerate(head):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _normalise(host: str) -> str:
    # Browsers percent-decode and NFKC-map hosts (full-width digits and dots) before parsing.
    return unicodedata.normalize("NFKC", unquote(host)).replace("\u3002", ".").lower()


def literal_host_ip(host: str) -> IPAddress | None:
    """The address a URL host spells as a literal, in any form a resolver or browser accepts."""
    text = _normalise(host)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return _ipv4_from_parts(text.removesuffix("."))


def known_host_ip(host: str) -> IPAddress | None:
    """The address a host means without DNS: an IP literal, ``localhost`` or a metadata name."""
    ip = literal_host_ip(host)
    if ip is not None:
        return ip
    name = _normalise(host).rstrip(".")
    if name.endswith(".localhost"):
        return KNOWN_HOSTS["localhost"]
    return KNOWN_HOSTS.get(name)


class EgressBlocked(OSError):
    """Outbound delivery did not connect: the egress policy blocks the host or the scheme."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class EgressPolicy:
    """Which addresses and schemes outbound delivery may use; ``allow`` is CIDRs."""

    def __init__(self, allow: Sequence[str] = (), *, https_only: bool = False) -> None:
        self.allow = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in allow)
        self.https_only = https_only

    def is_blocked_ip(self, ip: IPAddress) -> str | None:
        """Why connecting to ``ip`` is refused (``"loopback"``, ``"metadata"``, …), or None."""
        ip = _without_scope(ip)
        embedded = embedded_ipv4(ip)
        forms = [ip] if embedded is None else [embedded, ip]
        if any(form in METADATA_ADDRESSES for form in forms):
            return None if any(self._names_exactly(form) for form in forms) else "metadata"
        if any(self._allows(form) for form in forms):
            return None
        return next(filter(None, map(_reserved_reason, forms)), None)

    def blocked_host(self, host: str) -> str | None:
        """Why a URL host that needs no DNS is refused, or None (names are judged after DNS)."""
        ip = known_host_ip(host)
        return None if ip is None else self.is_blocked_ip(ip)

    def blocked_scheme(self, scheme: str) -> str | None:
        """Why a URL scheme is refused: plain http when the operator requires https."""
        if self.https_only and scheme.lower() != "https":
            return "https_required"
        return None

    def _allows(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allow)

    def _names_exactly(self, ip: IPAddress) -> bool:
        return any(net.num_addresses == 1 and ip in net for net in self.allow)
