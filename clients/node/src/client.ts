// connect(): one channel to the server, a promise-returning client per service built from the generated
// service definitions, and resumable watches (watch.ts).
import * as grpc from "@grpc/grpc-js";
import { AccessServiceDefinition } from "./gen/imagestreams/v1/access_service";
import { ImageStreamServiceDefinition } from "./gen/imagestreams/v1/image_stream_service";
import { ImportServiceDefinition } from "./gen/imagestreams/v1/import_service";
import { ProjectServiceDefinition } from "./gen/imagestreams/v1/project_service";
import { RegistryServiceDefinition } from "./gen/imagestreams/v1/registry_service";
import { SecretServiceDefinition } from "./gen/imagestreams/v1/secret_service";
import { type WatchRequest, WatchServiceDefinition } from "./gen/imagestreams/v1/watch_service";
import { ImageStreamsError } from "./errors";
import { Watch, type WatchOptions } from "./watch";

/** What a message codec of the generated code offers (ts-proto's MessageFns). */
interface Codec<T, P> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: P): T;
}
interface MethodDefinition {
  readonly name: string;
  readonly requestType: Codec<any, any>;
  readonly responseType: Codec<any, any>;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}
interface ServiceDefinition {
  readonly fullName: string;
  readonly methods: { readonly [method: string]: MethodDefinition };
}

/** A request as callers write it: every field optional (defaults as in proto3), int64s as bigint, number or string. */
export type RequestOf<M extends MethodDefinition> = Parameters<M["requestType"]["fromPartial"]>[0];
export type ResponseOf<M extends MethodDefinition> = ReturnType<M["responseType"]["decode"]>;

export interface CallOptions {
  /** The call's deadline, from now (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Aborting cancels the call, which then rejects with CANCELLED. */
  signal?: AbortSignal;
  /**
   * Sent as `x-request-id`: the server answers a repeated write with the same id with the first answer
   * instead of writing again, so a write retried with its id is applied once. One id per write.
   */
  requestId?: string;
  /** Extra request metadata for this call. */
  metadata?: Record<string, string>;
}

/** The unary methods of a service, by their camelCase names, each returning a promise of its response. */
export type PromiseClient<D extends ServiceDefinition> = {
  [K in keyof D["methods"] as D["methods"][K]["responseStream"] extends false ? K : never]: (
    request?: RequestOf<D["methods"][K]>,
    options?: CallOptions,
  ) => Promise<ResponseOf<D["methods"][K]>>;
};

