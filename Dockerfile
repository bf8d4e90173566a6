# Production image: `remote-bot serve`, with only the runtime dependencies of requirements.lock.
#
# The base is pinned by its full Python version and Debian release: 3.11.7, the Python the locks and the
# test suite run on, on Debian 12 (bookworm), so a rebuild never moves to another Python or Debian.
# To pin the very bytes too, take the tag's digest (the multi-platform index digest, the "Digest:" line)
# and build from it (see README, "Running with Docker"):
#   docker buildx imagetools inspect python:3.11.7-slim-bookworm | awk '/^Digest:/ {print $2}' > base-image.digest
#   docker build --build-arg PYTHON_IMAGE="python:3.11.7-slim-bookworm@$(cat base-image.digest)" -t remote-bot .
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

# Stage 1: build a virtualenv from the hashed runtime lock, then the project (no dependencies).
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation .

# Stage 2: the virtualenv alone, run by an unprivileged user; no pip cache, no sources, no tests.
FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 bot
COPY --from=build /opt/venv /opt/venv
# /metrics listens on every address inside the container; publish METRICS_PORT only where Prometheus
# scrapes it (it is not meant for the internet, unlike PORT).
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PORT=3000 METRICS_HOST=0.0.0.0 METRICS_PORT=9464
USER bot
WORKDIR /home/bot
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
ENTRYPOINT ["remote-bot"]
CMD ["serve"]
