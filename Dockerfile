# Production image: `remote-bot serve` with dependencies installed from the pinned lock file.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir --no-deps . && useradd --create-home bot
USER bot
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
CMD ["remote-bot", "serve"]
