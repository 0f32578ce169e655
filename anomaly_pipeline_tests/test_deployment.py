"""The docker-compose deployment agrees with the code: services and healthchecks, every setting the app reads,
mounts matching UPLOAD_DIR / ANOMALY_DATA_DIR, the two PostgreSQL drivers, the Celery executor switch.
Docker is not needed: the files are parsed, and dagster.yaml is loaded as a real instance on PostgreSQL."""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import uuid
from urllib.parse import urlsplit

import dagster as dg
import jsonschema
import psycopg
import pytest
import yaml

from anomaly_pipeline_tests.conftest import PG_ADMIN_URL, REPO

PACKAGE = REPO / "anomaly_pipeline"
SERVICES = {"postgres", "redis", "user_code", "celery_worker", "webserver", "daemon", "api"}
RUNS_PIPELINE_CODE = ("user_code", "celery_worker", "api")  # sensors, schedules, run workers, steps; the API's runs
LOADS_INSTANCE = ("user_code", "celery_worker", "webserver", "daemon", "api")


@pytest.fixture(scope="module")
def compose() -> dict:
    """The file as compose reads it, with the defaults of its ${VAR:-default} (no .env in the test)."""
    from deploy.local_stack import compose_spec

    return compose_spec()


@pytest.fixture(scope="module")
def instance_yaml() -> dict:
    return yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())


def _env(compose: dict, service: str) -> dict[str, str]:
    return {k: str(v) for k, v in (compose["services"][service].get("environment") or {}).items()}


def _mounts(compose: dict, service: str) -> dict[str, str]:
    """container path -> source (host path or named volume)."""
    out = {}
    for entry in compose["services"][service].get("volumes", []):
        source, target, *_ = entry.split(":")
        out[target] = source
    return out


