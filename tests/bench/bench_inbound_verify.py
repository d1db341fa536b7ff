"""Verification cost of the inbound schemes added for issue 14's left-outs, per request, against
Standard Webhooks ``v1`` (HMAC) measured in the same run.

    .venv/bin/python tests/bench/bench_inbound_verify.py              # prints, appends to RESULTS.md
    .venv/bin/python tests/bench/bench_inbound_verify.py --no-record

Each scheme verifies the same signed request (built by ``tests/unit/providers/cases.py``: the
providers' own code or an independent library signs) ``--calls`` times; process CPU per call, in
``--rounds`` rounds alternating the schemes, reported as the range over the rounds and as the
range of its ratio to ``v1`` within each round.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

from app.sources.providers import InboundRequest, SourceSecret, provider  # noqa: E402
from tests.unit.providers import cases  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Inbound verification cost (tests/bench/bench_inbound_verify.py)"


def _paddle_4096() -> tuple[InboundRequest, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    body = cases.paddle_classic_form({"alert_name": "x", "alert_id": "1"}, key=key)
    return InboundRequest("POST", cases.URL, {}, body), pem


def schemes(now: datetime) -> dict[str, Callable[[], None]]:
    """Each scheme's verify of one request, bound and ready to call."""

    def bound(
        name: str, request: InboundRequest, secrets: list[str], options: dict[str, object]
    ) -> Callable[[], None]:
        preset = provider(name)
        checked = preset.check_options(options)
        held = [SourceSecret(s) for s in secrets]
        return lambda: preset.verify(request, held, checked, now=now)

    legacy = {"legacy_signatures": True}
    form = cases.paddle_classic_form({"alert_name": "x", "alert_id": "1"})
    paddle_4096, pem_4096 = _paddle_4096()
    return {
        "standard_webhooks v1 (baseline)": bound(
            "standard_webhooks", cases.standard_sign(cases.WHSEC, now), [cases.WHSEC], {}
        ),
        "standard_webhooks v1a": bound(
            "standard_webhooks", cases.v1a_sign(cases.WHPK, now), [cases.WHPK], {}
        ),
        "standard_webhooks v1a, whsec_ tried first": bound(
            "standard_webhooks", cases.v1a_sign(cases.WHPK, now), [cases.WHSEC, cases.WHPK], {}
        ),
        "hubspot v3": bound("hubspot", cases.hubspot_sign("s", now), ["s"], {}),
        "hubspot v1 (legacy)": bound(
            "hubspot", cases.hubspot_legacy_sign("v1")("s", now), ["s"], legacy
        ),
        "hubspot v2 (legacy)": bound(
            "hubspot", cases.hubspot_legacy_sign("v2")("s", now), ["s"], legacy
        ),
        "paddle_classic, RSA 2048": bound(
            "paddle_classic",
            InboundRequest("POST", cases.URL, {}, form),
            [cases.PADDLE_CLASSIC_PEMS[0]],
            {},
        ),
        "paddle_classic, RSA 4096": bound("paddle_classic", paddle_4096, [pem_4096], {}),
    }


def cpu_us_per_call(call: Callable[[], None], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls * 1e6


def run(calls: int, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    now = datetime.now(UTC)
    bound = schemes(now)
    baseline = next(iter(bound))
    per_round: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in bound}
    for round_ in range(rounds):
        order = list(bound) if round_ % 2 == 0 else list(reversed(bound))
        measured = {name: cpu_us_per_call(bound[name], calls) for name in order}
        for name, cost in measured.items():
            per_round[name][0].append(cost)
            per_round[name][1].append(cost / measured[baseline])
    return per_round


def rows_of(results: dict[str, tuple[list[float], list[float]]], rounds: int) -> list[str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"| {when} | {commit} | x86_64, {os.cpu_count()} CPU, AMD EPYC | {rounds} | {name} "
        f"| {min(costs):.1f}-{max(costs):.1f} | {min(ratios):.2f}-{max(ratios):.2f} | {load} |"
        for name, (costs, ratios) in results.items()
    ]


def record(lines: list[str]) -> None:
    text_ = RESULTS.read_text()
    if SECTION not in text_:
        text_ += (
            f"\n{SECTION}\n\nProcess CPU per verified request of each scheme (one signed "
            "request, the preset's `verify` as the ingest path calls it), ranges over the "
            "rounds; the ratio is to Standard Webhooks `v1` in the same round.\n\n"
            "| date | commit | machine | rounds | scheme | µs CPU / request | ratio to v1 "
            "| load average |\n|---|---|---|---|---|---|---|---|\n"
        )
    RESULTS.write_text(text_ + "".join(line + "\n" for line in lines))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    lines = rows_of(run(args.calls, args.rounds), args.rounds)
    print("\n".join(lines))
    if not args.no_record:
        record(lines)


if __name__ == "__main__":
    main()
