"""The fair pump starts claimed tries round-robin by tenant as slots free (issue 15)."""

import asyncio

from workers.fair import FairPump


def pump_with(
    slots: int, *, tenant_cap: int = 100, total_cap: int = 1000
) -> tuple[FairPump[str], list[str]]:
    started: list[str] = []
    return FairPump(slots, started.append, tenant_cap=tenant_cap, total_cap=total_cap), started


class TestFairPump:
    def test_a_tenant_alone_takes_every_free_slot(self) -> None:
        pump, started = pump_with(3)

        pump.offer(("a", f"a{n}") for n in range(5))

        assert started == ["a0", "a1", "a2"]
        assert pump.waiting == 2

    def test_a_later_tenant_goes_next_not_behind_the_backlog(self) -> None:
        # Given tenant a's backlog holding every slot, with more of it waiting
        pump, started = pump_with(2)
        pump.offer(("a", f"a{n}") for n in range(100))
        # When tenant b's tries arrive and slots free one by one
        pump.offer([("b", "b0"), ("b", "b1")])
        for _ in range(4):
            pump.release()

        # Then the tenants take the freed slots in turn (b after the one turn a had begun)
        assert started == ["a0", "a1", "a2", "b0", "a3", "b1"]

    def test_released_slots_are_counted_and_never_exceeded(self) -> None:
        pump, started = pump_with(1)
        pump.offer([("a", "a0"), ("b", "b0"), ("c", "c0")])
        assert started == ["a0"]

        pump.release()
        pump.release()

        assert started == ["a0", "b0", "c0"]
        pump.release()  # nothing waits: the slot stays free for the next offer
        pump.offer([("a", "a1")])
        assert started[-1] == "a1"

    async def test_room_waits_until_the_tenant_is_under_its_cap(self) -> None:
        pump, _ = pump_with(1, tenant_cap=2)
        pump.offer(("a", f"a{n}") for n in range(5))  # one started, four waiting
        room = asyncio.ensure_future(pump.room({"a"}))
        await asyncio.sleep(0)
        assert not room.done()

        pump.release()  # three waiting
        await asyncio.sleep(0)
        assert not room.done()
        pump.release()  # two waiting: room again
        await asyncio.wait_for(room, timeout=5)

        assert pump.waiting_of("a") == 2

    async def test_another_tenant_has_room_while_one_is_full(self) -> None:
        pump, _ = pump_with(1, tenant_cap=2)
        pump.offer(("a", f"a{n}") for n in range(10))
        pump.offer([("b", "b0")])

        await asyncio.wait_for(pump.room({"b"}), timeout=5)

    async def test_room_also_waits_for_the_process_total(self) -> None:
        pump, _ = pump_with(1, tenant_cap=100, total_cap=3)
        for tenant in "abcde":
            pump.offer([(tenant, f"{tenant}0")])  # a started, four waiting
        room = asyncio.ensure_future(pump.room({"e"}))
        await asyncio.sleep(0)
        assert not room.done()

        pump.release()

        await asyncio.wait_for(room, timeout=5)
        assert pump.waiting == 3
