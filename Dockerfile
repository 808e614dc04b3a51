# The service image: `isctl serve` on the embedded SQLite store, or on PostgreSQL with IMAGESTREAMS_DATABASE_URL.
# It listens on every interface, so it wants TLS (--tls-cert/--tls-key, or IMAGESTREAMS_TLS_CERT/_KEY), or
# IMAGESTREAMS_ALLOW_INSECURE_LISTEN=true where only a trusted network reaches it. A new store's administrator
# token is written to /data/admin.token.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server server
COPY clients clients
RUN pip install --no-cache-dir .
ENV IMAGESTREAMS_LISTEN=0.0.0.0:50051 IMAGESTREAMS_DATA_DIR=/data
VOLUME /data
EXPOSE 50051
ENTRYPOINT ["isctl", "serve"]
