// A Node.js client of the image streams service: the services of proto/imagestreams/v1, loaded at run time
// (no code generation), with promise-returning unary calls. It proves the contract works outside Python.
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto');
const PROTO_FILES = ['image_stream_service', 'watch_service', 'import_service', 'secret_service'].map(
  (name) => `imagestreams/v1/${name}.proto`,
);

function loadPackage() {
  const definition = protoLoader.loadSync(PROTO_FILES, {
    includeDirs: [PROTO_ROOT],
    keepCase: true, // field names as in the proto (snake_case), like every other client
    longs: String, // int64 positions arrive as strings: JavaScript numbers lose precision past 2^53
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).imagestreams.v1;
}

// Unary calls as promises; a failed call rejects with the gRPC error (code, details, metadata).
function promisify(client) {
  const calls = {};
  for (const name of Object.keys(Object.getPrototypeOf(client))) {
    if (typeof client[name] !== 'function' || client[name].responseStream) continue;
    calls[name] = (request, options = {}) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (options.timeoutMs ?? 30000);
        client[name](request, { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
      });
  }
  return calls;
}

function connect(address, credentials = grpc.credentials.createInsecure()) {
  const pkg = loadPackage();
  const imageStreams = new pkg.ImageStreamService(address, credentials);
  const watchService = new pkg.WatchService(address, credentials);
  const imports = new pkg.ImportService(address, credentials);
  return {
    imageStreams: promisify(imageStreams),
    imports: promisify(imports),
    // A server-streaming call: listen for 'data', 'error' and 'end'; cancel() ends it.
    watch: (request) => watchService.Watch(request),
    close() {
      for (const client of [imageStreams, watchService, imports]) client.close();
    },
  };
}

module.exports = { connect, grpc };
