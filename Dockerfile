# The nhgraph API, for users who have Docker (docker compose up). Neo4j runs in its own
# container (see docker-compose.yml); this image does not need Java or Maven.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY nhgraph ./nhgraph
COPY data ./data
RUN pip install --no-cache-dir . && useradd --create-home nhgraph
USER nhgraph
ENV NHGRAPH_API_HOST=0.0.0.0 \
    NHGRAPH_API_PORT=8000 \
    NHGRAPH_DATA_DIR=/app/data \
    NHGRAPH_REFERENCE_DIR=/app/data/reference
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["nhgraph", "serve"]
