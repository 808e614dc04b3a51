// Watches one tag from a snapshot, tags an image into it, reads the tag back and reports the watch's view
// of that change: one JSON line per step, so a test (or a person) can follow it. Because the watch starts
// with a snapshot of the tag (its image now, whatever history the stream has), the change it reports after
// the snapshot is this example's own, on a new stream or an old one. The token comes from ISCTL_TOKEN.
//   npm run build
//   ISCTL_TOKEN=$(isctl whoami -t) node dist/examples/tag-and-watch.js 127.0.0.1:50051 NAMESPACE STREAM PULL_SPEC
import { ChangeKind, Code, connect, ImageStreamsError, Marker, SourceKind } from "../src";

const TAG = "latest";

function say(step: string, fields: Record<string, unknown>): void {
  console.log(
    JSON.stringify({ step, ...fields }, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
  );
}

async function main(): Promise<void> {
  const [address, namespace, stream, pullSpec] = process.argv.slice(2);
  if (!pullSpec) {
    console.error("usage: node dist/examples/tag-and-watch.js ADDRESS NAMESPACE STREAM PULL_SPEC");
    process.exit(2);
  }
  const client = connect(address, { token: process.env.ISCTL_TOKEN });
  const watch = client.watch(
    {
      namespace,
      stream,
      tag: TAG,
      snapshot: true,
      kinds: [ChangeKind.CHANGE_KIND_TAG_UPDATED],
      progressIntervalSeconds: 1,
    },
    { maxAttempts: 3 },
  );
  const responses = watch[Symbol.asyncIterator]();
  try {
    const who = await client.access.whoAmI();
    say("whoami", { username: who.username });

    // The snapshot: the tag's image now (none for a new tag), up to the position it reflects.
    let before = "";
    for (;;) {
      const { value: response, done } = await responses.next();
      if (done) throw new Error("the watch ended during its snapshot");
      if (response.marker === Marker.MARKER_SNAPSHOT_END) {
        say("snapshot", { image: before, position: response.position });
        break;
      }
      if (response.synthetic && response.tag === TAG) before = response.current?.image ?? "";
    }

    const tagged = await client.imageStreams.tag({
      namespace,
      source: { kind: SourceKind.SOURCE_KIND_DOCKER_IMAGE, name: pullSpec },
      destinations: [{ stream, tag: TAG }],
    });
    say("tag", { messages: tagged.messages, position: tagged.position });

    const view = await client.imageStreams.getImageStreamTag({
      namespace,
      stream,
      tag: TAG,
      minPosition: tagged.position,
    });
    const istag = view.imageStreamTag;
    say("get", { image: istag?.image?.name, pull_policy: istag?.imagePullPolicy });

    // Every change up to the Tag call's position has arrived once a response reaches it (a progress marker
    // follows a second of silence); the last move of the tag among them is the Tag call's, or none if the
    // tag already had that image.
    let moved: { image: string; position: bigint } | undefined;
    for (;;) {
      const { value: response, done } = await responses.next();
      if (done) throw new Error("the watch ended");
      if (response.marker === Marker.MARKER_UNSPECIFIED && response.position <= tagged.position) {
        moved = { image: response.current?.image ?? "", position: response.position };
      }
      if (response.position >= tagged.position) break;
    }
    say("watch", moved ? { tag: TAG, ...moved } : { tag: TAG, unchanged: true });

    try {
      await client.imageStreams.getImageStreamTag({ namespace, stream, tag: "missing" });
    } catch (error) {
      if (!(error instanceof ImageStreamsError) || error.code !== Code.NOT_FOUND) throw error;
      say("error", { code: error.code, details: error.details, reason: error.reason });
    }
  } finally {
    watch.close();
    client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ImageStreamsError ? `${error.message} (${error.reason})` : error);
  process.exit(1);
});
