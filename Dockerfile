FROM python:3.11-slim
WORKDIR /opt/anomaly_pipeline
COPY pyproject.toml README.md alembic.ini workspace.yaml ./
COPY anomaly_pipeline ./anomaly_pipeline
RUN pip install --no-cache-dir . dagster-celery
ENV DAGSTER_HOME=/opt/dagster/home
RUN mkdir -p $DAGSTER_HOME
COPY dagster.yaml $DAGSTER_HOME/dagster.yaml
