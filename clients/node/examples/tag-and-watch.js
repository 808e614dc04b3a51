// Tags an image pinned by digest, reads the tag back, and watches the stream from just before the change:
// one JSON line per step, so a test (or a person) can follow it. The bearer token comes from ISCTL_TOKEN
// (isctl whoami -t prints the one isctl uses).
//   ISCTL_TOKEN=$(isctl whoami -t) node examples/tag-and-watch.js 127.0.0.1:50051 NAMESPACE STREAM PULL_SPEC
'use strict';

const { connect } = require('..');

async function main() {
  const [address, namespace, stream, pullSpec] = process.argv.slice(2);
  if (!pullSpec) {
    console.error('usage: node examples/tag-and-watch.js ADDRESS NAMESPACE STREAM PULL_SPEC');
    process.exit(2);
  }
  const client = connect(address, { token: process.env.ISCTL_TOKEN });
  const who = await client.access.WhoAmI({});
  console.log(JSON.stringify({ step: 'whoami', username: who.username }));
  try {
    const tagged = await client.imageStreams.Tag({
      namespace,
      source: { kind: 'SOURCE_KIND_DOCKER_IMAGE', name: pullSpec },
      destinations: [{ stream, tag: 'latest' }],
    });
    console.log(JSON.stringify({ step: 'tag', messages: tagged.messages, position: tagged.position }));

    const view = await client.imageStreams.GetImageStreamTag({
      namespace, stream, tag: 'latest', min_position: tagged.position,
    });
    const istag = view.image_stream_tag;
    console.log(JSON.stringify({ step: 'get', image: istag.image.name, pull_policy: istag.image_pull_policy }));

    // Resume from before the tag (its save wrote at most a few events): the watch replays the move, then we stop.
    const position = BigInt(tagged.position);
    const after = String(position > 4n ? position - 4n : 0n);
    const change = await new Promise((resolve, reject) => {
      const call = client.watch({ namespace, stream, after_position: after, kinds: ['CHANGE_KIND_TAG_UPDATED'] });
      call.on('data', (response) => {
        if (response.marker === 'MARKER_UNSPECIFIED') {
          call.cancel();
          resolve(response);
        }
      });
      call.on('error', (error) => (error.code === 1 ? undefined : reject(error))); // 1: our own cancel
    });
    console.log(JSON.stringify({ step: 'watch', tag: change.tag, image: change.current.image, position: change.position }));

    try {
      await client.imageStreams.GetImageStreamTag({ namespace, stream, tag: 'missing' });
    } catch (error) {
      console.log(JSON.stringify({ step: 'error', code: error.code, details: error.details }));
    }
  } finally {
    client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
