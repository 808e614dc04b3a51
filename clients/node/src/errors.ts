// Failed calls as typed errors: the gRPC status plus the google.rpc.Status details the server sends in the
// `grpc-status-details-bin` trailer (BadRequest field violations, ErrorInfo with a reason and metadata).
import { Metadata, status as Code, type ServiceError } from "@grpc/grpc-js";
import { Status } from "./gen/google/rpc/status";
import {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from "./gen/google/rpc/error_details";

export { Code };

/** The details this client decodes, by their type name: `KnownDetails["google.rpc.BadRequest"]` is `BadRequest`. */
export interface KnownDetails {
  "google.rpc.ErrorInfo": ErrorInfo;
  "google.rpc.BadRequest": BadRequest;
  "google.rpc.RetryInfo": RetryInfo;
  "google.rpc.DebugInfo": DebugInfo;
  "google.rpc.QuotaFailure": QuotaFailure;
  "google.rpc.PreconditionFailure": PreconditionFailure;
  "google.rpc.ResourceInfo": ResourceInfo;
  "google.rpc.RequestInfo": RequestInfo;
  "google.rpc.Help": Help;
  "google.rpc.LocalizedMessage": LocalizedMessage;
}

// The codecs of google/rpc/error_details.proto by their `Any` type URL.
const DETAIL_TYPES: {
  [N in keyof KnownDetails as `type.googleapis.com/${N}`]: { decode(input: Uint8Array): KnownDetails[N] };
} = {
  "type.googleapis.com/google.rpc.ErrorInfo": ErrorInfo,
  "type.googleapis.com/google.rpc.BadRequest": BadRequest,
  "type.googleapis.com/google.rpc.RetryInfo": RetryInfo,
  "type.googleapis.com/google.rpc.DebugInfo": DebugInfo,
  "type.googleapis.com/google.rpc.QuotaFailure": QuotaFailure,
  "type.googleapis.com/google.rpc.PreconditionFailure": PreconditionFailure,
  "type.googleapis.com/google.rpc.ResourceInfo": ResourceInfo,
  "type.googleapis.com/google.rpc.RequestInfo": RequestInfo,
  "type.googleapis.com/google.rpc.Help": Help,
  "type.googleapis.com/google.rpc.LocalizedMessage": LocalizedMessage,
};

/** One detail: `{ type: "google.rpc.BadRequest", value: BadRequest }`, ..., or one of another type, undecoded. */
export type ErrorDetail =
  | { [N in keyof KnownDetails]: { type: N; value: KnownDetails[N] } }[keyof KnownDetails]
  | { type: string; value: Uint8Array };

const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** A failed call. `code` is the gRPC status code (`Code.NOT_FOUND`, ...), `details` its message. */
export class ImageStreamsError extends Error {
  readonly code: Code;
  readonly codeName: string;
  /** The status message, as the server wrote it. */
  readonly details: string;
  readonly metadata: Metadata;
  /** Every detail of the google.rpc.Status, decoded when its type is one of google.rpc's error details. */
  readonly statusDetails: readonly ErrorDetail[];

  constructor(code: Code, details: string, metadata: Metadata = new Metadata()) {
    const codeName = Code[code] ?? String(code);
    super(`${codeName}: ${details}`);
    this.name = "ImageStreamsError";
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.metadata = metadata;
    this.statusDetails = decodeStatusDetails(metadata);
  }

  /** The ErrorInfo detail: the machine-readable `reason` (`WATCHER_TOO_SLOW`, ...) and its `metadata`. */
  get errorInfo(): ErrorInfo | undefined {
    return this.detail("google.rpc.ErrorInfo");
  }

  /** The BadRequest detail: `fieldViolations`, each naming a request `field` and what is wrong with it. */
  get badRequest(): BadRequest | undefined {
    return this.detail("google.rpc.BadRequest");
  }

  /** ErrorInfo's reason, or "" when the server sent none. */
  get reason(): string {
    return this.errorInfo?.reason ?? "";
  }

  /** The first detail of a type, e.g. `error.detail("google.rpc.RetryInfo")`. */
  detail<N extends keyof KnownDetails>(type: N): KnownDetails[N] | undefined {
    return this.statusDetails.find((detail) => detail.type === type)?.value as KnownDetails[N] | undefined;
  }

  /** The error of a failed grpc-js call (anything else is returned as it is). */
  static from(error: unknown): unknown {
    if (error instanceof ImageStreamsError || !isServiceError(error)) return error;
    return new ImageStreamsError(error.code, error.details, error.metadata);
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as ServiceError).code === "number" && "metadata" in error;
}

function decodeStatusDetails(metadata: Metadata): ErrorDetail[] {
  const [encoded] = metadata.get(STATUS_DETAILS_KEY);
  if (!(encoded instanceof Buffer)) return [];
  let status: Status;
  try {
    status = Status.decode(encoded);
  } catch {
    return []; // a trailer that is not a google.rpc.Status leaves the error as the status code says
  }
  return status.details.map((any): ErrorDetail => {
    const codec = DETAIL_TYPES[any.typeUrl as keyof typeof DETAIL_TYPES];
    const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
    if (codec === undefined) return { type, value: any.value };
    try {
      return { type, value: codec.decode(any.value) } as ErrorDetail;
    } catch {
      return { type, value: any.value };
    }
  });
}
