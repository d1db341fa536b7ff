"""Transformation cost: the worker's CPU per delivery with an endpoint transformation, against the
same try without one, measured in the same run; and how fast hostile expressions are stopped.

    .venv/bin/python tests/bench/bench_transform.py              # prints, appends to RESULTS.md
    .venv/bin/python tests/bench/bench_transform.py --no-record

1. Per delivery: ``workers.delivery.try_delivery`` as the worker runs it (transform, sign with
   HMAC v1, build the headers, POST, classify) on a claimed row with a 1.3 KB invoice payload,
   with a sender that answers 200 at once, so what is measured is the worker's own CPU. Each
   trial runs every case ``--deliveries`` times, interleaved in one process; the figure is process
   CPU time per delivery, the cases taking turns in 10 chunks per trial so that a shift of the
   machine's load falls on all of them. ``added`` is a case minus the baseline (no
   transformation) of the same trial; the ranges are over ``--trials`` trials.
2. Hostile: wall time until the budget stops each hostile expression (the compiled expression is
   cached, as in the worker), over the same trials.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from app.config import Settings  # noqa: E402
from app.deliveries.repository import ClaimedDelivery  # noqa: E402
from app.kit.crypto import SecretBox  # noqa: E402
from app.kit.signing import generate_secret  # noqa: E402
from app.kit.transform import BudgetExceeded, compile_expression  # noqa: E402
from workers.delivery import DeliveryContext, try_delivery  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
TARGET_ADDED_US = 50.0

PAYLOAD = {
    "id": "in_01HZX3",
    "type": "invoice.paid",
    "amount": 129_50,
    "currency": "EUR",
    "status": "paid",
    "created_at": "2026-12-07T23:40:00Z",
    "customer": {
        "id": "cus_8812",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "address": {"line1": "12 St James's Sq", "city": "London", "country": "GB"},
        "tax_id": "GB123456789",
    },
    "lines": [
        {"sku": f"SKU-{n}", "description": f"Item number {n}", "qty": n, "unit_amount": 10_00 + n}
        for n in range(1, 9)
    ],
    "metadata": {"order": "ord_771", "channel": "web", "campaign": "winter"},
}
BODY = msgspec.json.encode(PAYLOAD)

CASES: dict[str, str | None] = {
    "none (baseline)": None,
    "slack {text, blocks}, 5 fields": (
        "{text: join(' ', ['Invoice', id, 'paid by', customer.name]),"
        " blocks: [{type: 'section', text: {type: 'mrkdwn', text: join('', ['*Amount:* ',"
        " to_string(amount), ' ', currency])}},"
        " {type: 'context', elements: [{type: 'mrkdwn', text: customer.email},"
        " {type: 'mrkdwn', text: created_at}]}]}"
    ),
    "field drop (keep 6, no PII)": (
        "{id: id, type: type, amount: amount, currency: currency, status: status,"
        " lines: lines[*].{sku: sku, qty: qty}}"
    ),
    "join over lines": (
        "{text: join(', ', lines[*].sku), total_qty: sum(lines[*].qty), customer: customer.id}"
    ),
}
HOSTILE = {
    "doubling pipes x40": " | ".join(["[@, @]"] * 40),
    "join of doubled strings": "id | " + " | ".join(["join('', [@, @, @, @, @, @, @, @])"] * 12),
    "widening flattens": "[lines, lines, lines, lines, lines, lines, lines, lines][] | "
    + " | ".join(["[@, @, @, @, @, @, @, @][]"] * 3)
    + " | [*].sku",
    "equality of doubled trees": "("
    + " | ".join(["[@, @]"] * 30)
    + ") == ("
    + " | ".join(["[@, @]"] * 30)
    + ")",
}


class AnswerAtOnce:
    """A sender that answers 200 without any I/O: the try's CPU is the worker's own."""

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], **_: Any
    ) -> tuple[int, str, dict[str, str]]:
        return 200, "ok", {}


def claimed(box: SecretBox, secret_encrypted: str, expression: str | None) -> ClaimedDelivery:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "id": "dlv_1",
        "attempt_count": 0,
        "message_id": "msg_1",
        "tenant_id": "tnt_1",
        "endpoint_id": "ep_1",
        "lease_until": now,
        "trigger": "scheduled",
        "url": "http://127.0.0.1:9/hook",
        "secret_encrypted": secret_encrypted,
        "old_secrets": [],
        "headers": {"X-Team": "billing"},
        "disabled": False,
        "rate_limit_per_second": None,
        "send_after": None,
        "circuit_state": "closed",
        "circuit_failures": 0,
        "circuit_cooldown_seconds": 0.0,
        "circuit_next_probe_at": None,
        "destination": False,
        "body": BODY,
        "payload_headers": None,
        "signature_scheme": "v1",
        "signing_keys": None,
        "transformation": None
        if expression is None
        else {"expression": expression, "headers": {"X-Shape": "bench"}},
    }
    return ClaimedDelivery(**fields)


CHUNKS = 10  # per trial, the cases take turns this many times (a shared machine's load shifts)


async def cpu_seconds(ctx: DeliveryContext, row: ClaimedDelivery, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        outcome = await try_delivery(ctx, row)
    elapsed = time.process_time() - started
    assert outcome.succeeded, outcome
    return elapsed


async def run(
    trials: int, deliveries: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    box = SecretBox(Fernet.generate_key().decode())
    settings = Settings(secret_key="x")
    ctx = DeliveryContext(
        settings=settings,
        sessions=None,  # type: ignore[arg-type]  # try_delivery does not touch the database
        client=AnswerAtOnce(),  # type: ignore[arg-type]
        secret_box=box,
    )
    secret_encrypted = box.encrypt(generate_secret())
    rows = {name: claimed(box, secret_encrypted, expr) for name, expr in CASES.items()}
    cpu: dict[str, list[float]] = {name: [] for name in CASES}
    stops: dict[str, list[float]] = {name: [] for name in HOSTILE}
    for row in rows.values():
        await cpu_seconds(ctx, row, 200)  # warm: caches, the compiled expression
    per_chunk = max(deliveries // CHUNKS, 1)
    for _ in range(trials):
        gc.collect()
        spent = dict.fromkeys(rows, 0.0)
        for _ in range(CHUNKS):
            for name, row in rows.items():
                spent[name] += await cpu_seconds(ctx, row, per_chunk)
        for name in rows:
            cpu[name].append(spent[name] / (per_chunk * CHUNKS) * 1e6)
    # Apart from the trials: stopping one leaves megabytes to free, which a trial would pay for.
    for _ in range(trials):
        for name, expression in HOSTILE.items():
            program = compile_expression(expression)
            started = time.perf_counter()
            try:
                program.render(PAYLOAD)
            except BudgetExceeded:
                pass
            else:
                raise AssertionError(f"{name} was not stopped")
            stops[name].append((time.perf_counter() - started) * 1000)
    return cpu, stops


def span(values: Sequence[float], digits: int = 1) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def report(cpu: dict[str, list[float]], stops: dict[str, list[float]]) -> list[str]:
    baseline = cpu["none (baseline)"]
    lines = [
        "| case | CPU µs/delivery | added µs (same trial) | ratio to baseline | ≤ 50 µs added |",
        "|---|---|---|---|---|",
    ]
    for name, values in cpu.items():
        if name == "none (baseline)":
            lines.append(f"| {name} | {span(values)} | - | 1.00 | - |")
            continue
        added = [v - b for v, b in zip(values, baseline, strict=True)]
        ratios = [v / b for v, b in zip(values, baseline, strict=True)]
        met = "yes" if max(added) <= TARGET_ADDED_US else "**no**"
        lines.append(f"| {name} | {span(values)} | {span(added)} | {span(ratios, 2)} | {met} |")
    lines += ["", "| hostile expression | stopped after (ms wall) |", "|---|---|"]
    lines += [f"| `{name}` | {span(values)} |" for name, values in stops.items()]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=7)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    from bench_delivery import machine, work_tree_commit

    load_before = os.getloadavg()
    cpu, stops = asyncio.run(run(args.trials, args.deliveries))
    load_after = os.getloadavg()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    heading = (
        f"### Transformation cost — {when}, {work_tree_commit()}, {machine()}, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{args.trials} trials x {args.deliveries} deliveries per case"
    )
    lines = [heading, "", *report(cpu, stops)]
    print("\n".join(lines))
    if not args.no_record:
        text = RESULTS.read_text()
        section = "## Transformation cost (tests/bench/bench_transform.py)"
        if section not in text:
            text += (
                f"\n{section}\n\nWorker CPU per delivery of `try_delivery` (transform, sign v1, "
                "headers, a POST answered at once) for a 1.3 KB invoice payload, with and without "
                "an endpoint transformation; ranges over trials, `added` against the baseline "
                "of the same trial. Then the time until the budget (20,000 steps, 1 MiB) stops "
                "hostile expressions.\n"
            )
        RESULTS.write_text(text + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
