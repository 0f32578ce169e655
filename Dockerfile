# One image for every Python service of docker-compose.yml: user code, webserver, daemon, Celery workers.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/home
WORKDIR /opt/anomaly_pipeline
COPY pyproject.toml README.md alembic.ini workspace.yaml ./
COPY anomaly_pipeline ./anomaly_pipeline
RUN pip install --no-cache-dir ".[deploy]"
RUN mkdir -p "$DAGSTER_HOME" /data/uploads /data/store
COPY deploy/dagster.yaml $DAGSTER_HOME/dagster.yaml
COPY deploy/workspace.yaml /opt/dagster/workspace.yaml
COPY deploy/celery.yaml /opt/dagster/celery.yaml
