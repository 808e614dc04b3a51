# The service image: `isctl serve` as an unprivileged user (uid 10001), gRPC on 50051 and the HTTP side (health,
# registry token service, registry notifications, metrics, pull-through) on 8080. The embedded SQLite store by
# default, in /data; PostgreSQL with IMAGESTREAMS_DATABASE_URL. It listens on every interface, so it wants TLS
# (--tls-cert/--tls-key, or IMAGESTREAMS_TLS_CERT/_KEY), or IMAGESTREAMS_ALLOW_INSECURE_LISTEN=true where only a
# trusted network reaches it. A new store's administrator token is written to /data/admin.token.
FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin imagestreams \
    && install -d -o 10001 -g 10001 -m 0700 /data
WORKDIR /app
# The three distributions: the API package both sides import, the server, and isctl (whose `serve` runs it).
COPY proto/python proto/python
COPY server server
COPY clients/python clients/python
RUN pip install --no-cache-dir ./proto/python ./server ./clients/python
USER 10001
ENV IMAGESTREAMS_LISTEN=0.0.0.0:50051 \
    IMAGESTREAMS_HTTP_LISTEN=0.0.0.0:8080 \
    IMAGESTREAMS_DATA_DIR=/data
VOLUME /data
EXPOSE 50051 8080
# /healthz answers 503 while the store (PostgreSQL) cannot be reached.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["isctl", "serve"]
