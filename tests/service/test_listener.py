"""A listening socket per worker: what uvicorn's spawned workers unpickle is a new socket on the
same address (`service.listener`), not a copy of the supervisor's."""

from __future__ import annotations

import pickle
import socket
from multiprocessing.reduction import ForkingPickler

import pytest

from service import listener

pytestmark = pytest.mark.skipif(not listener.supported(), reason="SO_REUSEPORT sockets are Linux's")


def test_a_pickled_socket_rebinds_to_the_same_address() -> None:
    first = listener.bind_reuseport(socket.AF_INET, ("127.0.0.1", 0))
    address = first.getsockname()
    copies = [pickle.loads(pickle.dumps(first)), ForkingPickler.loads(ForkingPickler.dumps(first))]
    try:
        for sock in copies:
            assert sock.getsockname() == address and sock.fileno() != first.fileno()
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            sock.listen()
        # Both listen; a client reaches one of them.
        with socket.create_connection(address, timeout=5):
            pass
        # The address is taken for anything that does not share it on purpose.
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(address)
    finally:
        for sock in [first, *copies]:
            sock.close()


def test_an_address_in_use_fails_in_the_supervisor() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            listener.bind_reuseport(socket.AF_INET, taken.getsockname())
