"""Replays of inbound events on both databases reach the destinations there are now: one added
after the event arrived gets it when it selects it; a deleted or disabled one is passed by."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dramatiq.brokers.stub import StubBroker

from app.kit.clock import utc_now
from app.sources.controllers import handoff
from tests.integration.inbound import (
    Client,
    create_destination,
    create_source,
    handed_over,
    ingest_path,
    signed,
)
from tests.integration.receiver import Receiver
from tests.integration.test_recovery import drive
from workers.delivery import DeliveryContext

INVOICE = b'{"type":"invoice.paid","amount":150}'


async def ingest(client: Client, source: dict[str, Any], body: bytes, msg_id: str) -> None:
    answer = await client.post(
        ingest_path(source), content=body, headers=signed(body, msg_id=msg_id)
    )
    assert answer.json()["events"][0]["outcome"] == "accepted", answer.text


async def run_tasks(
    client: Client, broker: StubBroker, ctx: DeliveryContext, *, batch_size: int = 500
) -> None:
    """Run every task queued so far, the ingest path's handoff included (it sends after the
    answer), as the worker's actors would."""
    await handoff(client.app.state).wait_sent()
    await drive(broker, ctx, batch_size=batch_size)


def received(receiver: Receiver) -> Counter[tuple[str, bytes]]:
    return Counter((r.path, r.body) for r in receiver.requests)


class TestReplayOfOneEvent:
    async def test_a_replay_reaches_destinations_added_since_that_select_the_event(
        self, client: Client, broker: StubBroker, receiver: Receiver, ctx: DeliveryContext
    ) -> None:
        # Given an event delivered to the one destination there was
        source = await create_source(client)
        base = f"/api/v1/sources/{source['id']}"
        await create_destination(client, source, receiver.url("/first"))
        await ingest(client, source, INVOICE, "msg_1")
        await run_tasks(client, broker, ctx)
        assert received(receiver) == {("/first", INVOICE): 1}
        # And destinations added since: two that select it, three that do not or are off
        new = await create_destination(
            client, source, receiver.url("/new"), event_types=["invoice.*"]
        )
        big = {"path": "$.amount", "op": "gt", "value": 100}
        await create_destination(client, source, receiver.url("/filtered"), payload_filter=big)
        await create_destination(client, source, receiver.url("/other"), event_types=["customer.*"])
        small = {"path": "$.amount", "op": "lt", "value": 100}
        await create_destination(client, source, receiver.url("/small"), payload_filter=small)
        disabled = await create_destination(client, source, receiver.url("/disabled"))
        await client.patch(f"{base}/destinations/{disabled['id']}", json={"disabled": True})
        deleted = await create_destination(client, source, receiver.url("/deleted"))
        await client.delete(f"{base}/destinations/{deleted['id']}")
        receiver.requests.clear()

        # When the event is replayed
        (event,) = (await client.get(f"{base}/events")).json()["data"]
        answer = await client.post(f"{base}/events/{event['id']}/replay")
        await run_tasks(client, broker, ctx)

        # Then the first destination got it again and the two added that select it got it once
        assert answer.status_code == 202, answer.text
        assert len(answer.json()) == 3
        assert received(receiver) == {
            ("/first", INVOICE): 1,
            ("/new", INVOICE): 1,
            ("/filtered", INVOICE): 1,
        }
        # And the event's detail lists its deliveries to all three, each tried once by hand
        detail = (await client.get(f"{base}/events/{event['id']}")).json()
        assert len(detail["deliveries"]) == 3
        assert {d["status"] for d in detail["deliveries"]} == {"succeeded"}
        manual = [a for a in detail["attempts"] if a["trigger"] == "manual"]
        assert sorted(a["endpoint_id"] for a in manual) == sorted(
            [d["endpoint_id"] for d in detail["deliveries"]]
        )
        assert new["id"] in {a["endpoint_id"] for a in manual}

    async def test_nothing_to_replay_when_no_destination_takes_the_event(
        self, client: Client, broker: StubBroker, receiver: Receiver
    ) -> None:
        # Given an event whose one destination is now deleted, and one that does not select it
        source = await create_source(client)
        base = f"/api/v1/sources/{source['id']}"
        first = await create_destination(client, source, receiver.url("/first"))
        await ingest(client, source, INVOICE, "msg_1")
        await handed_over(client, broker)
        await client.delete(f"{base}/destinations/{first['id']}")
        await create_destination(client, source, receiver.url("/other"), event_types=["customer.*"])
        broker.flush_all()

        # When it is replayed: a 409 that names why, and nothing is queued
        (event,) = (await client.get(f"{base}/events")).json()["data"]
        answer = await client.post(f"{base}/events/{event['id']}/replay")
        assert (answer.status_code, answer.json()["code"]) == (409, "nothing_to_replay")
        assert await handed_over(client, broker) == []


