"""The connection table the workers share (`service.balance`), and the response that ends a
keep-alive connection of a worker holding more than its share."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import balance
from service.balance import BalanceMiddleware, ConnectionTable

from ..load import run

LIVE = {101, 102, 103}


def table(path: Path, pid: int) -> ConnectionTable:
    return ConnectionTable(path, pid=pid, alive=lambda p: p in LIVE)


def connect(t: ConnectionTable, n: int) -> None:
    for _ in range(n):
        t.opened()


def test_a_worker_with_two_or_more_above_the_least_loaded_sheds(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    balance.create_table(path)
    a, b = table(path, 101), table(path, 102)
    assert a.slot != b.slot
    assert not a.surplus() and not b.surplus()
    connect(a, 3)
    connect(b, 2)
    assert not a.surplus() and not b.surplus()  # 3 against 2: even, as an odd total allows
    a.opened()
    assert a.surplus() and not b.surplus()  # 4 against 2: one of a's should go
    b.opened()
    b.opened()
    a.closed()
    assert b.surplus() is False and a.surplus() is False  # 3 against 4
    c = table(path, 103)  # a replacement starts with none: both others shed towards it
    assert a.surplus() and b.surplus() and not c.surplus()


def test_a_dead_workers_slot_counts_for_nothing_and_is_taken_again(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    balance.create_table(path)
    a, gone = table(path, 101), table(path, 999)  # 999 is not alive
    connect(gone, 30)
    connect(a, 5)
    assert a.others() == [] and not a.surplus()  # alone: nothing to balance against
    b = table(path, 102)
    assert b.slot == gone.slot and b.connections == 0
    assert a.surplus()


def test_a_full_table_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    balance.create_table(path)
    holders = [ConnectionTable(path, pid=1000 + n, alive=lambda p: True) for n in range(balance.SLOTS)]
    assert len({t.slot for t in holders}) == balance.SLOTS
    with pytest.raises(RuntimeError, match="connections"):
        ConnectionTable(path, pid=5000, alive=lambda p: True)


def test_the_middleware_closes_only_while_this_worker_has_a_surplus(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    balance.create_table(path)
    mine, other = table(path, 101), table(path, 102)

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    wrapped = BalanceMiddleware(app, lambda: mine)  # type: ignore[arg-type]

    def headers() -> list[tuple[bytes, bytes]]:
        sent: list[dict] = []  # type: ignore[type-arg]

        async def send(message: dict) -> None:  # type: ignore[type-arg]
            sent.append(message)

        async def receive() -> dict:  # type: ignore[type-arg]
            return {"type": "http.request"}

        run(wrapped({"type": "http"}, receive, send))
        assert sent[1]["body"] == b"ok"
        return list(sent[0]["headers"])

    connect(mine, 1)
    connect(other, 1)
    assert headers() == [(b"x-a", b"1")]
    connect(mine, 3)  # 4 against 1: two should go, but one at a time
    assert headers() == [(b"x-a", b"1"), (b"connection", b"close")]
    assert (b"connection", b"close") not in headers()  # the first has not gone yet
    mine.closed()  # it has: 3 against 1
    assert (b"connection", b"close") in headers()
    mine.closed()  # 2 against 1
    assert (b"connection", b"close") not in headers()
