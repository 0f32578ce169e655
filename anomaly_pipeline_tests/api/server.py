"""A real `anomaly-pipeline serve` on loopback, in its own process, for the API tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from anomaly_pipeline_tests.conftest import PG_ADMIN_URL, REPO

KEY_LINE = re.compile(r"^\s+(ap_\S+)\s*$", re.MULTILINE)


@dataclass
class Server:
    base: str
    key: str | None
    env: dict[str, str]
    data_dir: Path
    log: Path

    def client(self, key: str | None = "", timeout: float = 60) -> httpx.Client:
        """An HTTP client for the API, with the server's generated key (or `key`; None: no key)."""
        key = self.key if key == "" else key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base + "/api/v1", headers=headers, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"anomaly_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        from anomaly_pipeline.storage.warehouse import _engines

        engine = _engines.pop(PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
                              + f"/{name}", None)
        if engine is not None:
            engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_server(folder: Path, database_url: str, wait_ready: bool = True, **extra: str) -> Iterator[Server]:
    """Start `python -m anomaly_pipeline.cli serve` with settings in `folder`; stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "uploads").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_")}
    env.update(DATABASE_URL=database_url, ANOMALY_DATA_DIR=str(folder / "data"), UPLOAD_DIR=str(folder / "uploads"),
               DEFAULT_STRATEGY="balanced", PYTHONPATH=str(REPO), **extra)
    port = free_port()
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "anomaly_pipeline.cli", "serve", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()}")
            try:
                answer = httpx.get(base + "/api/v1/health/liveness", timeout=2)
                if answer.status_code == 200 and (not wait_ready or httpx.get(
                        base + "/api/v1/health/readiness", timeout=10).status_code == 200):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.3)
        found = KEY_LINE.search(log.read_text())
        yield Server(base, found.group(1) if found else None, env, folder / "data", log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(client: httpx.Client, url: str, done: tuple[str, ...], seconds: float = 300) -> dict:
    """Poll `url` until its `status` is one of `done`."""
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if body["status"] in done:
            return body
        assert time.monotonic() < deadline, f"still {body['status']} after {seconds} s: {body}"
        time.sleep(0.5)