def _variables_read_by_the_app() -> set[str]:
    """Every environment variable name the package reads (os.environ.get / [] / os.getenv with a literal)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = ast.unparse(node.func)
                if func in ("os.environ.get", "os.getenv", "environ.get"):
                    names.add(node.args[0].value)
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                    and isinstance(node.slice, ast.Constant):
                names.add(node.slice.value)
    return names


def _dockerfile_env() -> set[str]:
    text = (REPO / "Dockerfile").read_text()
    names = set()
    for block in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", text, re.M):
        names |= set(re.findall(r"(\w+)=", block))
    return names


def _instance_env_vars(instance_yaml: dict) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"env"}:
                found.add(node["env"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(instance_yaml)
    return found


def test_the_compose_file_is_valid_under_the_compose_specification(compose):
    """The schema check `docker compose config` makes, with the Compose Specification's own schema
    (deploy/compose_spec); a misspelled key or a wrongly typed value is caught the same way."""
    schema = json.loads((REPO / "deploy" / "compose_spec" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    assert [error.message for error in validator.iter_errors(compose)] == []
    # and the references compose resolves after the schema: services waited for, named volumes mounted
    for name, service in compose["services"].items():
        assert set(service.get("depends_on") or ()) <= set(compose["services"]) - {name}, name
        named = {str(v).split(":")[0] for v in service.get("volumes", []) if not str(v).startswith((".", "/", "~"))}
        assert named <= set(compose.get("volumes") or {}), name
    broken = copy.deepcopy(compose)
    broken["services"]["daemon"]["comand"] = broken["services"]["daemon"].pop("command")
    broken["services"]["webserver"]["ports"] = "3000"
    messages = sorted(error.message for error in validator.iter_errors(broken))
    assert messages == ["'3000' is not of type 'array'",
                        "'comand' does not match any of the regexes: '^x-'"]


def test_every_service_is_there_with_a_healthcheck(compose):
    assert set(compose["services"]) == SERVICES
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL") and check.get("interval"), name
    for name in LOADS_INSTANCE:
        assert compose["services"][name]["depends_on"], name


def test_every_setting_the_app_reads_is_provided(compose):
    read = _variables_read_by_the_app()
    assert {"DATABASE_URL", "UPLOAD_DIR", "ANOMALY_DATA_DIR", "MAX_FILE_SIZE", "ALLOWED_FILE_TYPES",
            "DEFAULT_STRATEGY", "RESCORE_CRON", "RESCORE_RECENT_DAYS", "EXECUTOR", "DAGSTER_HOME"} <= read
    from_image = _dockerfile_env()
    assert "DAGSTER_HOME" in from_image
    for service in RUNS_PIPELINE_CODE + ("daemon",):
        missing = read - set(_env(compose, service)) - from_image
        assert not missing, f"{service} lacks {sorted(missing)}"


def test_upload_and_data_folders_are_mounted_where_the_settings_point(compose):
    sources = {}
    for service in RUNS_PIPELINE_CODE:
        env, mounts = _env(compose, service), _mounts(compose, service)
        assert env["UPLOAD_DIR"] in mounts and env["ANOMALY_DATA_DIR"] in mounts, service
        sources[service] = (mounts[env["UPLOAD_DIR"]], mounts[env["ANOMALY_DATA_DIR"]])
    # the gRPC server that runs sensors and the workers that run steps see the same files
    assert len(set(sources.values())) == 1
    uploads, store = next(iter(sources.values()))
    assert uploads.startswith("./")  # users drop files into a host folder
    assert store in compose["volumes"]  # a named volume survives container rebuilds


def test_warehouse_and_instance_use_their_own_postgres_drivers(compose, instance_yaml):
    pg = compose["services"]["postgres"]["environment"]
    for service in LOADS_INSTANCE:
        env = _env(compose, service)
        url = urlsplit(env["DATABASE_URL"])
        assert url.scheme == "postgresql+psycopg"  # psycopg 3 for the warehouse (COPY)
        assert (url.hostname, url.port, url.username, url.password, url.path.lstrip("/")) == (
            "postgres", 5432, pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"])
        storage = instance_yaml["storage"]["postgres"]
        if "postgres_url" in storage:
            assert str(storage["postgres_url"]).startswith("postgresql+psycopg2://")
        fields = storage["postgres_db"]
        assert fields["scheme"] == "postgresql+psycopg2"  # psycopg 3 (SQLAlchemy 2.1's default) breaks NOTIFY
        resolved = {k: env[v["env"]] if isinstance(v, dict) else str(v) for k, v in fields.items()}
        assert resolved["hostname"] == "postgres" and resolved["port"] == "5432"
        assert (resolved["username"], resolved["password"]) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
        assert not _instance_env_vars(instance_yaml) - set(env), service
        init = (REPO / "deploy" / "init-dagster-db.sql").read_text()
        assert re.search(rf"CREATE DATABASE {re.escape(resolved['db_name'])}\b", init)
        assert resolved["db_name"] != pg["POSTGRES_DB"]  # instance tables apart from the warehouse


def test_queued_runs_with_a_concurrency_limit(compose, instance_yaml):
    coordinator = instance_yaml["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    limit = coordinator["config"]["max_concurrent_runs"]
    assert int(_env(compose, "daemon")[limit["env"]]) > 0
    assert instance_yaml["run_monitoring"]["enabled"] is True


def test_celery_executor_is_wired_through_the_env_switch(compose, monkeypatch):
    celery_conf = yaml.safe_load((REPO / "deploy" / "celery.yaml").read_text())["execution"]["config"]
    for service in RUNS_PIPELINE_CODE:
        env = _env(compose, service)
        assert env["EXECUTOR"] == "celery"
        for key in ("broker", "backend"):
            url = urlsplit(env[celery_conf[key]["env"]])
            assert (url.scheme, url.hostname) == ("redis", "redis")
    worker = compose["services"]["celery_worker"]["command"]
    assert worker[:3] == ["dagster-celery", "worker", "start"] and "/opt/dagster/celery.yaml" in worker
    assert "deploy/celery.yaml /opt/dagster/celery.yaml" in (REPO / "Dockerfile").read_text()
    grpc = compose["services"]["user_code"]["command"]
    workspace = yaml.safe_load((REPO / "deploy" / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]
    for service in ("webserver", "daemon"):  # the workspace names the gRPC server through the environment
        env = _env(compose, service)
        assert env[workspace["host"]["env"]] == "user_code"
        assert env[workspace["port"]["env"]] == grpc[grpc.index("-p") + 1]

    from anomaly_pipeline.orchestration.executor import executor_from_env

    monkeypatch.delenv("EXECUTOR", raising=False)
    assert executor_from_env() is dg.in_process_executor  # local, dev and tests: a run's steps in its process
    monkeypatch.setenv("EXECUTOR", "multiprocess")
    assert executor_from_env() is dg.multiprocess_executor
    monkeypatch.setenv("EXECUTOR", "celery")
    assert executor_from_env().name == "celery"
    monkeypatch.setenv("EXECUTOR", "spark")
    with pytest.raises(RuntimeError, match="EXECUTOR='spark'"):
        executor_from_env()


def test_image_copies_only_existing_files_and_installs_the_deploy_extra():
    text = (REPO / "Dockerfile").read_text()
    assert "COPY deploy/dagster.yaml $DAGSTER_HOME/dagster.yaml" in text
    for line in re.findall(r"^COPY\s+(.+)$", text, re.M):
        *sources, _target = line.split()
        for source in sources:
            assert (REPO / source).exists(), source
    assert 'pip install --no-cache-dir ".[deploy]"' in text
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^deploy = \[.*"dagster-celery', pyproject, re.M)


def test_root_dagster_yaml_loads_with_no_environment_for_dagster_dev(tmp_path, monkeypatch):
    """`dagster dev` from the root uses ./dagster.yaml for its temporary instance: it must need nothing set."""
    for key in [k for k in os.environ if k.startswith("DAGSTER_")]:
        monkeypatch.delenv(key)
    home = tmp_path / "dev_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 4
    assert not _instance_env_vars(yaml.safe_load((REPO / "dagster.yaml").read_text()))


def test_instance_yaml_loads_on_postgres_with_psycopg2(tmp_path, monkeypatch):
    """dagster.yaml as shipped, against the local PostgreSQL: a run can be stored and the queue is configured."""
    name = f"dagster_instance_{uuid.uuid4().hex[:8]}"
    admin = urlsplit(PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        home = tmp_path / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text((REPO / "deploy" / "dagster.yaml").read_text())
        for key, value in {"DAGSTER_HOME": str(home), "DAGSTER_PG_USERNAME": admin.username or "postgres",
                           "DAGSTER_PG_PASSWORD": admin.password or "unused", "DAGSTER_PG_HOST": admin.hostname,
                           "DAGSTER_PG_PORT": str(admin.port or 5432), "DAGSTER_PG_DB": name,
                           "DAGSTER_MAX_CONCURRENT_RUNS": "3"}.items():
            monkeypatch.setenv(key, value)
        with dg.DagsterInstance.get() as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 3
            from anomaly_pipeline.definitions import defs

            run = instance.create_run_for_job(job_def=defs.resolve_job_def("rescore_upload"),
                                              tags={"dagster/partition": "abc"})
            assert instance.get_run_by_id(run.run_id).tags["dagster/partition"] == "abc"
            instance.report_engine_event("deployment test", run)  # the event write that NOTIFYs listeners
            assert any(e.message == "deployment test" for e in instance.all_logs(run.run_id))
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
