"""The HTTP API through a real uvicorn server on loopback, on SQLite and on PostgreSQL: upload a real file,
follow it to `loaded`, read the same anomalies the CLI prints, rescore, explain one transaction, and every
error path answered as JSON with its status code."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from anomaly_pipeline.cli import main
from anomaly_pipeline_tests.api.server import postgres_database, running_server, wait_for
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"
BAD_DATES = "csv/bank2ynab__bank2ynab__TH_20180101-20180523_page_1.csv"
MAX_FILE_SIZE = 200_000


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"api_{request.param}")
    if request.param == "sqlite":
        with running_server(folder, f"sqlite:///{folder / 'warehouse.db'}", MAX_FILE_SIZE=str(MAX_FILE_SIZE),
                            CORS_ORIGINS='["http://localhost:3000"]') as srv:
            yield srv
    else:
        with postgres_database() as url, running_server(folder, url, MAX_FILE_SIZE=str(MAX_FILE_SIZE),
                                                        CORS_ORIGINS='["http://localhost:3000"]') as srv:
            yield srv


@pytest.fixture(scope="module")
def loaded(server) -> dict:
    """XERO uploaded with the aggressive strategy and followed to `loaded`."""
    with server.client() as client, real_file(XERO).open("rb") as fh:
        answer = client.post("/upload", files={"file": ("xero export.csv", fh, "text/csv")},
                             data={"strategy": "aggressive"})
        assert answer.status_code == 202, answer.text
        accepted = answer.json()
        assert accepted["status"] == "received" and accepted["run_id"]
        assert answer.headers["location"] == accepted["status_url"] == f"/api/v1/upload/{accepted['upload_id']}/status"
        final = wait_for(client, accepted["status_url"].removeprefix("/api/v1"), ("loaded", "failed", "rejected"))
    assert final["status"] == "loaded", final
    return final


def _cli(server, monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    for name in ("DATABASE_URL", "ANOMALY_DATA_DIR", "UPLOAD_DIR", "DEFAULT_STRATEGY"):
        monkeypatch.setenv(name, server.env[name])
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_a_zero_config_start_prints_a_key_and_nothing_answers_without_one(server):
    assert server.key and server.key.startswith("ap_")
    with server.client(key=None) as anonymous:
        assert anonymous.get("/health/liveness").json() == {"status": "alive"}
        assert anonymous.get("/health/readiness").json() == {"status": "ready"}
        for method, path in (("GET", "/health"), ("GET", "/health/detailed"), ("GET", "/upload/history"),
                             ("GET", "/transactions"), ("GET", "/transactions/anomalies"), ("GET", "/strategies"),
                             ("POST", "/upload"), ("POST", "/analysis/run")):
            answer = anonymous.request(method, path)
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json() == {"detail": "missing API key: send Authorization: Bearer <key>"}
            assert answer.headers["www-authenticate"] == "Bearer"
    with server.client(key="ap_not-a-key") as wrong:
        assert wrong.get("/health").status_code == 401
        assert wrong.get("/health").json() == {"detail": "invalid or revoked API key"}
    with server.client() as client:
        assert client.get("/health").json() == {"status": "ok"}
        detailed = client.get("/health/detailed").json()
        assert {c["check"] for c in detailed["checks"]} >= {"database", "migrations", "upload dir", "data dir"}
        assert next(c for c in detailed["checks"] if c["check"] == "database")["status"] == "ok"


def test_keys_are_created_listed_and_revoked_with_the_cli(server, monkeypatch, capsys):
    code, out = _cli(server, monkeypatch, capsys, "apikeys", "create", "review-app")
    assert code == 0
    key = out.strip().splitlines()[-1]
    with server.client(key=key) as client:
        assert client.get("/health").status_code == 200
    code, out = _cli(server, monkeypatch, capsys, "apikeys", "list", "--format", "json")
    listed = json.loads(out)
    mine = next(k for k in listed if k["name"] == "review-app")
    assert mine["prefix"] == key[:10] and mine["revoked_at"] is None and "key_hash" not in mine
    assert key not in out
    assert _cli(server, monkeypatch, capsys, "apikeys", "revoke", str(mine["key_id"]))[0] == 0
    with server.client(key=key) as client:
        assert client.get("/health").status_code == 401
    assert _cli(server, monkeypatch, capsys, "apikeys", "revoke", str(mine["key_id"]))[0] == 1


def test_an_uploaded_file_is_loaded_and_its_anomalies_are_the_cli_rows(server, loaded, monkeypatch, capsys):
    upload_id = loaded["upload_id"]
    assert loaded["file_name"] == "xero export.csv" and loaded["transaction_count"] == 13
    assert loaded["strategy"] == "aggressive" and loaded["flagged"] == 9
    assert loaded["mapping"]["columns"]["amount"] == "NetAmount" and loaded["run_status"] == "succeeded"
    with server.client() as client:
        page = client.get("/transactions/anomalies", params={"upload_id": upload_id, "strategy": "aggressive",
                                                             "limit": 500}).json()
        first = client.get("/transactions/anomalies", params={"upload_id": upload_id, "strategy": "aggressive",
                                                              "limit": 4}).json()
        rest = client.get("/transactions/anomalies", params={"upload_id": upload_id, "strategy": "aggressive",
                                                             "limit": 4, "offset": 4}).json()
    code, out = _cli(server, monkeypatch, capsys, "anomalies", "--upload", upload_id, "--strategy", "aggressive",
                     "--format", "json")
    assert code == 0
    cli_rows = json.loads(out)
    assert len(cli_rows) == 9 and not page["has_more"]
    assert [{k: v for k, v in row.items() if k != "id"} for row in page["items"]] == cli_rows
    assert [r["id"] for r in page["items"]] == [f"{upload_id}-{r['transaction_id']}" for r in cli_rows]
    assert first["has_more"] and first["items"] + rest["items"] == page["items"][:8]
    # the archive holds the original; nothing is left where the server received it
    assert [p.name for p in (server.data_dir / "archive" / upload_id).iterdir()] == ["xero_export.csv"]
    assert [p for p in (server.data_dir / "incoming").rglob("*") if p.is_file()] == []


def test_a_byte_identical_upload_answers_with_the_existing_upload(server, loaded):
    with server.client() as client, real_file(XERO).open("rb") as fh:
        answer = client.post("/upload", files={"file": ("again.csv", fh)})
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "duplicate" and body["upload_id"] == loaded["upload_id"]
    assert body["file_name"] == "xero export.csv" and body["transaction_count"] == 13


def test_an_unreadable_file_ends_rejected_with_the_cli_reason(server, monkeypatch, capsys):
    with server.client() as client, real_file(BAD_DATES).open("rb") as fh:
        accepted = client.post("/upload", files={"file": ("bank.csv", fh)}).json()
        final = wait_for(client, f"/upload/{accepted['upload_id']}/status", ("loaded", "failed", "rejected"))
        again = client.post("/upload", files={"file": ("bank.csv", real_file(BAD_DATES).read_bytes())})
        rescore = client.post("/analysis/run", json={"upload_ids": [accepted["upload_id"]], "strategy": "balanced"})
    assert final["status"] == "rejected" and final["transaction_count"] == 0
    code, out = _cli(server, monkeypatch, capsys, "uploads", "--format", "json")
    cli = next(u for u in json.loads(out) if u["upload_id"] == accepted["upload_id"])
    assert final["error"] == cli["error"] and "unparsable dates in 9 of 9 rows" in final["error"]
    assert again.status_code == 200 and again.json()["status"] == "rejected"
    assert rescore.status_code == 409
    assert rescore.json() == {"detail": f"upload {accepted['upload_id']} is rejected, not loaded"}


def test_a_format_outside_allowed_file_types_is_rejected_with_the_reason(server):
    with server.client() as client:
        accepted = client.post("/upload", files={"file": ("notes.txt", b"\x00\x01\x02 binary garbage " * 50)})
        assert accepted.status_code == 202
        final = wait_for(client, f"/upload/{accepted.json()['upload_id']}/status", ("loaded", "failed", "rejected"))
    assert final["status"] == "rejected" and final["error"]


def test_a_file_over_max_file_size_is_refused_while_streaming_and_nothing_stays(server):
    too_big = b"date,amount\n" + b"2024-01-01,1\n" * (MAX_FILE_SIZE // 13 + 10)
    boundary = "xyzzy"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():  # no Content-Length: the server only learns the size by reading
        yield head
        for start in range(0, len(too_big), 8192):
            yield too_big[start:start + 8192]
        yield tail

    with server.client() as client:
        streamed = client.post("/upload", content=chunks(),
                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        declared = client.post("/upload", files={"file": ("big.csv", too_big)})
    for answer in (streamed, declared):
        assert answer.status_code == 413
        assert answer.json() == {"detail": f"the file is larger than MAX_FILE_SIZE ({MAX_FILE_SIZE} bytes)"}
    assert [p for p in (server.data_dir / "incoming").rglob("*") if p.is_file()] == []


def test_malformed_uploads_are_400_and_415(server):
    with server.client() as client:
        assert client.post("/upload", json={"file": "x"}).status_code == 415
        no_file = client.post("/upload", files={"other": ("a.csv", b"a,b\n")})
        assert no_file.status_code == 400 and no_file.json() == {"detail": "no `file` part in the form"}
        unknown = client.post("/upload", files={"file": ("a.csv", b"date,amount\n2024-01-01,5\n")},
                              data={"strategy": "no-such"})
        assert unknown.status_code == 422 and unknown.json()["detail"].startswith("strategy: no strategy named")
    assert [p for p in (server.data_dir / "incoming").rglob("*") if p.is_file()] == []


def test_a_transaction_is_explained_with_raw_record_scores_and_voucher(server, loaded):
    upload_id = loaded["upload_id"]
    with server.client() as client:
        top = client.get("/transactions/anomalies", params={"upload_id": upload_id, "strategy": "aggressive",
                                                            "limit": 1}).json()["items"][0]
        detail = client.get(f"/transactions/{top['id']}", params={"strategy": "aggressive"}).json()
        filtered = client.get("/transactions", params={
            "upload_id": upload_id, "strategy": "aggressive", "is_anomaly": "true", "sort": "-risk",
            "min_risk": top["risk_score"], "limit": 500}).json()
        by_amount = client.get("/transactions", params={"upload_id": upload_id, "sort": "amount", "limit": 3,
                                                        "amount_min": -1e6, "text": "a"}).json()
    assert detail["id"] == top["id"] and detail["strategy"] == "aggressive"
    assert detail["transaction"]["transaction_id"] == top["transaction_id"]
    assert detail["transaction"]["account"] == top["account"] and detail["transaction"]["amount"] == top["amount"]
    assert isinstance(detail["raw"], list) and detail["raw"][0] == top["voucher_id"]
    assert detail["risk"]["risk_score"] == top["risk_score"] and detail["risk"]["reasons"] == top["reasons"]
    assert len(detail["algorithms"]) == 36
    fired = [a for a in detail["algorithms"] if a["flagged"]]
    assert fired and sorted(f"{a['algorithm']}: {a['reason']}" for a in fired) == sorted(top["reasons"])
    assert all(line["transaction_id"] != top["transaction_id"] for line in detail["voucher_lines"])
    assert detail["voucher_lines"], "the voucher's other lines"
    assert top["id"] in [t["id"] for t in filtered["items"]]
    assert all(t["is_anomaly"] and t["risk_score"] >= top["risk_score"] for t in filtered["items"])
    amounts = [t["amount"] for t in by_amount["items"]]
    assert amounts == sorted(amounts) and all("a" in t["description"].lower() for t in by_amount["items"])


def test_an_analysis_run_rescores_through_dagster_and_reports_its_results(server, loaded, monkeypatch, capsys):
    upload_id = loaded["upload_id"]
    with server.client() as client:
        answer = client.post("/analysis/run", json={"upload_ids": [upload_id], "strategy": "conservative"})
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["run_id"]
        assert answer.json()["runs"] == [{"upload_id": upload_id, "run_id": run_id,
                                          "status_url": f"/api/v1/analysis/{run_id}/status"}]
        final = wait_for(client, f"/analysis/{run_id}/status", ("succeeded", "failed"))
        results = client.get(f"/analysis/{run_id}/results", params={"limit": 500}).json()
    assert final == {"run_id": run_id, "job": "rescore_upload", "upload_id": upload_id, "strategy": "conservative",
                     "status": "succeeded", "steps_done": final["steps_total"], "steps_total": final["steps_total"],
                     "error": None}
    assert results["upload_id"] == upload_id and results["strategy"] == "conservative"
    assert len(results["algorithms"]) == 36
    assert results["judged_with"] is None  # a CSV naming no entity: judged alone
    code, out = _cli(server, monkeypatch, capsys, "anomalies", "--upload", upload_id, "--strategy", "conservative",
                     "--format", "json")
    cli_rows = json.loads(out)
    assert results["flagged_transactions"] == len(cli_rows) == len(results["items"])
    assert [{k: v for k, v in r.items() if k != "id"} for r in results["items"]] == cli_rows
    assert results["flagged_vouchers"] == len({r["voucher_id"] for r in cli_rows})


def test_strategies_over_http(server, loaded):
    name = f"s-{uuid.uuid4().hex[:6]}"
    with server.client() as client:
        listed = client.get("/strategies").json()
        assert [s["name"] for s in listed if s["is_preset"]] == ["aggressive", "audit_jet", "balanced", "conservative"]
        created = client.post("/strategies", json={"name": name, "threshold": 0.4,
                                                   "algorithms": {"isolation_forest": {"weight": 0.5}}})
        assert created.status_code == 201 and created.json()["version"] == 1
        assert client.post("/strategies", json={"name": name}).status_code == 409
        updated = client.put(f"/strategies/{name}", json={"threshold": 0.6})
        assert updated.status_code == 200 and updated.json()["version"] == 2 and updated.json()["threshold"] == 0.6
        preset = client.put("/strategies/balanced", json={"threshold": 0.6})
        assert preset.status_code == 409 and "is a preset" in preset.json()["detail"]
        invalid = client.post("/strategies", json={"name": f"{name}-x", "threshold": 3})
        assert invalid.status_code == 422 and invalid.json()["detail"].startswith("threshold: ")
        bad_algo = client.put(f"/strategies/{name}", json={"algorithms": {"isolation_forest": {"weight": 7}}})
        assert bad_algo.status_code == 422
        assert bad_algo.json()["detail"].startswith("algorithms.isolation_forest.weight: ")
        assert client.put("/strategies/no-such", json={"threshold": 0.5}).status_code == 404
        preview = client.get(f"/strategies/{name}/preview", params={"upload": loaded["upload_id"]})
        assert preview.status_code == 200
        report = preview.json()
        assert report["strategy"] == name and report["version"] == 2
        assert [u["upload_id"] for u in report["uploads"]] == [loaded["upload_id"]]
        assert client.get(f"/strategies/{name}/preview", params={"upload": "ffffffffffffffff"}).status_code == 404
        assert client.get("/strategies/no-such").status_code == 404


def test_unknown_things_are_404_and_bad_parameters_422(server):
    with server.client() as client:
        for path in ("/upload/ffffffffffffffff/status", "/transactions/ffffffffffffffff-1", "/transactions/x",
                     f"/analysis/{uuid.uuid4()}/status", f"/analysis/{uuid.uuid4()}/results"):
            answer = client.get(path)
            assert answer.status_code == 404, (path, answer.text)
            assert set(answer.json()) == {"detail"} and isinstance(answer.json()["detail"], str)
        for path, params in (("/transactions", {"limit": 501}), ("/transactions/anomalies", {"limit": 0}),
                             ("/transactions", {"sort": "upload_id; drop table x"}),
                             ("/upload/history", {"offset": -1}), ("/upload/NOT-HEX/status", {})):
            answer = client.get(path, params=params)
            assert answer.status_code == 422, (path, params, answer.text)
            assert "detail" in answer.json()
        unknown = client.post("/analysis/run", json={"upload_ids": ["ffffffffffffffff"], "strategy": "balanced"})
        assert unknown.status_code == 422 and unknown.json() == {"detail": "upload_ids: no upload 'ffffffffffffffff'"}
        no_strategy = client.post("/analysis/run", json={"upload_ids": ["ffffffffffffffff"], "strategy": "nope"})
        assert no_strategy.status_code == 422 and no_strategy.json()["detail"].startswith("strategy: ")
        huge = client.post("/analysis/run", json={"upload_ids": ["ffffffffffffffff"], "strategy": "balanced",
                                                  "version": 824607755180443172864})  # found by schemathesis: was a 500
        assert huge.status_code == 422 and "version" in huge.text


def test_cors_answers_the_configured_origin_only(server):
    with server.client() as client:
        allowed = client.options("/transactions", headers={"Origin": "http://localhost:3000",
                                                           "Access-Control-Request-Method": "GET"})
        other = client.options("/transactions", headers={"Origin": "http://evil.example",
                                                         "Access-Control-Request-Method": "GET"})
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in other.headers


def test_readiness_is_503_with_the_reason_when_the_database_does_not_answer(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    with running_server(tmp_path, url, wait_ready=False) as srv, srv.client(key="ap_whatever") as client:
        assert srv.key is None  # no database, no key made: the API does not run open
        assert client.get("/health/liveness").status_code == 200
        ready = client.get("/health/readiness")
        assert ready.status_code == 503 and ready.json()["detail"].startswith(
            "database postgresql+psycopg://postgres@127.0.0.1:1/none")
        guarded = client.get("/transactions")
        assert guarded.status_code == 503 and "database does not answer" in guarded.json()["detail"]
        assert "Traceback" not in guarded.text


def test_keys_are_stored_only_as_hashes(server):
    if not server.env["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("checked on the SQLite file")
    path = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT prefix, key_hash FROM api_keys").fetchall()
    assert rows and all(len(h) == 64 and server.key not in h for _, h in rows)
    assert server.key[:10] in [p for p, _ in rows]


def test_runs_started_over_http_are_runs_of_the_shared_instance_for_that_partition(tmp_path, monkeypatch):
    """With DAGSTER_HOME set (as `dagster dev` or the deployment shares it), an upload and a rescore started
    over HTTP are recorded in that instance under the upload's partition: the UI shows them."""
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    with running_server(tmp_path / "srv", f"sqlite:///{tmp_path / 'warehouse.db'}", DAGSTER_HOME=str(home)) as srv, \
            srv.client() as client, real_file(XERO).open("rb") as fh:
        upload = client.post("/upload", files={"file": ("xero.csv", fh)}).json()
        wait_for(client, upload["status_url"].removeprefix("/api/v1"), ("loaded",))
        rescore = client.post("/analysis/run", json={"upload_ids": [upload["upload_id"]], "strategy": "aggressive"})
        wait_for(client, f"/analysis/{rescore.json()['run_id']}/status", ("succeeded",))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": upload["upload_id"]}))
    runs = {r.dagster_run.run_id: r.dagster_run for r in records}
    assert set(runs) == {upload["run_id"], rescore.json()["run_id"]}
    assert runs[upload["run_id"]].job_name == "process_upload" and runs[upload["run_id"]].tags["upload_file"] == "xero.csv"
    assert runs[rescore.json()["run_id"]].job_name == "rescore_upload"
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs.values())


