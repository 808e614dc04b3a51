// TLS: the client trusts the CA it is given, and sends its token over the encrypted channel.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Code, connect, ImageStreamsError } from "../src";
import { TLS_SERVER } from "./server";

const skip = TLS_SERVER === undefined && "IMAGESTREAMS_TLS_ADDRESS not set";
const { address, ca, token } = TLS_SERVER ?? { address: "", ca: "", token: "" };

test("over TLS with the server's CA, calls and watches work", { skip }, async () => {
  const secure = connect(address, { token, tls: { ca: readFileSync(ca) } });
  try {
    assert.equal((await secure.access.whoAmI()).username, "admin");
    for await (const response of secure.watch({ namespace: "default", fromNow: true })) {
      assert.ok(response.position >= 0n); // the first progress marker
      break;
    }
  } finally {
    secure.close();
  }
});

test("plain text to a TLS port, or TLS without trusting its CA, is UNAVAILABLE", { skip }, async () => {
  for (const options of [{}, { tls: true }]) {
    const client = connect(address, { token, ...options });
    try {
      await assert.rejects(client.access.whoAmI({}, { timeoutMs: 10_000 }), (error: unknown) => {
        return error instanceof ImageStreamsError && error.code === Code.UNAVAILABLE;
      });
    } finally {
      client.close();
    }
  }
});
