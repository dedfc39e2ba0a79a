// The wire library's consumer and group messages (schema.ts on schemas.ts) against Kafka's own
// encodings: every vector of tests/fixtures/messages/vectors.ts (written by kafka-clients'
// message classes, codegen/vectors/MessageVectors.java) for those APIs decodes to its end and
// re-encodes to Kafka's bytes. Run: node --import tsx --test tests/lib/kafka/schema.test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as k from "./index.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const VECTORS = fs.readFileSync(path.join(ROOT, "tests/fixtures/messages/vectors.ts"), "utf8");

interface Vector { message: string; version: number; variant: string; hex: string; reencodedHex: string }

function vectors(): Vector[] {
  const re = /new MessageVector\("(\w+)", (\d+), "([^"]*)", "(?:[^"\\]|\\.)*",\s*"([0-9a-f]*)",\s*"([0-9a-f]*)"\)/g;
  return [...VECTORS.matchAll(re)].map((m) => ({ message: m[1], version: Number(m[2]), variant: m[3], hex: m[4], reencodedHex: m[5] }));
}

test("consumer and group messages decode and re-encode as kafka-clients writes them", () => {
  const byName = new Map<string, k.MessageSchema>();
  for (const api of Object.values(k.CONSUMER_APIS)) {
    byName.set(api.request.name, api.request);
    byName.set(api.response.name, api.response);
  }
  let checked = 0;
  const seen = new Set<string>();
  for (const v of vectors()) {
    const schema = byName.get(v.message);
    if (!schema) continue;
    const what = `${v.message} v${v.version} ${v.variant}`;
    const r = new k.Reader(Buffer.from(v.hex, "hex"));
    const body = k.decodeBody(schema, v.version, r);
    r.end(what);
    assert.equal(k.encodeBody(schema, v.version, body).toString("hex"), v.reencodedHex, what);
    seen.add(v.message);
    checked++;
  }
  assert.equal(seen.size, 22, `messages covered: ${[...seen].join(", ")}`);
  assert.ok(checked > 200, `${checked} vectors`);
});
