"""Run status read while the run writes it, as the API's status answers and the CLI's progress display do,
on the ephemeral instance a process uses without DAGSTER_HOME."""

from __future__ import annotations

import shutil
import threading

from anomaly_pipeline.app.runs import RunService
from anomaly_pipeline.ingest.files import sha256_file, upload_id_for
from anomaly_pipeline_tests.conftest import real_file

XERO = "csv/reubano__csv2ofx__xero.csv"


def _follow(service: RunService, run_id: str) -> tuple[dict, list[BaseException]]:
    """Two threads read the run's state without pause until its thread is done; the last state and their errors."""
    errors: list[BaseException] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            try:
                service.state(run_id)
            except Exception as exc:  # noqa: BLE001 - collected: the test asserts there were none
                errors.append(exc)

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    for thread in pollers:
        thread.start()
    try:
        while True:
            submitted = service.submitted(run_id)
            if submitted.outcome is not None or submitted.error is not None:
                break
            done.wait(0.05)
    finally:
        done.set()
        for thread in pollers:
            thread.join()
    return service.state(run_id), errors


def test_status_read_during_runs_never_breaks_them(pg_env, tmp_path, monkeypatch):
    dropped = tmp_path / "incoming" / "xero.csv"
    dropped.parent.mkdir()
    shutil.copy(real_file(XERO), dropped)
    upload_id = upload_id_for(sha256_file(dropped))
    service = RunService()
    try:
        run_id = service.submit_upload(dropped, "xero.csv", upload_id, None)
        state, errors = _follow(service, run_id)
        assert errors == [] and state["status"] == "succeeded" and state["steps_done"] == state["steps_total"]
        # a finished run's answer is kept: polling it reads nothing more from the instance
        read = []
        with monkeypatch.context() as patch:
            patch.setattr(service.instance, "get_run_by_id", lambda run: read.append(run))
            assert service.state(run_id) == state and read == []
        for strategy in ("conservative", "aggressive"):
            state, errors = _follow(service, service.submit_rescore(upload_id, strategy, None))
            assert errors == []
            assert (state["status"], state["strategy"], state["error"]) == ("succeeded", strategy, None)
    finally:
        service.close()
