# syntax=docker/dockerfile:1
# The ecom_pipeline image. Its default command is the Dagster code location (gRPC on 4000); docker-compose.yml
# runs the webserver (3000) and the daemon from the same image.
FROM python:3.11-slim

# The virtual environment lives outside the source tree, so copying the project never shadows it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/dagster/venv \
    PATH=/opt/dagster/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    ECOM_HOME=/opt/dagster/ecom

# The uv that wrote uv.lock.
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/dagster/app

# Dependencies first, from the lock file alone: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself.
COPY . .
RUN uv sync --frozen --no-dev

# The environment is complete: `uv run` in the image must neither re-resolve nor install (dev tools included).
ENV UV_FROZEN=1 \
    UV_NO_SYNC=1

# The instance: PostgreSQL storage configured from DAGSTER_PG_* at run time.
COPY deploy/dagster.yaml ${DAGSTER_HOME}/dagster.yaml
RUN mkdir -p "${ECOM_HOME}"

# dagster-dbt loads target/manifest.json at import time: parse the dbt project (dbt parse), when there is one, at
# build time, recording the project digest it was parsed from so the code server does not parse it again.
RUN if [ -f dbt_project/dbt_project.yml ]; then uv run python -m ecom_pipeline.defs.dbt_project; fi

# 4000: the code location's gRPC server; 3000: the webserver (same image, other command).
EXPOSE 4000 3000

CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "ecom_pipeline.definitions"]
