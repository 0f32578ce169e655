"""`anomaly-pipeline serve` in a subprocess on a free loopback port, for the benchmarks that time the API."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], timeout: float = 120) -> Iterator[str]:
    """Start the server with `env`, wait until it is ready, yield its base URL (`http://127.0.0.1:PORT`)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "anomaly_pipeline.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(base + "/api/v1/health/readiness", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(30)
