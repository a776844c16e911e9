# The nhgraph API and its web app, for users who have Docker (docker compose up). Neo4j runs in
# its own container (see docker-compose.yml); this image does not need Java or Maven.

# The web app's npm packages, as locked in web/package-lock.json (Node is needed only here).
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --omit=dev

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY nhgraph ./nhgraph
COPY data ./data
COPY --from=web /web/node_modules /tmp/node_modules
# The app's files are copied into the installed package (as `make setup` does in a checkout).
RUN pip install --no-cache-dir . \
    && python -m nhgraph.web.vendor /tmp/node_modules \
    && rm -rf /tmp/node_modules \
    && useradd --create-home nhgraph
USER nhgraph
ENV NHGRAPH_API_HOST=0.0.0.0 \
    NHGRAPH_API_PORT=8000 \
    NHGRAPH_DATA_DIR=/app/data \
    NHGRAPH_REFERENCE_DIR=/app/data/reference
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["nhgraph", "serve"]
