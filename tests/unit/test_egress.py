"""The egress policy (DESIGN.md guarantee 6): address spellings, blocked ranges, the allow-list."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
import yarl

from app.config import load_settings
from app.errors import InvalidRequest
from app.kit.egress import EgressBlocked, EgressPolicy, known_host_ip, literal_host_ip
from app.kit.urls import check_endpoint_url
from workers.delivery import classify_error
from workers.http import check_url

BLOCK_ALL = EgressPolicy([])


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


class TestLiteralHostIp:
    @pytest.mark.parametrize(
        ("host", "expected"),
        [
            ("127.0.0.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),  # one 32-bit decimal number
            ("0x7f000001", "127.0.0.1"),  # one hex number
            ("0X7F000001", "127.0.0.1"),
            ("017700000001", "127.0.0.1"),  # one octal number
            ("0x7f.1", "127.0.0.1"),  # a.b: the last part fills 24 bits
            ("0177.0.0.1", "127.0.0.1"),  # octal part
            ("0177.0.0.01", "127.0.0.1"),
            ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),  # a.b.c: the last part fills 16 bits
            ("127.0.0.1.", "127.0.0.1"),  # a trailing dot, as in an absolute name
            ("0", "0.0.0.0"),
            ("0x", "0.0.0.0"),  # browsers read a bare 0x as zero
            ("0xa9fea9fe", "169.254.169.254"),
            ("2852039166", "169.254.169.254"),
            ("169.254.43518", "169.254.169.254"),
            ("0xffffffff", "255.255.255.255"),
            ("%31%32%37.0.0.1", "127.0.0.1"),  # percent-encoded digits
            ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1"),  # full-width digits
            ("127\u30020\u30020\u30021", "127.0.0.1"),  # ideographic full stops
            ("[::1]", "::1"),
            ("::1", "::1"),
            ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
            ("[::ffff:7f00:1]", "::ffff:127.0.0.1"),
            ("[::FFFF:A9FE:A9FE]", "::ffff:169.254.169.254"),
            ("[0:0:0:0:0:ffff:127.0.0.1]", "::ffff:127.0.0.1"),
            ("[fe80::1%25eth0]", "fe80::1%eth0"),
        ],
    )
    def test_every_spelling_of_an_address_is_read(self, host: str, expected: str) -> None:
        assert literal_host_ip(host) == ip(expected)

    @pytest.mark.parametrize(
        "host",
        [
            "example.com",
            "127.0.0.1.example.com",
            "1.2.3.4.5",  # five parts
            "256.1",  # a leading part over 255
            "1.16777216",  # a last part too wide for the bytes left
            "4294967296",  # 2**32
            "09.0.0.1",  # 9 is no octal digit
            "0x7g.1",
            "1_0.0.0.1",  # Python's int() would take these; no resolver does
            "+1.2.3.4",
            "127..1",
            "[not:an:address]",
            "",
        ],
    )
    def test_names_and_malformed_numbers_are_not_addresses(self, host: str) -> None:
        assert literal_host_ip(host) is None


class TestKnownHostIp:
    @pytest.mark.parametrize(
        ("host", "expected"),
        [
            ("localhost", "127.0.0.1"),
            ("LOCALHOST.", "127.0.0.1"),
            ("api.localhost", "127.0.0.1"),
            ("\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", "127.0.0.1"),  # full-width
            ("ip6-localhost", "::1"),
            ("metadata.google.internal", "169.254.169.254"),
            ("metadata", "169.254.169.254"),
            ("instance-data", "169.254.169.254"),
            ("0x7f.1", "127.0.0.1"),
        ],
    )
    def test_names_that_mean_an_internal_address_without_dns(
        self, host: str, expected: str
    ) -> None:
        assert known_host_ip(host) == ip(expected)

    @pytest.mark.parametrize("host", ["example.com", "localhost.example.com", "notlocalhost"])
    def test_other_names_are_left_to_dns(self, host: str) -> None:
        assert known_host_ip(host) is None


class TestIsBlockedIp:
    @pytest.mark.parametrize(
        ("address", "reason"),
        [
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("::1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("fd12:3456::1", "private"),
            ("fc00::1", "private"),
            ("fec0::1", "private"),
            ("169.254.1.1", "link_local"),
            ("fe80::1", "link_local"),
            ("fe80::1%eth0", "link_local"),
            ("100.64.0.1", "cgnat"),
            ("100.127.255.255", "cgnat"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("ff02::1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("::", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("192.0.0.8", "reserved"),
            ("198.18.0.1", "benchmark"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.1", "documentation"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "reserved"),  # Teredo
            ("100::1", "reserved"),
            ("169.254.169.254", "metadata"),
            ("169.254.170.2", "metadata"),
            ("100.100.100.200", "metadata"),
            ("fd00:ec2::254", "metadata"),
            # IPv6 forms that carry an IPv4 address judge that address.
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "metadata"),
            ("::127.0.0.1", "loopback"),  # IPv4-compatible
            ("64:ff9b::127.0.0.1", "loopback"),  # NAT64
            ("64:ff9b::a9fe:a9fe", "metadata"),
            ("2002:7f00:1::1", "loopback"),  # 6to4
            ("2002:c0a8:101::1", "private"),
            ("::8.8.8.8", "reserved"),  # IPv4-compatible is deprecated even when public
            ("64:ff9b:1::8.8.8.8", "private"),  # local-use NAT64
        ],
    )
    def test_internal_addresses_are_blocked_with_a_reason(self, address: str, reason: str) -> None:
        assert BLOCK_ALL.is_blocked_ip(ip(address)) == reason

    @pytest.mark.parametrize(
        "address",
        [
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",  # just below CGNAT
            "172.32.0.1",  # just above 172.16/12
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",  # NAT64 on an IPv6-only network: public, allowed
            "2002:808:808::1",
        ],
    )
    def test_public_addresses_are_allowed(self, address: str) -> None:
        assert BLOCK_ALL.is_blocked_ip(ip(address)) is None


class TestAllowList:
    def test_allow_list_opens_its_ranges_and_their_ipv6_forms(self) -> None:
        policy = EgressPolicy(["127.0.0.0/8", "10.0.0.0/8"])
        for address in ("127.0.0.1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "10.9.8.7"):
            assert policy.is_blocked_ip(ip(address)) is None
        assert policy.is_blocked_ip(ip("::1")) == "loopback"
        assert policy.is_blocked_ip(ip("192.168.0.1")) == "private"

    def test_a_broad_range_does_not_open_the_metadata_address_inside_it(self) -> None:
        policy = EgressPolicy(["169.254.0.0/16", "100.64.0.0/10"])
        assert policy.is_blocked_ip(ip("169.254.1.1")) is None
        assert policy.is_blocked_ip(ip("169.254.169.254")) == "metadata"
        assert policy.is_blocked_ip(ip("::ffff:169.254.169.254")) == "metadata"
        assert policy.is_blocked_ip(ip("100.100.100.200")) == "metadata"

    def test_naming_the_exact_metadata_address_opens_it(self) -> None:
        policy = EgressPolicy(["169.254.169.254/32"])
        assert policy.is_blocked_ip(ip("169.254.169.254")) is None

    def test_https_only_refuses_plain_http(self) -> None:
        assert EgressPolicy(https_only=True).blocked_scheme("http") == "https_required"
        assert EgressPolicy(https_only=True).blocked_scheme("https") is None
        assert EgressPolicy().blocked_scheme("http") is None


class TestCheckEndpointUrl:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8080/hook",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:169.254.169.254]/latest/meta-data/",
            "http://169.254.169.254/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://10.0.0.1/",
            "http://192.168.1.1:8443/",
            "http://[fe80::1%25eth0]/",
            "http://0.0.0.0:8000/",
            "http://localhost:8080/",
            "http://LocalHost./",
            "http://api.localhost/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ],
    )
    def test_plainly_internal_urls_are_refused(self, url: str) -> None:
        with pytest.raises(InvalidRequest) as info:
            check_endpoint_url(url, policy=BLOCK_ALL)
        assert (info.value.code, info.value.status_code) == ("blocked_url", 422)

    @pytest.mark.parametrize(
        "url", ["https://example.com/hook", "http://8.8.8.8/", "https://[2606:4700::1]/"]
    )
    def test_public_urls_pass(self, url: str) -> None:
        assert check_endpoint_url(url, policy=BLOCK_ALL) == url

    def test_allowed_loopback_passes(self) -> None:
        policy = EgressPolicy(["127.0.0.0/8"])
        assert check_endpoint_url("http://localhost:9000/", policy=policy)

    def test_https_only_refuses_plain_http_urls(self) -> None:
        with pytest.raises(InvalidRequest) as info:
            check_endpoint_url("http://example.com/", policy=EgressPolicy(https_only=True))
        assert info.value.code == "blocked_url"


class TestEgressSettings:
    def test_dev_allows_loopback(self, tmp_path: Path) -> None:
        settings = load_settings({"HOOKRELAY_DATA_DIR": str(tmp_path)}, dev=True)
        assert settings.egress_allow == ("127.0.0.0/8", "::1/128")
        assert settings.egress_https_only is False

    def test_postgresql_allows_nothing_by_default(self, tmp_path: Path) -> None:
        settings = load_settings(
            {
                "HOOKRELAY_DATA_DIR": str(tmp_path),
                "HOOKRELAY_DATABASE_URL": "postgresql://postgres@127.0.0.1/x",
                "HOOKRELAY_SECRET_KEY": "A" * 43 + "=",
            }
        )
        assert settings.egress_allow == ()

    def test_sqlite_outside_dev_allows_nothing_by_default(self, tmp_path: Path) -> None:
        assert load_settings({"HOOKRELAY_DATA_DIR": str(tmp_path)}).egress_allow == ()

    def test_an_explicit_empty_allow_list_blocks_loopback_under_dev_too(
        self, tmp_path: Path
    ) -> None:
        env = {"HOOKRELAY_DATA_DIR": str(tmp_path), "HOOKRELAY_EGRESS_ALLOW": ""}
        assert load_settings(env, dev=True).egress_allow == ()

    def test_https_only_is_read_from_the_environment(self, tmp_path: Path) -> None:
        env = {"HOOKRELAY_DATA_DIR": str(tmp_path), "HOOKRELAY_EGRESS_HTTPS_ONLY": "true"}
        assert load_settings(env).egress_https_only is True


class TestCheckUrl:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://localhost/",
            "http://[fd00:ec2::254]/",
        ],
    )
    def test_blocked_literal_hosts_are_refused_before_any_connection(self, url: str) -> None:
        with pytest.raises(EgressBlocked) as info:
            check_url(BLOCK_ALL, yarl.URL(url))
        assert classify_error(info.value) == "blocked"

    def test_plain_http_is_refused_when_https_is_required(self) -> None:
        policy = EgressPolicy(https_only=True)
        with pytest.raises(EgressBlocked, match="https_required"):
            check_url(policy, yarl.URL("http://example.com/"))
        check_url(policy, yarl.URL("https://example.com/"))
