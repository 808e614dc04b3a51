// The watch as an async iterator that resumes after the last position it saw when its connection drops.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { ChangeKind, Code, ImageStreamsError, Marker, type Reconnect, SourceKind, type WatchResponse } from "../src";
import type { ImageStreamsClient } from "../src";
import { readFileSync } from "node:fs";
import { connect } from "../src";
import { client, digest, project, Proxy, TLS_SERVER } from "./server";

/** Collects a watch's responses in the background; `until` waits for a condition on them. */
function collect(iterable: AsyncIterable<WatchResponse>) {
  const responses: WatchResponse[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const response of iterable) responses.push(response);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    responses,
    done,
    changes: () => responses.filter((r) => r.marker === Marker.MARKER_UNSPECIFIED),
    failure: () => failure,
    async until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got ${responses.length} responses`);
        await sleep(20);
      }
    },
  };
}

async function tag(writer: ImageStreamsClient, namespace: string, char: string): Promise<bigint> {
  const done = await writer.imageStreams.tag({
    namespace,
    source: { kind: SourceKind.SOURCE_KIND_DOCKER_IMAGE, name: `registry.example.com/team/app@${digest(char)}` },
    destinations: [{ stream: "app", tag: "latest" }],
  });
  return done.position;
}

test("a dropped watch resumes after its last position: every change once, in order", async () => {
  const writer = client();
  const proxy = await Proxy.start(writer.grpcClient.getChannel().getTarget().replace(/^dns:/, ""));
  const watcher = client({}, proxy.address);
  try {
    const namespace = await project(writer, "node-watch");
    await tag(writer, namespace, "0a"); // history before the watch: the snapshot shows it as state
    const reconnects: Reconnect[] = [];
    const watch = watcher.watch(
      {
        namespace,
        stream: "app",
        tag: "latest",
        snapshot: true,
        kinds: [ChangeKind.CHANGE_KIND_TAG_UPDATED],
        progressIntervalSeconds: 1,
      },
      { backoff: { initialMs: 50, maxMs: 200 }, onReconnect: (r) => reconnects.push(r) },
    );
    const seen = collect(watch);
    await seen.until("the snapshot", () => seen.responses.some((r) => r.marker === Marker.MARKER_SNAPSHOT_END));
    assert.deepEqual(
      seen.changes().map((c) => [c.synthetic, c.current?.image]),
      [[true, digest("0a")]],
    );

    const first = await tag(writer, namespace, "1b");
    await seen.until("the first move", () => seen.changes().some((c) => c.current?.image === digest("1b")));

    // The connection drops, and stays down while two more moves are committed.
    proxy.refusing = true;
    assert.ok(proxy.drop() > 0);
    const second = await tag(writer, namespace, "2c");
    const third = await tag(writer, namespace, "3d");
    await seen.until("a failed reconnect", () => reconnects.length >= 2);
    proxy.refusing = false;
    await seen.until("the moves made while disconnected", () =>
      seen.changes().some((c) => c.current?.image === digest("3d")),
    );

    // Each move once, in order; a move is one of the events of its Tag call, whose position is its last.
    const live = seen.changes().filter((c) => !c.synthetic);
    assert.deepEqual(
      live.map((c) => c.current?.image),
      [digest("1b"), digest("2c"), digest("3d")],
    );
    assert.ok(live[0].position <= first && first < live[1].position);
    assert.ok(live[1].position <= second && second < live[2].position && live[2].position <= third);
    const positions = seen.responses.filter((r) => !r.synthetic).map((r) => r.position);
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    assert.equal(reconnects[0].error.code, Code.UNAVAILABLE);
    assert.ok(reconnects[0].afterPosition !== undefined && reconnects[0].afterPosition >= live[0].position);
    assert.ok(watch.position !== undefined && watch.position >= live[2].position);

    watch.close();
    await seen.done;
    assert.equal(seen.failure(), undefined);
  } finally {
    watcher.close();
    writer.close();
    await proxy.close();
  }
});

test("a snapshot cut short is taken again, without repeating what it already yielded", async () => {
  const writer = client();
  const proxy = await Proxy.start(writer.grpcClient.getChannel().getTarget().replace(/^dns:/, ""));
  const watcher = client({}, proxy.address);
  try {
    const namespace = await project(writer, "node-snapshot");
    const tags = Array.from({ length: 60 }, (_, i) => `t${i}`);
    await writer.imageStreams.tag({
      namespace,
      source: { kind: SourceKind.SOURCE_KIND_DOCKER_IMAGE, name: `registry.example.com/team/app@${digest("5e")}` },
      destinations: tags.map((tag) => ({ stream: "app", tag })),
    });
    const reconnects: Reconnect[] = [];
    const watch = watcher.watch(
      { namespace, stream: "app", snapshot: true },
      { backoff: { initialMs: 50, maxMs: 200 }, onReconnect: (r) => reconnects.push(r) },
    );
    // The connection drops once a part of the snapshot has come through.
    proxy.dropAfter(4096);
    const seen = collect(watch);
    await seen.until("the snapshot's end", () => seen.responses.some((r) => r.marker === Marker.MARKER_SNAPSHOT_END));
    watch.close();
    await seen.done;

    assert.equal(reconnects.length, 1);
    assert.equal(reconnects[0].afterPosition, undefined); // afresh: a new snapshot
    const synthetic = seen.responses.filter((r) => r.synthetic).map((r) => r.tag);
    assert.deepEqual([...synthetic].sort(), [...tags].sort());
    assert.equal(seen.responses.filter((r) => r.marker === Marker.MARKER_SNAPSHOT_END).length, 1);
  } finally {
    watcher.close();
    writer.close();
    await proxy.close();
  }
});

test("with resume off, a dropped connection ends the iteration with UNAVAILABLE", async () => {
  const writer = client();
  const proxy = await Proxy.start(writer.grpcClient.getChannel().getTarget().replace(/^dns:/, ""));
  const watcher = client({}, proxy.address);
  try {
    const watch = watcher.watch({ namespace: "default", fromNow: true }, { resume: false });
    const seen = collect(watch);
    await seen.until("the first progress marker", () => seen.responses.length > 0);
    proxy.drop();
    await seen.done;
    const failure = seen.failure();
    assert.ok(failure instanceof ImageStreamsError);
    assert.equal(failure.code, Code.UNAVAILABLE);
  } finally {
    watcher.close();
    writer.close();
    await proxy.close();
  }
});

test(
  "a watcher the server ends as too slow resumes and misses nothing",
  { skip: TLS_SERVER === undefined && "IMAGESTREAMS_TLS_ADDRESS not set" },
  async () => {
    const server = TLS_SERVER!;
    const small = connect(server.address, { token: server.token, tls: { ca: readFileSync(server.ca) } });
    try {
      const namespace = await project(small, "node-slow");
      const reconnects: Reconnect[] = [];
      const watch = small.watch(
        { namespace, fromNow: true, kinds: [ChangeKind.CHANGE_KIND_TAG_UPDATED] },
        { backoff: { initialMs: 50, maxMs: 200 }, onReconnect: (r) => reconnects.push(r) },
      );
      const seen = collect(watch);
      await seen.until("the watch to be established", () => seen.responses.length > 0);
      // One Tag call of 300 tags commits 600 changes at once: far more than the server buffers for a watcher.
      const tags = Array.from({ length: 300 }, (_, i) => `t${i}`);
      await small.imageStreams.tag({
        namespace,
        source: { kind: SourceKind.SOURCE_KIND_DOCKER_IMAGE, name: `registry.example.com/team/app@${digest("6f")}` },
        destinations: tags.map((tag) => ({ stream: "app", tag })),
      });
      await seen.until("every tag's move", () => seen.changes().length >= tags.length);
      watch.close();
      await seen.done;

      assert.ok(reconnects.length >= 1);
      assert.equal(reconnects[0].error.code, Code.RESOURCE_EXHAUSTED);
      assert.equal(reconnects[0].error.reason, "WATCHER_TOO_SLOW");
      const changes = seen.changes();
      assert.deepEqual(changes.map((c) => c.tag).sort(), [...tags].sort());
      const positions = changes.map((c) => c.position);
      assert.ok(positions.every((position, i) => i === 0 || position > positions[i - 1]));
    } finally {
      small.close();
    }
  },
);
