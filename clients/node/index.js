// A Node.js client of the image streams service: the services of proto/imagestreams/v1, loaded at run time
// (no code generation), with promise-returning unary calls. It proves the contract works outside Python.
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto');
const PROTO_FILES = [
  'image_stream_service',
  'watch_service',
  'import_service',
  'secret_service',
  'access_service',
  'project_service',
].map((name) => `imagestreams/v1/${name}.proto`);

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

// Adds fixed metadata (the bearer token, a request id) to every call, unary and streaming alike. An
// interceptor rather than call credentials: grpc-js refuses to send call credentials over a plain channel,
// which a server on loopback is.
function metadataInterceptor(pairs) {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        for (const [key, value] of pairs) metadata.set(key, value);
        next(metadata, listener);
      },
    });
}

// connect(address, { token, requestId, credentials }): `token` is sent as `authorization: Bearer TOKEN` on
// every call; `credentials` are channel credentials (grpc.credentials.createSsl(...) for TLS; default plain).
// A ChannelCredentials object as the second argument is still taken as `credentials`.
function connect(address, options = {}) {
  const settings = options instanceof grpc.ChannelCredentials ? { credentials: options } : options;
  const credentials = settings.credentials ?? grpc.credentials.createInsecure();
  const pairs = [];
  if (settings.token) pairs.push(['authorization', `Bearer ${settings.token}`]);
  if (settings.requestId) pairs.push(['x-request-id', settings.requestId]);
  const clientOptions = pairs.length ? { interceptors: [metadataInterceptor(pairs)] } : {};
  const pkg = loadPackage();
  const make = (Service) => new Service(address, credentials, clientOptions);
  const imageStreams = make(pkg.ImageStreamService);
  const watchService = make(pkg.WatchService);
  const imports = make(pkg.ImportService);
  const secrets = make(pkg.SecretService);
  const access = make(pkg.AccessService);
  const projects = make(pkg.ProjectService);
  return {
    imageStreams: promisify(imageStreams),
    imports: promisify(imports),
    secrets: promisify(secrets),
    access: promisify(access),
    projects: promisify(projects),
    // A server-streaming call: listen for 'data', 'error' and 'end'; cancel() ends it.
    watch: (request) => watchService.Watch(request),
    close() {
      for (const client of [imageStreams, watchService, imports, secrets, access, projects]) client.close();
    },
  };
}

module.exports = { connect, grpc };
