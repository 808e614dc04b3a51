// What the tests run against: a real server, named by the environment (tests/e2e/test_node_client.py starts
// one and runs `npm test` with these set), and a TCP proxy in front of it whose connections a test can drop.
import * as net from "node:net";
import { randomBytes } from "node:crypto";
import { connect, type ConnectOptions, type ImageStreamsClient } from "../src";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through tests/e2e/test_node_client.py`);
  return value;
}

export const ADDRESS = required("IMAGESTREAMS_ADDRESS");
export const TOKEN = required("IMAGESTREAMS_TOKEN");

export function client(options: ConnectOptions = {}, address = ADDRESS): ImageStreamsClient {
  return connect(address, { token: TOKEN, ...options });
}

/**
 * The second server, which speaks TLS and ends a watcher as too slow once 5 changes wait for it
 * (`isctl serve --tls-cert ... --watch-buffer 5`); undefined when the environment names none.
 */
export const TLS_SERVER = process.env.IMAGESTREAMS_TLS_ADDRESS
  ? {
      address: process.env.IMAGESTREAMS_TLS_ADDRESS,
      ca: required("IMAGESTREAMS_TLS_CA"),
      token: required("IMAGESTREAMS_TLS_TOKEN"),
    }
  : undefined;

/** A name no other test run uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function digest(char: string): string {
  return `sha256:${char.repeat(64 / char.length)}`;
}

/** A project of the test's own, made as the administrator. */
export async function project(admin: ImageStreamsClient, prefix: string): Promise<string> {
  const name = unique(prefix);
  await admin.projects.createProject({ name });
  return name;
}

/**
 * A TCP proxy to the server. `drop()` resets every connection; while `refusing`, new ones are reset too;
 * `dropAfter(bytes)` drops them all once that many bytes have come back from the server.
 */
export class Proxy {
  refusing = false;
  private dropAt: number | undefined;
  private received = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(target: string) {
    const [host, port] = splitAddress(target);
    this.server = net.createServer((downstream) => {
      if (this.refusing) return void downstream.resetAndDestroy();
      const upstream = net.connect(port, host);
      upstream.on("data", (chunk: Buffer) => {
        this.received += chunk.length;
        if (this.dropAt !== undefined && this.received >= this.dropAt) {
          this.dropAt = undefined;
          this.drop();
        }
      });
      for (const [socket, other] of [
        [downstream, upstream],
        [upstream, downstream],
      ]) {
        this.sockets.add(socket);
        socket.pipe(other);
        socket.on("error", () => other.destroy());
        socket.on("close", () => {
          this.sockets.delete(socket);
          other.destroy();
        });
      }
    });
  }

  static async start(target: string): Promise<Proxy> {
    const proxy = new Proxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  dropAfter(bytes: number): void {
    this.dropAt = this.received + bytes;
  }

  /** Resets every open connection; returns how many there were. */
  drop(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) socket.resetAndDestroy();
    return count;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
