"""Tokens are random and known by their hash; failed authentication slows a peer down and decays."""

from __future__ import annotations

import re

from imagestreams_server.api.auth_throttle import AuthThrottle, peer_host
from imagestreams_server.application.tokens import looks_like_token, new_token, token_name


def test_a_token_is_random_and_named_by_its_hash() -> None:
    token, name = new_token()
    other, _ = new_token()
    assert re.fullmatch(r"ist_[A-Za-z0-9_-]{43}", token)
    assert token != other
    assert name == token_name(token) and re.fullmatch(r"sha256~[A-Za-z0-9_-]{43}", name)
    assert token.removeprefix("ist_") not in name
    assert looks_like_token(token) and not looks_like_token("garbage") and not looks_like_token("ist_" + "x" * 300)


def test_failures_past_the_free_ones_wait_longer_and_longer_up_to_a_cap() -> None:
    now = [0.0]
    throttle = AuthThrottle(free=2, base_delay=0.1, max_delay=1.0, half_life=60, clock=lambda: now[0])
    delays = [throttle.failed("ipv4:10.0.0.1:5000") for _ in range(8)]
    assert delays[:2] == [0.0, 0.0]
    assert delays[2] > 0 and delays[3] > delays[2]
    assert max(delays) == 1.0
    # Another port of the same host is the same peer; another host is not.
    assert throttle.failed("ipv4:10.0.0.1:6000") == 1.0
    assert throttle.failed("ipv4:10.0.0.2:5000") == 0.0


def test_the_count_decays_so_an_honest_typo_is_forgotten() -> None:
    now = [0.0]
    throttle = AuthThrottle(free=2, base_delay=0.1, half_life=10, clock=lambda: now[0])
    for _ in range(6):
        throttle.failed("ipv6:[::1]:1")
    now[0] += 200
    assert throttle.failed("ipv6:[::1]:2") == 0.0


def test_the_table_of_peers_is_bounded() -> None:
    throttle = AuthThrottle(max_peers=3)
    for i in range(10):
        throttle.failed(f"ipv4:10.0.0.{i}:1")
    assert len(throttle._failures) == 3


def test_peer_host_drops_the_port() -> None:
    assert peer_host("ipv4:127.0.0.1:5353") == "ipv4:127.0.0.1"
    assert peer_host("ipv6:[::1]:5353") == "ipv6:[::1]"
    assert peer_host("unix:/tmp/sock") == "unix:/tmp/sock"
