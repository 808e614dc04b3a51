// Every service through the typed client, with the bearer token on every call (watches included).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { Code, ImageStreamsError, SERVICES, SourceKind, SubjectKind, WatchServiceDefinition } from "../src";
import { client, digest, project, unique } from "./server";

test("every service generated from proto/ has its client", () => {
  const generated = path.join(__dirname, "..", "src", "gen", "imagestreams", "v1");
  const services: string[] = [];
  for (const file of readdirSync(generated).filter((name) => name.endsWith(".js"))) {
    for (const [name, value] of Object.entries(require(path.join(generated, file)))) {
      if (name.endsWith("ServiceDefinition")) services.push((value as { fullName: string }).fullName);
    }
  }
  const covered = [...Object.values(SERVICES), WatchServiceDefinition].map((definition) => definition.fullName);
  assert.deepEqual(services.sort(), covered.sort());
});

test("image streams, projects, imports, secrets, access and registry all answer, typed", async () => {
  const admin = client();
  try {
    const who = await admin.access.whoAmI();
    assert.equal(who.username, "admin");

    const registry = await admin.registry.getRegistryInfo();
    assert.equal(typeof registry.hostname, "string");

    const namespace = await project(admin, "node-services");
    const listed = await admin.projects.listProjects();
    assert.ok(listed.projects.some((p) => p.name === namespace));
    assert.equal((await admin.projects.getProject({ name: namespace })).project?.name, namespace);

    const created = await admin.imageStreams.createImageStream({ imageStream: { namespace, name: "app" } });
    assert.equal(created.imageStream?.name, "app");
    assert.equal(typeof created.position, "bigint");
    const pullSpec = `registry.example.com/team/app@${digest("a1")}`;
    const tagged = await admin.imageStreams.tag({
      namespace,
      source: { kind: SourceKind.SOURCE_KIND_DOCKER_IMAGE, name: pullSpec },
      destinations: [{ stream: "app", tag: "v1" }],
    });
    assert.ok(tagged.position > created.position);
    const view = await admin.imageStreams.getImageStreamTag({
      namespace,
      stream: "app",
      tag: "v1",
      minPosition: tagged.position,
    });
    assert.equal(view.imageStreamTag?.image?.name, digest("a1"));
    const streams = await admin.imageStreams.listImageStreams({ namespace });
    assert.deepEqual(
      streams.imageStreams.map((s) => s.name),
      ["app"],
    );

    // A dry run from a registry that refuses connections: the import's outcome is reported, nothing written.
    const imported = await admin.imports.importImage({
      namespace,
      name: "app",
      tag: "v2",
      from: "127.0.0.1:1/team/app:v2",
      insecure: true,
    });
    assert.equal(imported.dryRun, true);
    assert.equal(imported.tags.length, 1);

    const secret = await admin.secrets.createSecret({
      namespace,
      name: "pull",
      credential: { server: "registry.example.com", username: "robot", password: "s3cret" },
    });
    assert.equal(secret.secret?.name, "pull");
    const secrets = (await admin.secrets.listSecrets({ namespace })).secrets;
    assert.deepEqual(
      secrets.map((s) => [s.name, s.registries.map((r) => r.server)]),
      [["pull", ["registry.example.com"]]],
    );
    assert.ok(
      !JSON.stringify(secrets, (_key, value) => (typeof value === "bigint" ? `${value}` : value)).includes("s3cret"),
    );
    await admin.secrets.deleteSecret({ namespace, name: "pull" });

    // A token made through the client authenticates the client: the bearer token is what identifies a caller.
    const account = unique("robot");
    await admin.access.createServiceAccount({ namespace, name: account });
    const token = await admin.access.createToken({
      subject: { kind: SubjectKind.SUBJECT_KIND_SERVICE_ACCOUNT, namespace, name: account },
    });
    const robot = client({ token: token.secret });
    try {
      assert.equal((await robot.access.whoAmI()).username, `system:serviceaccount:${namespace}:${account}`);
    } finally {
      robot.close();
    }
  } finally {
    admin.close();
  }
});

test("without a token, unary calls and watches are UNAUTHENTICATED", async () => {
  const anonymous = client({ token: "" });
  try {
    await assert.rejects(anonymous.access.whoAmI(), (error: unknown) => {
      assert.ok(error instanceof ImageStreamsError);
      assert.equal(error.code, Code.UNAUTHENTICATED);
      return true;
    });
    // Not a failure to retry: the watch ends with it at once.
    await assert.rejects(
      (async () => {
        for await (const _ of anonymous.watch({ namespace: "default" })) assert.fail("a response without credentials");
      })(),
      (error: unknown) => error instanceof ImageStreamsError && error.code === Code.UNAUTHENTICATED,
    );
  } finally {
    anonymous.close();
  }
});

test("a closed watch yields nothing; aborted calls are CANCELLED, late ones DEADLINE_EXCEEDED", async () => {
  const admin = client();
  try {
    const watch = admin.watch({ namespace: "default", fromNow: true });
    watch.close();
    for await (const _ of watch) assert.fail("a closed watch yields nothing");
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(admin.access.whoAmI({}, { signal: aborted.signal }), (error: unknown) => {
      return error instanceof ImageStreamsError && error.code === Code.CANCELLED;
    });
    await assert.rejects(admin.access.whoAmI({}, { timeoutMs: 0 }), (error: unknown) => {
      return error instanceof ImageStreamsError && error.code === Code.DEADLINE_EXCEEDED;
    });
  } finally {
    admin.close();
  }
});
