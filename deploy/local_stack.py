"""The docker-compose deployment started natively on loopback: the same processes with the same commands.

    python deploy/local_stack.py            # starts it, prints the webserver URL and UPLOAD_DIR; Ctrl-C stops it

docker-compose.yml is the one source of truth: every process started here is the `command:` of a compose
service (`user_code`, `webserver`, `daemon`, `celery_worker` twice), with the compose `x-app-env` environment.
What a container gets from its surroundings is given here instead, and only that is rewritten:
- hostnames `postgres` and `redis` become 127.0.0.1 (the local PostgreSQL and Redis);
- the PostgreSQL databases are fresh ones per stack (instance storage and warehouse, user `postgres`, trust auth),
  the Celery broker and backend are two Redis database numbers claimed for this stack (SET NX), flushed at exit;
- ports 4000 (gRPC) and 3000 (webserver) become free ports, `0.0.0.0` becomes 127.0.0.1 (the workspace reaches
  the gRPC server through DAGSTER_GRPC_HOST / DAGSTER_GRPC_PORT, doctor the webserver through
  DAGSTER_WEBSERVER_URL, as in the compose file);
- the image's files (/opt/dagster/workspace.yaml, /opt/dagster/celery.yaml, $DAGSTER_HOME/dagster.yaml) are
  read from deploy/; each Celery worker gets its own --name (containers differ by hostname, processes here do not).
Each process runs in its own process group and its output goes to <stack dir>/logs/<name>.log.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DEPLOY = REPO / "deploy"
#: files the image puts in place (Dockerfile COPY) -> where they are in the checkout
IMAGE_FILES = {"/opt/dagster/workspace.yaml": DEPLOY / "workspace.yaml",
               "/opt/dagster/celery.yaml": DEPLOY / "celery.yaml"}
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DBS = range(2, 16)  # 0 and 1 are the compose defaults: left to whoever runs it for real
CLAIM_KEY = "anomaly_pipeline:local_stack"
CLAIM_SECONDS = 6 * 3600


def interpolate(value):
    """Compose's ${VAR:-default} interpolation (from this environment), through dicts and lists."""
    if isinstance(value, str):
        return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m.group(1)) or m.group(2), value)
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    return value


