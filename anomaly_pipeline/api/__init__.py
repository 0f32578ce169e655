"""The HTTP API (FastAPI): `anomaly-pipeline serve`, or any ASGI server with `anomaly_pipeline.api.app:app`.
Every route calls the application layer (`anomaly_pipeline.app`); nothing here reads files, scores or
writes SQL on its own."""
