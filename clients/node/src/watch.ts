// A watch that survives dropped connections: it reconnects and resumes after the last position it saw.
import { status as Code, type ClientReadableStream } from "@grpc/grpc-js";
import { TagEvent } from "./gen/imagestreams/v1/resources";
import { Marker, type WatchRequest, type WatchResponse } from "./gen/imagestreams/v1/watch_service";
import { ImageStreamsError } from "./errors";

// Failures after which a watch reconnects. UNAVAILABLE covers a dropped connection, a server that is down or
// shutting down; RESOURCE_EXHAUSTED is a watcher the server ended
// for falling behind. Anything else (a bad request, OUT_OF_RANGE) would fail again the same way.
const RETRYABLE: ReadonlySet<Code> = new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]);

export interface Backoff {
  /** The first wait before reconnecting (default 500 ms); each failure in a row doubles it... */
  initialMs?: number;
  /** ...up to this (default 10 s). Each wait is shortened by up to a fifth, so followers do not reconnect in step. */
  maxMs?: number;
}

/** Why a watch reconnects, after how long, and after which position it resumes (undefined: afresh). */
export interface Reconnect {
  error: ImageStreamsError;
  delayMs: number;
  afterPosition: bigint | undefined;
  attempt: number;
}

export interface WatchOptions {
  /** false: one call, whose failure ends the iteration with its error (default true: reconnect). */
  resume?: boolean;
  backoff?: Backoff;
  /** Consecutive failed calls before giving up with the last error (default: never give up). */
  maxAttempts?: number;
  /** Told before each wait, e.g. to log it. */
  onReconnect?: (reconnect: Reconnect) => void;
  /** Aborting ends the iteration, as `close()` does. */
  signal?: AbortSignal;
}

type OpenCall = (request: WatchRequest) => ClientReadableStream<WatchResponse>;

/**
 * The responses of a watch across reconnections, each change once and in log order:
 *
 *     for await (const response of client.watch({ namespace, stream, tag, snapshot: true })) { ... }
 *
 * `position` is the last resumable position seen: that of a live change, a progress marker or the snapshot
 * end. After a retryable failure, or the server ending the call, the watch waits (capped exponential backoff,
 * reset once a call delivers) and watches again after `position`, dropping anything at or before it, so
 * nothing is repeated and, since the server delivers every change after a position, nothing is skipped.
 *
 * A snapshot is state, not moves: if the connection drops before MARKER_SNAPSHOT_END a new snapshot is taken,
 * and synthetic changes already yielded (same tag, same image) are not yielded again. Markers are yielded
 * too, so callers can checkpoint `position`. Breaking out of the loop or `close()` cancels the call.
 */
export class Watch implements AsyncIterable<WatchResponse> {
  position: bigint | undefined;
  private readonly syntheticSeen = new Set<string>();
  private call: ClientReadableStream<WatchResponse> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private iterating = false;

  constructor(
    private readonly request: WatchRequest,
    private readonly open: OpenCall,
    private readonly options: WatchOptions = {},
  ) {
    this.position = request.afterPosition;
    options.signal?.addEventListener("abort", () => this.close(), { once: true });
    if (options.signal?.aborted) this.closed = true;
  }

  /** Ends the iteration (from anywhere) and cancels the call in flight. */
  close(): void {
    this.closed = true;
    this.call?.cancel();
    this.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    if (this.iterating) throw new Error("a Watch can be iterated once");
    this.iterating = true;
    return this.responses();
  }

  private async *responses(): AsyncGenerator<WatchResponse> {
    const resume = this.options.resume ?? true;
    const initialMs = this.options.backoff?.initialMs ?? 500;
    const maxMs = this.options.backoff?.maxMs ?? 10_000;
    let failures = 0;
    let nextDelayMs = initialMs;
    while (!this.closed) {
      let error: ImageStreamsError;
      const call = this.open(this.nextRequest());
      this.call = call;
      try {
        for await (const response of call as AsyncIterable<WatchResponse>) {
          failures = 0;
          nextDelayMs = initialMs;
          if (this.accept(response)) yield response;
        }
        error = new ImageStreamsError(Code.UNAVAILABLE, "the server ended the watch");
      } catch (raised) {
        if (this.closed) return;
        error = toError(raised);
        if (!resume || !RETRYABLE.has(error.code)) throw error;
        this.skipTo(error.errorInfo?.metadata["last_position"]);
      } finally {
        call.cancel();
        this.call = undefined;
      }
      if (this.closed) return;
      if (!resume) throw error;
      failures += 1;
      if (this.options.maxAttempts !== undefined && failures >= this.options.maxAttempts) throw error;
      const delayMs = Math.min(nextDelayMs, maxMs) * (1 - 0.2 * Math.random());
      nextDelayMs = Math.min(nextDelayMs * 2, maxMs);
      this.options.onReconnect?.({ error, delayMs, afterPosition: this.position, attempt: failures });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private nextRequest(): WatchRequest {
    if (this.position !== undefined) {
      return { ...this.request, afterPosition: this.position, fromNow: undefined, snapshot: undefined };
    }
    // No position yet: nothing was promised before the first call got going, so start as asked (from now,
    // or with a new snapshot).
    return this.request;
  }

  /** Whether to yield `response`, advancing `position` past it. */
  private accept(response: WatchResponse): boolean {
    if (response.marker === Marker.MARKER_SNAPSHOT_END) {
      this.syntheticSeen.clear();
      this.advance(response.position);
      return true;
    }
    if (response.synthetic) {
      const current = response.current
        ? Buffer.from(TagEvent.encode(response.current).finish()).toString("base64")
        : "";
      const key = JSON.stringify([response.namespace, response.stream, response.tag, current]);
      if (this.syntheticSeen.has(key)) return false;
      this.syntheticSeen.add(key);
      return true;
    }
    if (this.position !== undefined) {
      // A marker may repeat `position` (every call starts with one); a change never may.
      const isMarker = response.marker !== Marker.MARKER_UNSPECIFIED;
      if (isMarker ? response.position < this.position : response.position <= this.position) return false;
    }
    this.advance(response.position);
    return true;
  }

  private advance(position: bigint): void {
    if (this.position === undefined || position > this.position) this.position = position;
  }

  // A watcher ended as too slow says how far the server got: the changes in between did not match.
  private skipTo(lastPosition: string | undefined): void {
    if (this.position !== undefined && lastPosition !== undefined && /^\d+$/.test(lastPosition)) {
      this.advance(BigInt(lastPosition));
    }
  }
}

function toError(raised: unknown): ImageStreamsError {
  const error = ImageStreamsError.from(raised);
  if (error instanceof ImageStreamsError) return error;
  return new ImageStreamsError(Code.UNKNOWN, error instanceof Error ? error.message : String(error));
}
