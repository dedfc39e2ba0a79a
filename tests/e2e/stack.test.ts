// Smoke tests of the local stack (`make test-stack` starts it): a real Kafka client produces to
// and consumes from each cluster, and records posted to each bridge over HTTP are read back from
// Kafka with the same bytes, partition and offset the bridge answered.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { isAbsolute, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Consumer, type IHeaders, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { asObject, isObject, num } from "./json.ts";
import { bridgePorts, dialectOf } from "../../stack/config.ts";
import { readPluginConfig } from "./stack-ports.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fromEnv = (v: string, fallback: string) => {
  const value = process.env[v];
  return value ? (isAbsolute(value) ? value : resolve(value)) : join(root, fallback);
};
const config = readPluginConfig(fromEnv("STACK_CONFIG", "examples/reference.json"));
const topics = JSON.parse(readFileSync(fromEnv("STACK_TOPICS", "examples/reference-topics.json"), "utf8")) as Record<string, string>;
const BINARY = "application/vnd.kafka.binary.v2+json";

interface Cluster {
  name: string;
  brokers: string[];
  partitions: number;
  bridge: string;
  topic: string;
}

/** The bridge's HTTP address (the Strimzi REST API), whichever endpoint the config's dialect names. */
function bridgeHttp(c: (typeof config.upstream_clusters)[number]): string {
  const [, host, port] = /^(.*):(\d+)$/.exec(c.rest_bridge.authority) ?? [];
  return `http://${host}:${bridgePorts(Number(port), dialectOf(c.rest_bridge, `${c.cluster_name}.rest_bridge.dialect`)).httpPort}`;
}

const clusters = config.upstream_clusters.map((c): Cluster => ({
  name: c.cluster_name,
  brokers: c.bootstrap_servers.split(","),
  partitions: c.partition_count,
  bridge: bridgeHttp(c),
  topic: String(Object.keys(topics).find((t) => topics[t] === c.cluster_name)),
}));

const clients: Array<Producer | Consumer> = [];
function kafka(cluster: Cluster) {
  const k = new Kafka({ clientId: "stack-test", brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  return k;
}
after(async () => {
  await Promise.all(clients.map((c) => c.disconnect().catch(() => {})));
});

/**
 * Reads the topic from the given offsets (the partitions the records were written to, at or
 * before their offsets: a long-lived stack's topics hold far more than a read from the beginning
 * gets through in time) until `want(msg)` has matched `count` records; returns them as
 * {partition, offset, key, value, headers, timestamp}.
 */
interface Consumed {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  timestamp: number;
}

/** Every partition's end offset now: where records written after this call start. */
async function endOffsets(cluster: Cluster, topic: string): Promise<Array<{ partition: number; offset: number }>> {
  const admin = kafka(cluster).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: Number(p.high) }));
  } finally {
    await admin.disconnect();
  }
}

