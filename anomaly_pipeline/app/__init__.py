"""The application layer: what the CLI and the HTTP API call, and all they call.

    uploads.py     process files (the Dagster job), submit an upload to a warm process, history, status
    results.py     anomalies, one transaction explained, the auditor workbook
    strategies.py  strategies: list, show, create, update, delete, export, preview, apply (rescore)
    health.py      the doctor's checks, readiness
    errors.py      NotFound / Conflict / Invalid: what a face turns into an exit code or an HTTP status

Neither face reaches into readers, detectors, SQL or Dagster on its own.
"""