class TestTimeRangeReplay:
    async def test_a_destination_added_later_gets_the_range_it_selects_once(
        self, client: Client, broker: StubBroker, receiver: Receiver, ctx: DeliveryContext
    ) -> None:
        # Given five events received before a destination existed, then two that select it
        source = await create_source(client)
        base = f"/api/v1/sources/{source['id']}"
        await ingest(client, source, b'{"type":"customer.made"}', "msg_early")
        since = utc_now()
        invoices = [b'{"type":"invoice.paid","n":%d}' % n for n in range(5)]
        for n, body in enumerate(invoices):
            await ingest(client, source, body, f"msg_{n}")
        await ingest(client, source, b'{"type":"customer.made","n":9}', "msg_customer")
        late = await create_destination(
            client, source, receiver.url("/late"), event_types=["invoice.*"]
        )
        other = await create_destination(
            client, source, receiver.url("/other"), event_types=["nothing.*"]
        )

        # When the range is replayed to the late destination (in batches of two)
        path = f"{base}/destinations/{late['id']}/recover"
        started = await client.post(path, json={"since": since.isoformat()})
        assert started.status_code == 202, started.text
        await run_tasks(client, broker, ctx, batch_size=2)

        # Then it got each invoice of the range once, and the done recovery counts them
        assert received(receiver) == {("/late", body): 1 for body in invoices}
        recovery = f"{base}/destinations/{late['id']}/recoveries/{started.json()['id']}"
        done = (await client.get(recovery)).json()
        assert (done["status"], done["requeued"], done["total"]) == ("done", 5, 5)

        # When the same range is replayed again
        receiver.requests.clear()
        again = await client.post(path, json={"since": since.isoformat()})
        await run_tasks(client, broker, ctx, batch_size=2)

        # Then nothing is sent twice (nothing failed, and it now has every one)
        assert received(receiver) == {}
        done = (
            await client.get(f"{base}/destinations/{late['id']}/recoveries/{again.json()['id']}")
        ).json()
        assert (done["status"], done["requeued"]) == ("done", 0)
        # And a destination that selects none of them got nothing either
        empty = await client.post(
            f"{base}/destinations/{other['id']}/recover", json={"since": since.isoformat()}
        )
        await run_tasks(client, broker, ctx)
        assert received(receiver) == {}
        assert empty.status_code == 202

    async def test_a_disabled_destination_is_not_replayed_to(
        self, client: Client, broker: StubBroker, receiver: Receiver
    ) -> None:
        source = await create_source(client)
        base = f"/api/v1/sources/{source['id']}"
        since = utc_now()
        await ingest(client, source, INVOICE, "msg_1")
        off = await create_destination(client, source, receiver.url("/off"))
        await client.patch(f"{base}/destinations/{off['id']}", json={"disabled": True})
        answer = await client.post(
            f"{base}/destinations/{off['id']}/recover", json={"since": since.isoformat()}
        )
        assert answer.status_code == 409, answer.text
        assert receiver.requests == []
