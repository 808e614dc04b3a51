"""Pull-through throughput: one large blob of a `Local` tag pulled through the service, with a cold and a warm
blob cache, next to the same blob pulled straight from the upstream registry in the same run.

    .venv/bin/python bench/pull_through.py [--mib 256] [--runs 5]

Setup, not measured: Debian's docker-registry on loopback (plain HTTP, no auth; tests/support/registry.py), an
image with one random layer of --mib MiB pushed to it, `isctl serve` in its own process (SQLite in a temporary
data directory, --http-listen on loopback, --registry-hostname naming it), the image tagged in project
`default` with the Local reference policy and imported. Then each run measures, with one httpx client in this
process streaming the blob to nowhere (MiB/s):

  direct  GET /v2/bench/big/blobs/DIGEST from the upstream registry;
  cold    the same blob through the service, its cache emptied first (fetched upstream, hashed, written to
          the cache while it streams to the client); one pull through the service before the runs, not
          measured, warms the server process (not its cache);
  warm    the same again, served from the cache.

The goals: warm >= 0.8x direct, cold >= 0.5x direct. The ratios are taken per run (each against the direct pull
of the same run, since the machine is shared) and reported as median and min-max over the runs, with every
run's figures. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import grpc
import httpx
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import resources_pb2 as pb

from tests.support import registry as support

CHUNK = 1 << 20


def pull(url: str, headers: dict[str, str]) -> tuple[float, int]:
    """Seconds to stream the whole body, and its size."""
    with httpx.Client(timeout=120, trust_env=False) as client:
        start = time.perf_counter()
        size = 0
        with client.stream("GET", url, headers=headers) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(CHUNK):
                size += len(chunk)
        return time.perf_counter() - start, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-pull-through-"))
    root = Path(__file__).resolve().parent.parent
    isctl = str(root / ".venv" / "bin" / "isctl")
    try:
        with support.running_registry(workdir / "registry", "none") as upstream:
            layer = os.urandom(args.mib << 20)
            config = support.image_config(diff_ids=[support.sha256(b"bench")])
            image = support.BuiltImage(
                support.manifest_body(config, [layer]), support.DOCKER_MANIFEST, config, (layer,), "amd64", "linux"
            )
            with upstream.pusher() as push:
                push.image("bench/big", "v1", image)
            digest = support.sha256(layer)
            del layer, image
            grpc_address = f"127.0.0.1:{support.free_port()}"
            http_address = f"127.0.0.1:{support.free_port()}"
            data = workdir / "data"
            command = [isctl, "serve", "--listen", grpc_address, "--http-listen", http_address]
            command += ["--registry-hostname", http_address, "--data-dir", str(data), "--no-auto-import"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGESTREAMS_")}
            with open(workdir / "serve.log", "wb") as log:
                server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                deadline = time.monotonic() + 60
                while not (data / "admin.token").exists() or _down(http_address):
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError((workdir / "serve.log").read_text())
                    time.sleep(0.1)
                admin = (data / "admin.token").read_text().strip()
                metadata = (("authorization", f"Bearer {admin}"),)
                with grpc.insecure_channel(grpc_address) as channel:
                    source = pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=f"{upstream.host}/bench/big:v1")
                    api_grpc.ImageStreamServiceStub(channel).Tag(
                        api.TagRequest(
                            namespace="default",
                            source=source,
                            destinations=[api.TagDestination(stream="big", tag="v1")],
                            insecure=True,
                            reference_policy=pb.REFERENCE_POLICY_TYPE_LOCAL,
                        ),
                        metadata=metadata,
                    )
                    request = import_api.ImportImageRequest(namespace="default", name="big", tag="v1", confirm=True)
                    outcome = import_grpc.ImportServiceStub(channel).ImportImage(request, metadata=metadata).tags[0]
                    assert outcome.succeeded, outcome
                token = httpx.get(
                    f"http://{http_address}/v2/token",
                    params={"scope": "repository:default/big:pull"},
                    headers={"Authorization": f"Bearer {admin}"},
                ).json()["token"]
                through = f"http://{http_address}/v2/default/big/blobs/{digest}"
                bearer = {"Authorization": f"Bearer {token}"}
                # Not measured: the server's first pull (imports, the upstream's connection pool, the relay's
                # threads and their memory), so that "cold" is the cache's state, not the process's.
                pull(through, bearer)
                results: dict[str, list[float]] = {"direct": [], "cold": [], "warm": []}
                # The server process's CPU seconds (user + system, all threads) per pull: less noisy than time.
                cpu: dict[str, list[float]] = {"cold": [], "warm": []}
                for _ in range(args.runs):
                    seconds, size = pull(f"{upstream.url}/v2/bench/big/blobs/{digest}", {})
                    results["direct"].append(size / seconds / (1 << 20))
                    shutil.rmtree(data / "blob-cache", ignore_errors=True)
                    (data / "blob-cache").mkdir()
                    for key in ("cold", "warm"):
                        before = _cpu_seconds(server.pid)
                        seconds, size = pull(through, bearer)
                        cpu[key].append(_cpu_seconds(server.pid) - before)
                        results[key].append(size / seconds / (1 << 20))
                        assert size == args.mib << 20
            finally:
                server.terminate()
                server.wait(30)
        report: dict[str, object] = {
            "blob_mib": args.mib,
            "runs": {key: [round(v, 1) for v in values] for key, values in results.items()},
            "median_mib_s": {key: round(statistics.median(values), 1) for key, values in results.items()},
            "server_cpu_s_per_pull": {key: [round(v, 2) for v in values] for key, values in cpu.items()},
        }
        for key in ("warm", "cold"):
            ratios = [through / direct for through, direct in zip(results[key], results["direct"], strict=True)]
            report[f"{key}_vs_direct"] = {
                "median": round(statistics.median(ratios), 2),
                "min": round(min(ratios), 2),
                "max": round(max(ratios), 2),
                "runs": [round(ratio, 2) for ratio in ratios],
            }
        report["load_average_1min"] = round(os.getloadavg()[0], 2)
        print(json.dumps(report, indent=2))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _down(address: str) -> bool:
    try:
        httpx.get(f"http://{address}/healthz", timeout=1, trust_env=False)
        return False
    except httpx.TransportError:
        return True


if __name__ == "__main__":
    sys.exit(main())