async function consume(cluster: Cluster, topic: string, from: Array<{ partition: number; offset: number }>, count: number, want: (m: Consumed) => boolean | undefined, timeoutMs = 30000): Promise<Consumed[]> {
  const consumer = kafka(cluster).consumer({ groupId: `stack-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  clients.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const start = new Map<number, number>();
  for (const f of from) start.set(f.partition, Math.min(start.get(f.partition) ?? f.offset, f.offset));
  const found: Consumed[] = [];
  try {
    await new Promise<void>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${found.length}/${count} records found in ${topic} after ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const m = {
              partition,
              offset: Number(message.offset),
              key: message.key,
              value: message.value,
              headers: message.headers,
              timestamp: Number(message.timestamp),
            };
            if (want(m)) found.push(m);
            if (found.length >= count) {
              clearTimeout(timer);
              resolvePromise();
            }
          },
        })
        .catch(reject);
      // kafkajs takes seeks once run() has started.
      for (const [partition, offset] of start) consumer.seek({ topic, partition, offset: String(offset) });
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/** One entry of a bridge's offsets: {partition, offset} or {error_code, message}; `keys` as sent. */
interface BridgeOffset {
  partition: number;
  offset: number;
  error_code: unknown;
  message: string;
  keys: string[];
}

/** A bridge's answer: {offsets} or {error_code, message} (read from the raw JSON, which `json` keeps). */
interface BridgeAnswer {
  offsets: BridgeOffset[];
  error_code: unknown;
  message: string;
}

function bridgeAnswer(v: unknown): BridgeAnswer {
  const o = isObject(v) ? v : {};
  const offsets = Array.isArray(o.offsets) ? o.offsets.map((x: unknown) => asObject(x, "bridge offset")) : [];
  return {
    offsets: offsets.map((x) => ({ partition: num(x.partition), offset: num(x.offset), error_code: x.error_code, message: String(x.message), keys: Object.keys(x) })),
    error_code: o.error_code,
    message: String(o.message),
  };
}

async function post(url: string, body: unknown, contentType = BINARY) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  return { status: res.status, contentType: res.headers.get("content-type"), json, answer: bridgeAnswer(json) };
}

const b64 = (buf: string | Uint8Array) => Buffer.from(buf).toString("base64");

for (const cluster of clusters) {
  describe(`cluster ${cluster.name} (${cluster.brokers}, topic ${cluster.topic})`, () => {
    test("a Kafka client produces and consumes straight to the cluster", async () => {
      const producer = kafka(cluster).producer({ createPartitioner: Partitioners.DefaultPartitioner });
      clients.push(producer);
      await producer.connect();
      const tag = randomUUID();
      const partition = cluster.partitions - 1;
      const value = Buffer.concat([Buffer.from(tag), randomBytes(64)]);
      const [meta] = await producer.send({
        topic: cluster.topic,
        acks: -1,
        messages: [{ key: Buffer.from("direct"), value, partition, headers: { tag } }],
      });
      await producer.disconnect();
      assert.equal(meta.errorCode, 0);
      assert.equal(meta.partition, partition);
      const [got] = await consume(cluster, cluster.topic, [{ partition, offset: Number(meta.baseOffset) }], 1, (m) => m.value?.subarray(0, tag.length).toString() === tag);
      assert.equal(got.partition, partition);
      assert.equal(got.offset, Number(meta.baseOffset));
      assert.deepEqual(got.value, value);
      assert.deepEqual(got.key, Buffer.from("direct"));
      assert.deepEqual(got.headers?.tag, Buffer.from(tag));
    });

    test("records posted to the bridge land in Kafka byte for byte at the answered offsets", async () => {
      const tag = randomUUID();
      const now = Date.now() - 1000;
      const sent: Array<{ key?: Buffer; value: Buffer; headers: Array<[string, Buffer]>; partition?: number; timestamp?: number }> = [
        // Bytes that are not UTF-8, an empty key, a tombstone-like empty value, headers with binary values.
        { key: randomBytes(16), value: Buffer.concat([Buffer.from(tag), randomBytes(200)]), headers: [["h1", randomBytes(8)], ["h1", Buffer.alloc(0)], ["trace", Buffer.from(tag)]] },
        { key: Buffer.alloc(0), value: Buffer.concat([Buffer.from(tag), Buffer.from([0, 255, 128])]), headers: [], partition: cluster.partitions - 1, timestamp: now },
        { value: Buffer.from(tag), headers: [] },
      ];
      const body = {
        records: sent.map((r) => ({
          ...(r.key !== undefined ? { key: b64(r.key) } : {}),
          value: b64(r.value),
          ...(r.headers.length ? { headers: r.headers.map(([k, v]) => ({ key: k, value: b64(v) })) } : {}),
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
          ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
        })),
      };
      const res = await post(`${cluster.bridge}/topics/${cluster.topic}`, body);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.contentType, "application/vnd.kafka.v2+json");
      assert.equal(res.answer.offsets.length, sent.length);
      for (const o of res.answer.offsets) {
        assert.deepEqual(o.keys.sort(), ["offset", "partition"], JSON.stringify(o));
        assert.ok(o.partition >= 0 && o.partition < cluster.partitions);
      }
      assert.equal(res.answer.offsets[1].partition, cluster.partitions - 1);

      const got = await consume(cluster, cluster.topic, res.answer.offsets.map((o) => ({ partition: o.partition, offset: o.offset })), sent.length, (m) => m.value?.subarray(0, tag.length).toString() === tag);
      for (let i = 0; i < sent.length; i++) {
        const m = got.find((g) => g.partition === res.answer.offsets[i].partition && g.offset === res.answer.offsets[i].offset);
        assert.ok(m, `record ${i} not found at ${JSON.stringify(res.answer.offsets[i])}`);
        assert.deepEqual(m.value, sent[i].value);
        if (sent[i].key === undefined) assert.equal(m.key, null);
        else assert.deepEqual(m.key, sent[i].key);
        if (sent[i].timestamp !== undefined) assert.equal(m.timestamp, sent[i].timestamp);
        // kafkajs folds repeated header keys into an array, in order.
        const expected: Record<string, Buffer | Buffer[]> = {};
        for (const [k, v] of sent[i].headers) expected[k] = k in expected ? ([] as Buffer[]).concat(expected[k], v) : v;
        assert.deepEqual(m.headers, expected);
      }
    });

    test("POST /topics/{topic}/partitions/{partition} produces to that partition", async () => {
      const tag = randomUUID();
      const partition = cluster.partitions - 1;
      const res = await post(`${cluster.bridge}/topics/${cluster.topic}/partitions/${partition}`, {
        records: [{ key: b64("k"), value: b64(tag) }, { value: b64(tag) }],
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.answer.offsets.map((o) => o.partition), [partition, partition]);
      assert.equal(res.answer.offsets[1].offset, res.answer.offsets[0].offset + 1);
      const got = await consume(cluster, cluster.topic, res.answer.offsets.map((o) => ({ partition: o.partition, offset: o.offset })), 2, (m) => m.value?.toString() === tag);
      assert.deepEqual(got.map((m) => [m.partition, m.offset]).sort((a, b) => a[1] - b[1]), res.answer.offsets.map((o) => [o.partition, o.offset]));
    });

    test("async=true answers 204 without a body and the record lands", async () => {
      const tag = randomUUID();
      const from = await endOffsets(cluster, cluster.topic);
      const res = await post(`${cluster.bridge}/topics/${cluster.topic}?async=true`, { records: [{ value: b64(tag) }] });
      assert.equal(res.status, 204);
      assert.equal(res.json, undefined);
      const [got] = await consume(cluster, cluster.topic, from, 1, (m) => m.value?.toString() === tag);
      assert.deepEqual(got.value, Buffer.from(tag));
    });
  });
}

describe("bridge content types", () => {
  const c = clusters[clusters.length - 1];
  test("json and text embedded formats send the serialized JSON and the UTF-8 text", async () => {
    const tag = randomUUID();
    const json = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ key: { k: [1, "é"] }, value: { tag, n: 1.5 } }] }, "application/vnd.kafka.json.v2+json");
    assert.equal(json.status, 200, JSON.stringify(json.json));
    const text = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ key: "clé", value: `${tag} text` }] }, "application/vnd.kafka.text.v2+json");
    assert.equal(text.status, 200, JSON.stringify(text.json));
    const got = await consume(c, c.topic, [json.answer.offsets[0], text.answer.offsets[0]].map((o) => ({ partition: o.partition, offset: o.offset })), 2, (m) => m.value?.includes(tag));
    const at = (o: BridgeOffset) => got.find((m) => m.partition === o.partition && m.offset === o.offset);
    const j = at(json.answer.offsets[0]);
    assert.ok(j?.key && j.value);
    assert.deepEqual(JSON.parse(j.key.toString("utf8")), { k: [1, "é"] });
    assert.deepEqual(JSON.parse(j.value.toString("utf8")), { tag, n: 1.5 });
    const t = at(text.answer.offsets[0]);
    assert.ok(t);
    assert.deepEqual(t.key, Buffer.from("clé", "utf8"));
    assert.deepEqual(t.value, Buffer.from(`${tag} text`, "utf8"));
  });
});

describe("bridge errors", () => {
  const c = clusters[0];

  test("unknown topic: 404 with the Strimzi error JSON naming the Kafka error", async () => {
    const res = await post(`${c.bridge}/topics/no-such-topic-${randomUUID()}`, { records: [{ value: b64("x") }] });
    assert.equal(res.status, 404);
    assert.equal(res.contentType, "application/vnd.kafka.v2+json");
    assert.equal(res.answer.error_code, 404);
    assert.match(res.answer.message, /kafka_error_code=3 UNKNOWN_TOPIC_OR_PARTITION/);
  });

  test("unknown partition in the path: 404; in the body: a per-record error", async () => {
    let res = await post(`${c.bridge}/topics/${c.topic}/partitions/${c.partitions}`, { records: [{ value: b64("x") }] });
    assert.equal(res.status, 404);
    assert.equal(res.answer.error_code, 404);
    res = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ value: b64("x"), partition: c.partitions }, { value: b64("y"), partition: 0 }] });
    assert.equal(res.status, 200);
    assert.equal(res.answer.offsets[0].error_code, 404);
    assert.match(res.answer.offsets[0].message, /kafka_error_code=3 /);
    assert.equal(res.answer.offsets[1].partition, 0);
  });

  test("invalid records: 422 for bad Base64, 400 for a record without value or bad JSON", async () => {
    let res = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ value: "not base64!" }] });
    assert.equal(res.status, 422);
    assert.equal(res.answer.error_code, 422);
    res = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ key: b64("k") }] });
    assert.equal(res.status, 400);
    assert.equal(res.answer.error_code, 400);
    res = await post(`${c.bridge}/topics/${c.topic}`, "{not json");
    assert.equal(res.status, 400);
    res = await post(`${c.bridge}/topics/${c.topic}/partitions/0`, { records: [{ value: b64("x"), partition: 0 }] });
    assert.equal(res.status, 400, "partition is not part of a record sent to a partition path");
  });

  test("a record larger than the producer allows: per-record error with the Kafka code", async () => {
    const res = await post(`${c.bridge}/topics/${c.topic}`, { records: [{ value: b64(randomBytes(2 * 1024 * 1024)) }] });
    assert.equal(res.status, 200);
    assert.equal(res.answer.offsets[0].error_code, 422);
    assert.match(res.answer.offsets[0].message, /RecordTooLargeException; kafka_error_code=10 MESSAGE_TOO_LARGE/);
  });

  test("GET /ready and /healthy answer 200; connections are kept alive", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number | undefined; reused: boolean | undefined }>((res, rej) => {
        const req = http.get(`${c.bridge}${path}`, { agent }, (r) => {
          r.resume();
          r.on("end", () => res({ status: r.statusCode, reused: req.reusedSocket }));
        });
        req.on("error", rej);
      });
    const a = await get("/ready");
    const b = await get("/healthy");
    agent.destroy();
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.reused, true);
  });
});
