"""Where webhooks may go: public addresses, and what an operator allows.

A webhook URL is checked when it is registered and again before every delivery (its host may
resolve differently by then: DNS rebinding). It must be ``http`` or ``https``, carry no user or
password, and its host must be, or resolve only to, public addresses: never loopback, private
(RFC 1918), link-local (``169.254.0.0/16``, where cloud metadata services answer; ``fe80::/10``),
unique-local (``fc00::/7``), shared (CGNAT, ``100.64.0.0/10``), multicast, unspecified or
reserved, nor an IPv6 address that carries one of those (IPv4-mapped, NAT64, 6to4), nor a name
like ``localhost``. An operator allows more by configuration (``BYLINE_WEBHOOK_ALLOW``): host
names, and addresses or CIDR ranges; a host on the list is allowed whatever it resolves to, an
address in a listed range is allowed wherever it comes from.

``WebhookGuard.destination`` answers with the address to connect to; the sender connects to
that very address (``HttpSink``), so a second DNS answer cannot send a webhook elsewhere.
Messages name the field, the host and the address, never the whole URL (whose path or query
may hold a secret).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from byline.outbox._errors import AddressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_VARIABLE = "BYLINE_WEBHOOK_ALLOW"

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291)
_LOCAL_NAMES = ("localhost", "localhost.localdomain")


class Resolver(Protocol):
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` has now; ``OSError`` when it has none."""
        ...


class SystemResolver:
    """The machine's resolver (``socket.getaddrinfo``)."""

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        found = (ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos)
        return list(dict.fromkeys(found))


class StaticResolver:
    """Answers from a table, host -> addresses, like a DNS server one controls: change
    ``answers`` at any time (to play DNS rebinding in tests, say). A host not in the table is
    asked of ``fallback`` if there is one, else does not resolve."""

    def __init__(
        self,
        answers: Mapping[str, Iterable[str]] | None = None,
        fallback: Resolver | None = None,
    ) -> None:
        self.answers: dict[str, list[str]] = {
            host.lower(): list(addresses) for host, addresses in (answers or {}).items()
        }
        self.fallback = fallback

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        found = self.answers.get(host.lower())
        if found is None and self.fallback is not None:
            return self.fallback.resolve(host, port)
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in found]


@dataclass(frozen=True)
class AllowList:
    """What an operator allows beyond public addresses: host names, and address ranges."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str]) -> AllowList:
        """From ``"127.0.0.1, 10.1.0.0/16, hooks.internal"`` (or a list of such entries).
        ``ValueError`` names an entry that is neither an address, a range nor a host name."""
        items = entries.split(",") if isinstance(entries, str) else list(entries)
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for item in items:
            entry = item.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = entry.lower().rstrip(".")
            labels = name.split(".")
            if not name or not all(
                label and len(label) <= 63 and label.replace("-", "").replace("_", "").isalnum()
                for label in labels
            ):
                raise ValueError(
                    f"{ALLOW_VARIABLE}: {entry[:80]!r} is neither a host name, an address "
                    "nor a CIDR range"
                )
            hosts.add(name)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a in n for a in candidates for n in self.networks if a.version == n.version)

    def __str__(self) -> str:
        return ",".join([*sorted(self.hosts), *(str(n) for n in self.networks)])


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public address (a word or two), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            why = not_public(embedded)
            return f"{why}, as {embedded}" if why else None
        if address in _IPV4_COMPATIBLE and not (address.is_unspecified or address.is_loopback):
            return "reserved"
        if address.is_site_local:
            return "site-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (CGNAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not global"
    return None


@dataclass(frozen=True)
class Destination:
    """Where a webhook goes: the URL's host and port, and the checked address to connect to."""

    host: str
    port: int
    address: IPAddress
    addresses: tuple[IPAddress, ...] = field(default=())


@dataclass(frozen=True)
class WebhookGuard:
    """Decides whether a webhook URL may be sent to, and to which address (see the module)."""

    allow: AllowList = field(default_factory=AllowList)
    resolver: Resolver = field(default_factory=SystemResolver)

    def check_url(self, url: str) -> tuple[str, int]:
        """The URL's host and port, if its form is acceptable (no resolving)."""
        return check_url(url)

    def destination(self, url: str) -> Destination:
        """Where to send a webhook for ``url`` now; ``AddressRefused`` says why not."""
        host, port = check_url(url)
        by_name = self.allow.allows_host(host)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is None and not by_name and _local_name(host):
            raise AddressRefused(
                f"host {host[:100]} is this machine, not allowed unless listed in {ALLOW_VARIABLE}",
                code="webhook_local_host",
                host=host[:100],
            )
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = self.resolver.resolve(host, port)
            except (OSError, UnicodeError):
                addresses = []
            if not addresses:
                raise AddressRefused(
                    f"host {host[:100]} does not resolve",
                    code="webhook_unresolved",
                    host=host[:100],
                )
        if not by_name:
            for address in addresses:
                why = not_public(address)
                if why is not None and not self.allow.allows_address(address):
                    of = "" if literal is not None else f" ({host[:100]} resolves to it)"
                    raise AddressRefused(
                        f"address {address} not allowed: {why}{of}; an operator may list it "
                        f"in {ALLOW_VARIABLE}",
                        code="webhook_address",
                        address=str(address),
                        why=why,
                    )
        return Destination(host, port, addresses[0], tuple(addresses))


def check_url(url: str) -> tuple[str, int]:
    """A webhook URL's host and port, if its form is acceptable (no resolving): ``http`` or
    ``https``, no user or password, a host, a valid port."""
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in url):
        raise AddressRefused(
            "contains spaces, control characters or backslashes", code="webhook_url_form"
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused(
            f"only http and https are allowed (not {scheme[:20] or 'no scheme'})",
            code="webhook_scheme",
            scheme=scheme[:20],
        )
    if "@" in parts.netloc:
        raise AddressRefused(
            "must not carry a user name or password (user@host)", code="webhook_userinfo"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused("has no host", code="webhook_no_host")
    try:
        port = parts.port
    except ValueError:
        raise AddressRefused(
            "the port is not a number from 1 to 65535", code="webhook_port"
        ) from None
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise AddressRefused("the port is not a number from 1 to 65535", code="webhook_port")
    return host, port


def _local_name(host: str) -> bool:
    name = host.lower()
    return name in _LOCAL_NAMES or name.endswith(".localhost")
