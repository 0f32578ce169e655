"""The file-drop sensor: one partition and one run per new, completely written file in UPLOAD_DIR.

A tick only lists, stats and hashes files (bounded chunks); it parses nothing. A file is taken once its
size and mtime are unchanged since the previous tick and it was last written at least FILE_SETTLE_SECONDS
ago (for writers that pause longer than a tick, such as slow network copies). Byte-identical content that is
already a partition is a duplicate: it is moved aside, not loaded again.
"""


import json
import time
from pathlib import Path

import dagster as dg

from anomaly_pipeline.ingest.files import set_aside, sha256_file
from anomaly_pipeline.orchestration.jobs import process_upload_job
from anomaly_pipeline.orchestration.partitions import partition_key_for, uploads_partitions
from anomaly_pipeline.settings import get_settings

IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".mapping.yaml", ".reason.txt")
MAX_REQUESTS_PER_TICK = 50


def ensure_upload_dir(upload_dir: Path) -> str | None:
    """Create UPLOAD_DIR when missing; why it cannot be watched, or None."""
    try:
        upload_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"UPLOAD_DIR={upload_dir} does not exist and cannot be created: {exc.strerror or exc}"
    return None


def candidate_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.is_dir():
        return []
    return sorted(
        p for p in upload_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(IGNORED_SUFFIXES)
    )


@dg.sensor(job=process_upload_job, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Registers a partition and requests a run for each new file dropped into UPLOAD_DIR.")
def upload_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    settings = get_settings()
    if not settings.upload_dir.is_dir():
        problem = ensure_upload_dir(settings.upload_dir)
        if problem:  # a failed tick: red in the UI's sensor history and in the daemon's log, every tick
            raise RuntimeError(f"{problem}: no file can be picked up until it exists")
        context.log.info(f"created UPLOAD_DIR={settings.upload_dir}")
    previous = json.loads(context.cursor) if context.cursor else {}
    seen: dict[str, list] = previous.get("seen", {})
    requested: dict[str, str] = previous.get("requested", {})
    known = set(context.instance.get_dynamic_partitions(uploads_partitions.name))
    new_keys: list[str] = []
    run_requests: list[dg.RunRequest] = []
    now_seen: dict[str, list] = {}
    for path in candidate_files(settings.upload_dir):
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns]
        name = str(path)
        now_seen[name] = signature
        if seen.get(name) != signature or time.time() - stat.st_mtime < settings.file_settle_seconds:
            continue  # first sighting, still growing or written too recently: wait for a quiet tick
        if name in requested and len(run_requests) < MAX_REQUESTS_PER_TICK:
            continue  # its run is queued or running; the run moves it out of the folder
        key = partition_key_for(sha256_file(path))
        if key in known or key in new_keys:
            moved = set_aside(path, settings.duplicates_dir, key, f"duplicate of upload {key} (identical content)")
            context.log.info(f"{path.name}: identical content is already upload {key}; moved to {moved}")
            now_seen.pop(name, None)
            continue
        if len(run_requests) >= MAX_REQUESTS_PER_TICK:
            break
        new_keys.append(key)
        requested[name] = key
        run_requests.append(dg.RunRequest(
            partition_key=key, run_key=key, tags={"upload_file": path.name[:200]},
            run_config={"ops": {"raw_upload": {"config": {"path": name, "file_name": path.name, "move": True}}}},
        ))
    requested = {p: k for p, k in requested.items() if p in now_seen}
    cursor = json.dumps({"seen": now_seen, "requested": requested})
    if not run_requests:
        return dg.SensorResult(skip_reason="no new, completely written files", cursor=cursor)
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[uploads_partitions.build_add_request(new_keys)],
        cursor=cursor,
    )