export interface TlsOptions {
  /** PEM of the CA that signed the server's certificate (default: the system's roots). */
  ca?: string | Buffer;
  /** PEM client certificate and key, for a server that asks for one (`isctl serve --client-ca`). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ConnectOptions {
  /** Sent as `authorization: Bearer TOKEN` on every call, watches included (`isctl whoami -t` prints one). */
  token?: string;
  /** TLS: `true` for the system's roots, or the CA (and client certificate) to use. Default: plain text. */
  tls?: boolean | TlsOptions;
  /** Channel credentials of your own; they replace `tls`. */
  credentials?: grpc.ChannelCredentials;
  /** The default deadline of unary calls (default 30 s). Watches have none. */
  timeoutMs?: number;
  /** More grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

/** The services with unary calls, by the name the client gives them. */
export const SERVICES = {
  imageStreams: ImageStreamServiceDefinition,
  imports: ImportServiceDefinition,
  secrets: SecretServiceDefinition,
  access: AccessServiceDefinition,
  projects: ProjectServiceDefinition,
  registry: RegistryServiceDefinition,
} as const;

export type ServiceClients = { [K in keyof typeof SERVICES]: PromiseClient<(typeof SERVICES)[K]> };

export interface ImageStreamsClient extends ServiceClients {
  /**
   * Changes as an async iterator that reconnects by itself and resumes after the last position it saw,
   * so each change arrives once, in log order (see Watch). `options.resume: false` makes it one call.
   */
  watch(request: RequestOf<typeof WatchServiceDefinition.methods.watch>, options?: WatchOptions): Watch;
  /** The underlying grpc-js client (one channel), e.g. for `waitForReady`. */
  readonly grpcClient: grpc.Client;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

// A dropped watch reconnects on the watch's own backoff (at most 10 s apart); grpc-js's default channel
// backoff grows to two minutes, which would leave a watch failing fast long after its server came back.
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.initial_reconnect_backoff_ms": 500,
  "grpc.max_reconnect_backoff_ms": 10_000,
};

/** A client of the server at `address` (HOST:PORT). Nothing is sent until the first call. */
export function connect(address: string, options: ConnectOptions = {}): ImageStreamsClient {
  const fixed: [string, string][] = options.token ? [["authorization", `Bearer ${options.token}`]] : [];
  const client = new grpc.Client(address, channelCredentials(options), {
    ...CHANNEL_OPTIONS,
    ...options.channelOptions,
    // An interceptor rather than call credentials: grpc-js sends call credentials only over TLS, and a
    // server on loopback is often plain text.
    interceptors: fixed.length ? [metadataInterceptor(fixed)] : [],
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const services = Object.fromEntries(
    Object.entries(SERVICES).map(([name, definition]) => [name, makePromiseClient(client, definition, timeoutMs)]),
  ) as ServiceClients;
  const watchMethod = WatchServiceDefinition.methods.watch;
  const watchPath = `/${WatchServiceDefinition.fullName}/${watchMethod.name}`;
  return {
    ...services,
    watch: (request, watchOptions) =>
      new Watch(
        watchMethod.requestType.fromPartial(request),
        (message: WatchRequest) =>
          client.makeServerStreamRequest(
            watchPath,
            serializer(watchMethod.requestType),
            deserializer(watchMethod.responseType),
            message,
          ),
        watchOptions,
      ),
    grpcClient: client,
    close: () => client.close(),
  };
}

function channelCredentials(options: ConnectOptions): grpc.ChannelCredentials {
  if (options.credentials) return options.credentials;
  if (!options.tls) return grpc.credentials.createInsecure();
  const tls = options.tls === true ? {} : options.tls;
  const pem = (value: string | Buffer | undefined) => (value === undefined ? null : Buffer.from(value));
  return grpc.credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}

function metadataInterceptor(pairs: [string, string][]): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        for (const [key, value] of pairs) metadata.set(key, value);
        next(metadata, listener);
      },
    });
}

const serializer =
  <T>(codec: Codec<T, unknown>) =>
  (message: T): Buffer =>
    Buffer.from(codec.encode(message).finish());
const deserializer =
  <T>(codec: Codec<T, unknown>) =>
  (bytes: Buffer): T =>
    codec.decode(bytes);

function makePromiseClient<D extends ServiceDefinition>(client: grpc.Client, definition: D, defaultTimeoutMs: number) {
  const calls: Record<string, (request?: unknown, options?: CallOptions) => Promise<unknown>> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    if (method.requestStream || method.responseStream) continue;
    const path = `/${definition.fullName}/${method.name}`;
    const serialize = serializer(method.requestType);
    const deserialize = deserializer(method.responseType);
    calls[key] = (request = {}, options = {}) =>
      new Promise((resolve, reject) => {
        const metadata = new grpc.Metadata();
        for (const [name, value] of Object.entries(options.metadata ?? {})) metadata.set(name, value);
        if (options.requestId) metadata.set("x-request-id", options.requestId);
        const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
        const message = method.requestType.fromPartial(request);
        const call = client.makeUnaryRequest(
          path,
          serialize,
          deserialize,
          message,
          metadata,
          { deadline },
          (error, response) => (error ? reject(ImageStreamsError.from(error)) : resolve(response)),
        );
        if (options.signal) {
          if (options.signal.aborted) call.cancel();
          else options.signal.addEventListener("abort", () => call.cancel(), { once: true });
        }
      });
  }
  return calls as unknown as PromiseClient<D>;
}
