"""Where webhooks may go: public addresses only, unless an operator allows more, and a URL
of the right form (http(s), no user or password). Refusals say the field and why, never the
URL's path or a password."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from byline.outbox import AddressRefused, AllowList, StaticResolver, SystemResolver, WebhookGuard
from byline.service.wiring import webhook_allow_list

PUBLIC = "93.184.216.34"
NOWHERE = StaticResolver()  # resolves nothing: a literal address is checked without resolving


@pytest.mark.parametrize(
    "host, why",
    [
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "private"),  # reserved; Python counts it private
        ("198.18.0.1", "private"),  # benchmarking
        ("[::1]", "loopback"),
        ("[::]", "unspecified"),
        ("[fe80::1]", "link-local"),
        ("[fc00::1]", "private"),
        ("[fd12:3456::1]", "private"),
        ("[ff02::1]", "multicast"),
        ("[::ffff:169.254.169.254]", "link-local, as 169.254.169.254"),
        ("[::ffff:10.0.0.1]", "private, as 10.0.0.1"),
        ("[64:ff9b::a9fe:a9fe]", "link-local, as 169.254.169.254"),  # NAT64
        ("[2002:a9fe:a9fe::1]", "link-local, as 169.254.169.254"),  # 6to4
        ("[::a9fe:a9fe]", "reserved"),  # IPv4-compatible
    ],
)
def test_a_non_public_address_is_refused(host: str, why: str) -> None:
    with pytest.raises(AddressRefused) as refused:
        WebhookGuard(resolver=NOWHERE).destination(f"https://{host}/hooks/s3cr3t-path")
    assert refused.value.code == "webhook_address"
    assert refused.value.facts["why"] == why
    shown = ipaddress.ip_address(host.strip("[]"))
    assert str(refused.value).startswith(f"url: address {shown} not allowed")
    assert "s3cr3t-path" not in str(refused.value)


@pytest.mark.parametrize("host", [PUBLIC, "[2606:2800:220:1:248:1893:25c8:1946]", "8.8.8.8"])
def test_a_public_address_is_allowed(host: str) -> None:
    destination = WebhookGuard(resolver=NOWHERE).destination(f"https://{host}:8443/h")
    assert str(destination.address) == host.strip("[]") and destination.port == 8443


def test_a_name_is_judged_by_every_address_it_resolves_to() -> None:
    resolver = StaticResolver(
        {
            "internal.example": ["192.168.1.10"],
            "mixed.example": [PUBLIC, "169.254.169.254"],
            "hooks.example": [PUBLIC],
        }
    )
    guard = WebhookGuard(resolver=resolver)
    with pytest.raises(AddressRefused, match=r"address 192\.168\.1\.10 not allowed: private"):
        guard.destination("https://internal.example/h")
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254 not allowed.*mixed\.example"):
        guard.destination("https://mixed.example/h")
    assert str(guard.destination("https://hooks.example/h").address) == PUBLIC
    with pytest.raises(AddressRefused, match="does not resolve") as refused:
        guard.destination("https://nowhere.example/h")
    assert refused.value.code == "webhook_unresolved"


@pytest.mark.parametrize(
    "url", ["http://localhost:8080/h", "http://LOCALHOST./h", "http://api.localhost/h"]
)
def test_localhost_is_refused_by_name_and_by_what_it_resolves_to(url: str) -> None:
    with pytest.raises(AddressRefused, match="is this machine") as refused:
        WebhookGuard().destination(url)  # the system's resolver
    assert refused.value.code == "webhook_local_host"


def test_the_systems_resolver_resolves_loopback_for_real() -> None:
    assert any(a.is_loopback for a in SystemResolver().resolve("localhost", 80))
    # listed by name, localhost is allowed, and the address to connect to is loopback
    guard = WebhookGuard(AllowList.parse("localhost"))
    assert guard.destination("http://localhost:8080/h").address.is_loopback
    # a range allows what the real resolver answers, the name then needs no listing
    with pytest.raises(AddressRefused):
        WebhookGuard(AllowList.parse("127.0.0.0/8")).destination("http://localhost/h")
    assert WebhookGuard(AllowList.parse("127.0.0.0/8, ::1")).destination("http://127.0.0.1/h")


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://hooks.example/h", "webhook_scheme"),
        ("file:///etc/passwd", "webhook_scheme"),
        ("gopher://hooks.example/", "webhook_scheme"),
        ("hooks.example/h", "webhook_scheme"),
        ("http://a@hooks.example/h", "webhook_userinfo"),
        ("https://user:hunter2-password@hooks.example/h", "webhook_userinfo"),
        ("http://127.0.0.1\\@hooks.example/h", "webhook_url_form"),
        ("http://hooks.example/h h", "webhook_url_form"),
        ("http:///h", "webhook_no_host"),
        ("http://hooks.example:0/h", "webhook_port"),
        ("http://hooks.example:99999/h", "webhook_port"),
        ("http://hooks.example:http/h", "webhook_port"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused_naming_the_field(url: str, code: str) -> None:
    resolver = StaticResolver({"hooks.example": [PUBLIC]})
    with pytest.raises(AddressRefused) as refused:
        WebhookGuard(resolver=resolver).destination(url)
    assert refused.value.code == code
    assert str(refused.value).startswith("url: ")
    assert "hunter2" not in str(refused.value)


def test_the_allow_list_takes_hosts_addresses_and_ranges() -> None:
    resolver = StaticResolver(
        {"hooks.internal": ["10.0.0.5"], "other.internal": ["10.0.0.6", "192.168.1.10"]}
    )
    guard = WebhookGuard(AllowList.parse(" hooks.internal , 10.0.0.0/24,[::1], "), resolver)
    assert str(guard.destination("http://hooks.internal/h").address) == "10.0.0.5"
    assert str(guard.destination("http://10.0.0.200/h").address) == "10.0.0.200"
    assert str(guard.destination("http://[::1]:9/h").address) == "::1"
    with pytest.raises(AddressRefused, match=r"192\.168\.1\.10"):  # one address outside
        guard.destination("http://other.internal/h")
    with pytest.raises(AddressRefused, match=r"10\.0\.1\.1"):
        guard.destination("http://10.0.1.1/h")
    # an IPv4-mapped address is allowed by its IPv4 range
    assert WebhookGuard(AllowList.parse("127.0.0.1")).destination("http://[::ffff:127.0.0.1]/")


@pytest.mark.parametrize("entry", ["not a host!", "http://x.example", "a..b", "10.0.0.0/33x"])
def test_a_bad_allow_list_entry_is_refused_naming_it(entry: str) -> None:
    with pytest.raises(ValueError, match="BYLINE_WEBHOOK_ALLOW"):
        AllowList.parse(f"127.0.0.1,{entry}")


def test_the_allow_list_is_read_from_the_environment_or_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "byline.toml"
    config.write_text('[api]\nlog_requests = false\n[webhooks]\nallow = "10.1.0.0/16, hooks.lan"\n')
    from_file = webhook_allow_list({"BYLINE_CONFIG": str(config)})
    assert from_file.hosts == {"hooks.lan"} and [str(n) for n in from_file.networks] == [
        "10.1.0.0/16"
    ]
    config.write_text('[webhooks]\nallow = ["127.0.0.1", "fd00::/8"]\n')
    assert str(webhook_allow_list({"BYLINE_CONFIG": str(config)})) == "127.0.0.1/32,fd00::/8"
    env = {"BYLINE_CONFIG": str(config), "BYLINE_WEBHOOK_ALLOW": "192.168.0.0/16"}
    assert str(webhook_allow_list(env)) == "192.168.0.0/16"  # the environment wins
    assert str(webhook_allow_list({}, also="127.0.0.1")) == "127.0.0.1/32"
    assert str(webhook_allow_list({})) == ""
    config.write_text("[webhooks]\nallow = 5\n")
    with pytest.raises(ValueError, match=r"\[webhooks\] allow"):
        webhook_allow_list({"BYLINE_CONFIG": str(config)})
