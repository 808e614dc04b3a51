// The image streams client: `connect(address, { token, tls })`, then promise-returning calls on
// `imageStreams`, `imports`, `secrets`, `access` and `projects`, and `watch(...)`, an async iterator that
// resumes by itself. Messages and enums are the generated types of proto/imagestreams/v1 (src/gen).
export { connect, SERVICES } from "./client";
export type {
  CallOptions,
  ConnectOptions,
  ImageStreamsClient,
  PromiseClient,
  RequestOf,
  ResponseOf,
  ServiceClients,
  TlsOptions,
} from "./client";
export { Code, ImageStreamsError } from "./errors";
export type { ErrorDetail, KnownDetails } from "./errors";
export { Watch } from "./watch";
export type { Backoff, Reconnect, WatchOptions } from "./watch";
export * from "./gen/imagestreams/v1/resources";
export * from "./gen/imagestreams/v1/image_stream_service";
export * from "./gen/imagestreams/v1/import_service";
export * from "./gen/imagestreams/v1/secret_service";
export * from "./gen/imagestreams/v1/access_service";
export * from "./gen/imagestreams/v1/project_service";
export * from "./gen/imagestreams/v1/registry_service";
export * from "./gen/imagestreams/v1/watch_service";
export { BadRequest, BadRequest_FieldViolation, ErrorInfo } from "./gen/google/rpc/error_details";
export { Status } from "./gen/google/rpc/status";