def compose_spec() -> dict:
    """docker-compose.yml as compose reads it (interpolated)."""
    return interpolate(yaml.safe_load(COMPOSE_FILE.read_text()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def claim_redis_dbs(count: int, token: str) -> list[int]:
    """`count` Redis database numbers nobody else's stack holds: an atomic SET NX of a claim key in each."""
    import redis

    claimed: list[int] = []
    for number in REDIS_DBS:
        client = redis.Redis(REDIS_HOST, REDIS_PORT, db=number)
        if client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_SECONDS):
            client.flushdb()  # leftovers of a stack that was killed before it could clean up
            client.set(CLAIM_KEY, token, ex=CLAIM_SECONDS)
            claimed.append(number)
            if len(claimed) == count:
                return claimed
    release_redis_dbs(claimed, token)
    raise RuntimeError(f"no {count} free Redis databases among {REDIS_DBS.start}..{REDIS_DBS.stop - 1}")


def release_redis_dbs(numbers: list[int], token: str) -> None:
    import redis

    for number in numbers:
        client = redis.Redis(REDIS_HOST, REDIS_PORT, db=number)
        if client.get(CLAIM_KEY) == token.encode():
            client.flushdb()


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    commands: dict[str, list[str]]
    webserver_url: str
    worker_names: list[str]
    databases: list[str]
    redis_dbs: list[int]
    token: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def upload_dir(self) -> Path:
        return Path(self.env["UPLOAD_DIR"])

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    def log(self, name: str) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, name: str) -> subprocess.Popen:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps writing it
        proc = subprocess.Popen(self.commands[name], env=self.env, cwd=self.root, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group of `name` (a worker's pool children included) and reap it."""
        proc = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # what ignored the polite signal, and orphans in the group
        proc.wait()

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            if self.processes[name].poll() is None or _group_alive(self.processes[name].pid):
                self.kill(name, signal.SIGTERM)
        release_redis_dbs(self.redis_dbs, self.token)
        for name in self.databases:
            with contextlib.suppress(Exception):
                _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def wait_ready(self, timeout: float = 180) -> None:
        """Until the webserver answers /server_info, the daemon has a heartbeat and every worker answers a ping."""
        deadline = time.monotonic() + timeout
        waiting = ["webserver", "daemon", "workers"]
        while waiting:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout} s: {', '.join(waiting)}")
            ready = {"webserver": lambda: server_info(self.webserver_url) is not None,
                     "daemon": lambda: bool(self.daemon_heartbeats()),
                     "workers": lambda: set(self.worker_names) <= set(ping_workers(self.env))}
            if ready[waiting[0]]():
                waiting.pop(0)
            else:
                time.sleep(1)

    def daemon_heartbeats(self) -> dict:
        with self.instance() as instance:
            return instance.get_daemon_heartbeats()

    @contextlib.contextmanager
    def instance(self):
        """The stack's Dagster instance (its PostgreSQL storage), loaded in this process."""
        import dagster as dg

        with _environ(self.env):
            instance = dg.DagsterInstance.get()
        with instance:
            yield instance


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@contextlib.contextmanager
def _environ(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def server_info(url: str) -> dict | None:
    import json

    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def ping_workers(env: dict[str, str], timeout: float = 3) -> list[str]:
    """Names of the Celery workers that answer a ping on the broker in env (as the compose healthcheck does)."""
    from celery import Celery

    app = Celery(broker=env["DAGSTER_CELERY_BROKER_URL"], backend=env["DAGSTER_CELERY_BACKEND_URL"])
    try:
        replies = app.control.ping(timeout=timeout) or []
    except Exception:  # noqa: BLE001 - broker unreachable: nobody answers
        return []
    finally:
        app.close()
    return sorted(name for reply in replies for name in reply)


def stack_commands(compose: dict, grpc_port: int, web_port: int, workers: int) -> dict[str, list[str]]:
    """The compose services' commands, with the rewrites the module docstring lists."""
    def rewrite(command: list[str]) -> list[str]:
        out = []
        for arg in command:
            arg = IMAGE_FILES.get(arg, arg)
            out.append(str(arg).replace("0.0.0.0", "127.0.0.1"))
        return out

    services = compose["services"]
    grpc = rewrite(services["user_code"]["command"])
    grpc[grpc.index("-p") + 1] = str(grpc_port)
    web = rewrite(services["webserver"]["command"])
    web[web.index("-p") + 1] = str(web_port)
    commands = {"user_code": grpc, "webserver": web, "daemon": rewrite(services["daemon"]["command"])}
    worker = rewrite(services["celery_worker"]["command"])
    for i in range(1, workers + 1):
        named = list(worker)
        named[named.index("--name") + 1] = f"{worker[worker.index('--name') + 1]}{i}"
        commands[f"worker{i}"] = named
    return commands


def create_stack(root: Path | None = None, workers: int | None = None, overrides: dict[str, str] | None = None) -> Stack:
    """Fresh databases, claimed Redis databases, DAGSTER_HOME and folders; nothing started yet."""
    compose = compose_spec()
    workers = workers or int(compose["services"]["celery_worker"].get("deploy", {}).get("replicas", 1))
    root = Path(root or tempfile.mkdtemp(prefix="anomaly_stack_"))
    token = uuid.uuid4().hex
    suffix = token[:8]
    instance_db, warehouse_db = f"stack_dagster_{suffix}", f"stack_warehouse_{suffix}"
    redis_dbs = claim_redis_dbs(2, token)
    databases: list[str] = []
    try:
        for name in (instance_db, warehouse_db):
            _admin(f'CREATE DATABASE "{name}"')
            databases.append(name)
    except Exception:
        release_redis_dbs(redis_dbs, token)
        for name in databases:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        raise
    home = root / "dagster_home"
    for folder in (home, root / "logs", root / "uploads", root / "store"):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")
    grpc_port, web_port = free_port(), free_port()
    env = {k: str(v) for k, v in compose["x-app-env"].items()}
    hosts = {"postgres": "127.0.0.1", "redis": "127.0.0.1"}
    env.update({
        "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
                        + f"/{warehouse_db}",
        "UPLOAD_DIR": str(root / "uploads"), "ANOMALY_DATA_DIR": str(root / "store"),
        "DAGSTER_CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_dbs[0]}",
        "DAGSTER_CELERY_BACKEND_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_dbs[1]}",
        "DAGSTER_PG_USERNAME": "postgres", "DAGSTER_PG_PASSWORD": "trust", "DAGSTER_PG_DB": instance_db,
        "DAGSTER_PG_HOST": hosts.get(env["DAGSTER_PG_HOST"], env["DAGSTER_PG_HOST"]),
        "DAGSTER_GRPC_HOST": "127.0.0.1", "DAGSTER_GRPC_PORT": str(grpc_port),
        "DAGSTER_WEBSERVER_URL": f"http://127.0.0.1:{web_port}",
    })
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "EXECUTOR", "DATABASE_URL"))}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))
    env = {**base, **env, "DAGSTER_HOME": str(home), **(overrides or {})}
    return Stack(root=root, env=env, commands=stack_commands(compose, grpc_port, web_port, workers),
                 webserver_url=f"http://127.0.0.1:{web_port}", worker_names=[],
                 databases=databases, redis_dbs=redis_dbs, token=token)


def start_stack(stack: Stack, timeout: float = 180) -> Stack:
    """Start every process (gRPC code server first) and wait until all of them are healthy."""
    import platform

    stack.start("user_code")
    _wait_grpc(stack, timeout)
    for name in stack.commands:
        if name != "user_code":
            stack.start(name)
    host = platform.node()
    stack.worker_names = [f"{cmd[cmd.index('--name') + 1]}@{host}" for name, cmd in stack.commands.items()
                          if name.startswith("worker")]
    stack.wait_ready(timeout)
    return stack


def _wait_grpc(stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    port = int(stack.env["DAGSTER_GRPC_PORT"])
    while time.monotonic() < deadline:
        if stack.processes["user_code"].poll() is not None:
            raise RuntimeError(f"user_code exited:\n{stack.log('user_code')[-3000:]}")
        check = subprocess.run(["dagster", "api", "grpc-health-check", "-p", str(port)], env=stack.env,
                               capture_output=True)
        if check.returncode == 0:
            return
        time.sleep(1)
    raise TimeoutError(f"the gRPC code server did not answer on port {port} within {timeout} s")


@contextlib.contextmanager
def running_stack(root: Path | None = None, workers: int | None = None, overrides: dict[str, str] | None = None):
    stack = create_stack(root, workers, overrides)
    try:
        yield start_stack(stack)
    finally:
        stack.stop()


def main() -> int:
    with running_stack() as stack:
        print(f"webserver  {stack.webserver_url}")
        print(f"UPLOAD_DIR {stack.upload_dir}")
        print(f"warehouse  {stack.database_url}")
        print(f"workers    {', '.join(stack.worker_names)}")
        print(f"logs       {stack.root / 'logs'}   (Ctrl-C stops everything)")
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
