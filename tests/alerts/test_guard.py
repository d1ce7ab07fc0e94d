"""The webhook destination guard, pure: internal addresses in every spelling, the allow-list, DNS pinning."""

from __future__ import annotations

import ipaddress

import pytest

import streams.cli.main as cli
from streams.alerts.guard import AllowList, Guard, parse_ip
from streams.core.errors import ConfigError, DestinationRefused

#: (URL, what the refusal must say) — internal destinations, spelled every way a resolver accepts
INTERNAL = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.1/hook", "loopback"),
    ("http://127.0.1/hook", "loopback"),
    ("http://2130706433/hook", "loopback"),
    ("http://0x7f000001/hook", "loopback"),
    ("http://0X7F.0x0.0x0.0x1/hook", "loopback"),
    ("http://0177.0.0.1/hook", "loopback"),
    ("http://017700000001/hook", "loopback"),
    ("http://127.0.0.1./hook", "loopback"),
    ("http://127.255.255.254:8080/hook", "loopback"),
    ("https://user:pass@127.0.0.1:8443/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]:80/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://[::ffff:7f00:1]/hook", "loopback"),
    ("http://[::127.0.0.1]/hook", "loopback"),
    ("http://[2002:7f00:1::]/hook", "loopback"),
    ("http://localhost/hook", "local host name"),
    ("http://LOCALHOST./hook", "local host name"),
    ("http://api.localhost:9000/hook", "local host name"),
    ("http://10.0.0.1/hook", "private"),
    ("http://172.16.5.4/hook", "private"),
    ("http://192.168.1.1/hook", "private"),
    ("http://0xc0a80101/hook", "private"),
    ("http://[fc00::1]/hook", "private"),
    ("http://[fd12:3456::1]/hook", "private"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://2852039166/latest/meta-data/", "cloud metadata"),
    ("http://0251.0376.0251.0376/latest/", "cloud metadata"),
    ("http://[fd00:ec2::254]/latest/", "cloud metadata"),
    ("http://[::ffff:169.254.169.254]/latest/", "cloud metadata"),
    ("http://[64:ff9b::a9fe:a9fe]/latest/", "cloud metadata"),
    ("http://metadata.google.internal/computeMetadata/v1/", "local host name"),
    ("http://169.254.1.1/hook", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[fe80::1%25eth0]/hook", "link-local"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://0/hook", "unspecified"),
    ("http://[::]/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://[ff02::1]/hook", "multicast"),
    ("http://240.0.0.1/hook", "address"),  # reserved (Python calls 240/4 private too)
    ("http://255.255.255.255/hook", "address"),
    ("http://100.64.0.1/hook", "non-public"),  # shared address space (carrier-grade NAT)
]

PUBLIC = ["https://hooks.example.org/desk", "http://8.8.8.8/hook", "http://134744072/hook",  # 8.8.8.8
          "http://[2001:4860:4860::8888]:8443/hook", "http://[::ffff:8.8.8.8]/hook", "https://127.example.org/x"]


def test_the_matrix_is_large() -> None:
    assert len(INTERNAL) >= 25


@pytest.mark.parametrize(("url", "why"), INTERNAL)
def test_internal_destinations_are_refused_in_every_spelling(url: str, why: str) -> None:
    with pytest.raises(DestinationRefused, match=why) as caught:
        Guard().check_url(url)
    assert caught.value.reason == "destination_refused"
    assert "STREAMS_WEBHOOK_ALLOW" in str(caught.value)


@pytest.mark.parametrize("url", PUBLIC)
def test_public_destinations_pass(url: str) -> None:
    Guard().check_url(url)


@pytest.mark.parametrize(("spelling", "address"), [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("10.1", "10.0.0.1"), ("192.168.257", "192.168.1.1"), ("0x7f.1", "127.0.0.1"), ("[::1]", "::1"),
    ("127.0.0.1.", "127.0.0.1"), ("FE80::1%eth0", "fe80::1"),
])
def test_host_spellings_read_as_the_resolver_reads_them(spelling: str, address: str) -> None:
    assert parse_ip(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["example.org", "256.1.1.1", "1.2.3.4.5", "0x1g", "08.0.0.1", "127.0.0.1.nip.io"])
def test_names_are_not_addresses(name: str) -> None:
    assert parse_ip(name) is None


def test_allow_list_by_address_cidr_port_and_name() -> None:
    guard = Guard(AllowList.parse("127.0.0.1:8080, 10.0.0.0/8 hooks.internal,[::1]"))
    for url in ("http://127.0.0.1:8080/x", "http://2130706433:8080/x", "http://[::ffff:127.0.0.1]:8080/x",
                "http://10.9.8.7/x", "http://hooks.internal/x", "http://HOOKS.INTERNAL./x", "http://[::1]:9/x"):
        guard.check_url(url)
    for url in ("http://127.0.0.1:8081/x", "http://192.168.1.1/x", "http://169.254.169.254/", "http://localhost:8080/"):
        with pytest.raises(DestinationRefused):
            guard.check_url(url)


@pytest.mark.parametrize("text", ["hooks:port", "999.1.1.1", "127.0.0.1:70000", "hooks.example.org, b@d"])
def test_bad_allow_entries_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="STREAMS_WEBHOOK_ALLOW"):
        AllowList.parse(text)


def test_every_resolved_address_is_checked_and_the_checked_one_is_pinned() -> None:
    answers = {"rebind.example.org": ["8.8.8.8", "127.0.0.1"], "meta.example.org": ["::ffff:169.254.169.254"],
               "ok.example.org": ["::ffff:8.8.4.4", "8.8.8.8"], "lan.example.org": ["10.0.0.7"]}
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[host]

    guard = Guard(resolver=resolver)
    with pytest.raises(DestinationRefused, match="resolves to 127.0.0.1, a loopback address"):
        guard.pin("rebind.example.org", 443)
    with pytest.raises(DestinationRefused, match="cloud metadata"):
        guard.pin("meta.example.org", 443)
    assert guard.pin("ok.example.org.", 443) == ipaddress.ip_address("8.8.4.4")  # the IPv4 inside, to connect to
    assert guard.pin("8.8.8.8", 80) == ipaddress.ip_address("8.8.8.8")  # a literal is not resolved
    assert asked == ["rebind.example.org", "meta.example.org", "ok.example.org"]
    with pytest.raises(DestinationRefused, match="private"):
        guard.pin("lan.example.org", 80)
    allowed = Guard(AllowList.parse("lan.example.org"), resolver=resolver)
    assert allowed.pin("lan.example.org", 80) == ipaddress.ip_address("10.0.0.7")


def test_alerts_add_refuses_an_internal_webhook_naming_the_rule(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # nothing is written: refused before
    monkeypatch.delenv("STREAMS_WEBHOOK_ALLOW", raising=False)
    code = cli.main(["alerts", "add", "--id", "kallas", "--name", "Kallas", "--entity", "Kaja Kallas",
                     "--webhook", "http://0x7f000001:8080/hook"])
    err = capsys.readouterr().err
    assert code == 1
    assert "rule kallas (Kallas): webhook refused: 0x7f000001 (127.0.0.1) is a loopback address" in err
    assert "STREAMS_WEBHOOK_ALLOW" in err