def test_history_pages_uploads_newest_first_whatever_their_state(server, loaded):
    """A rejected upload and one still queued (no warnings recorded yet) are listed like a loaded one."""
    with server.client() as client:
        queued = client.post("/upload", files={"file": ("fresh.csv", b"date,amount\n2024-01-01,1\n2024-01-02,7\n")})
        assert queued.status_code == 202
        page = client.get("/upload/history", params={"limit": 500}).json()
        first = client.get("/upload/history", params={"limit": 1}).json()
    ids = [u["upload_id"] for u in page["items"]]
    assert loaded["upload_id"] in ids and not page["has_more"]
    assert first["items"][0]["upload_id"] == ids[0] and first["has_more"] == (len(ids) > 1)
    assert all(isinstance(u["warnings"], list) and u["status_url"].endswith("/status") for u in page["items"])


def test_a_mapping_sidecar_sent_with_the_file_decides_the_columns(server):
    body = "Dag;Summa;Konto nr;Vad\n2024-01-05;120,50;1930;Hyra\n2024-01-06;-80,00;2440;Kaffe\n" \
           "2024-01-07;99,00;1930;Porto\n"
    mapping = "posting_date: Dag\namount: Summa\naccount: Konto nr\ndescription: Vad\n"
    with server.client() as client:
        accepted = client.post("/upload", files={"file": ("odd headers.csv", body.encode()),
                                                 "mapping": ("odd headers.csv.mapping.yaml", mapping.encode())})
        assert accepted.status_code == 202, accepted.text
        final = wait_for(client, f"/upload/{accepted.json()['upload_id']}/status", ("loaded", "failed", "rejected"))
        rows = client.get("/transactions", params={"upload_id": final["upload_id"], "sort": "id"}).json()["items"]
    assert final["status"] == "loaded" and final["transaction_count"] == 3
    assert final["mapping"]["columns"]["account"] == "Konto nr"
    assert [(r["account"], r["amount"], r["description"]) for r in rows] == [
        ("1930", 120.5, "Hyra"), ("2440", -80.0, "Kaffe"), ("1930", 99.0, "Porto")]
    archived = sorted(p.name for p in (server.data_dir / "archive" / final["upload_id"]).iterdir())
    assert archived == ["odd_headers.csv", "odd_headers.csv.mapping.yaml"]
