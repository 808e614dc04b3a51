// google.rpc.Status details from the `grpc-status-details-bin` trailer, decoded into typed objects.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Code, ImageStreamsError } from "../src";
import { client, project } from "./server";

async function failure(call: Promise<unknown>): Promise<ImageStreamsError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ImageStreamsError, `not an ImageStreamsError: ${error}`);
    return error;
  }
  assert.fail("the call succeeded");
}

test("a bad request names the field: BadRequest field violations and ErrorInfo", async () => {
  const admin = client();
  try {
    const namespace = await project(admin, "node-errors");
    const error = await failure(
      admin.imageStreams.createImageStream({ imageStream: { namespace, name: "Not_A_Name" } }),
    );
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    assert.equal(error.codeName, "INVALID_ARGUMENT");
    const violations = error.badRequest?.fieldViolations ?? [];
    assert.equal(violations.length, 1);
    assert.match(violations[0].field, /name/);
    assert.ok(violations[0].description.length > 0);
    assert.equal(error.reason, "INVALID_FIELD");
    assert.equal(error.errorInfo?.metadata["field"], violations[0].field);
    assert.deepEqual(
      error.statusDetails.map((detail) => detail.type),
      ["google.rpc.BadRequest", "google.rpc.ErrorInfo"],
    );
  } finally {
    admin.close();
  }
});

test("NOT_FOUND carries ErrorInfo with the kind and name", async () => {
  const admin = client();
  try {
    const error = await failure(admin.imageStreams.getImageStream({ namespace: "default", name: "absent" }));
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.details, 'imagestream "default/absent" not found');
    assert.equal(error.errorInfo?.reason, "NOT_FOUND");
    assert.deepEqual(error.errorInfo?.metadata, { kind: "imagestream", name: "default/absent" });
    assert.equal(error.errorInfo?.domain, "imagestreams.v1");
    assert.equal(error.badRequest, undefined);
  } finally {
    admin.close();
  }
});

test("a watch after a position the log has not reached fails with OUT_OF_RANGE, not retried", async () => {
  const admin = client();
  try {
    const watch = admin.watch({ namespace: "default", afterPosition: 1n << 60n });
    const error = await failure(
      (async () => {
        for await (const _ of watch) assert.fail("a response past the log's end");
      })(),
    );
    assert.equal(error.code, Code.OUT_OF_RANGE);
    assert.equal(error.reason, "POSITION_NOT_REACHED");
  } finally {
    admin.close();
  }
});
