// The filter's stats as Prometheus sees them, on the real (pinned) Envoy with the config the
// project ships: envoy/envoy.template.yaml rendered by envoy/render-config.ts, as
// envoy/envoy.yaml is, on ports of the test's own (so it runs beside a dev stack too), with
// the reference plugin config on the strimzi dialect (examples/reference-strimzi.json), its
// bridges pointed at a fake Strimzi bridge of the test (c1, c3) and at a closed port (c2), and
// max_topic_stats 2. No Kafka cluster is needed.
//
// Checked: Envoy starts without its warning that no global connection limit is set and runs
// the wasm filter with FAIL_RELOAD; after ApiVersions, Metadata (routed, dotted and unrouted
// names), Produce (to more topics than have stats of their own) and a refused connection,
// /stats/prometheus shows the per-api, per-cluster and per-topic stats as labels (stats_tags)
// with no untagged leftovers, and topics_other as a name of its own; every metric name
// examples/grafana-dashboard.json charts is there, but for a short, explicit list of names
// that only an event this test does not cause creates.
//
// Run with: make test-envoy   (node --import tsx --test tests/e2e/envoy_stats.test.ts)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Component } from "../../stack/component.ts";
import { createEnvoy } from "../../stack/envoy.ts";
import { freePort } from "../../stack/proc.ts";
import { waitReady } from "../../stack/stack.ts";
import { render } from "../../envoy/render-config.ts";
import {
  apiVersionsRequest, int32, metadataRequest, produceRequest, readApiVersionsResponse, readMetadataResponse, readProduceResponse,
  recordBatch, roundTrip as roundTripTo, connect as connectTo, waitFor,
} from "../lib/kafka/index.ts";
import { asArray, field } from "./json.ts";
import { readPluginConfig } from "./stack-ports.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOST = "127.0.0.1";
const reference = readPluginConfig(join(ROOT, "examples", "reference-strimzi.json"));
const template = readFileSync(join(ROOT, "envoy", "envoy.template.yaml"), "utf8");
const dashboard: unknown = JSON.parse(readFileSync(join(ROOT, "examples", "grafana-dashboard.json"), "utf8"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Dashboard metrics that only appear after an event this test does not cause. Everything
// else the dashboard charts must be in /stats/prometheus after the traffic below.
const ABSENT_UNTIL_EVENT: Record<string, string> = {
  kafka_mesh_reads_held: "only when a client leaves max_pending_answer_bytes of answers unread",
  kafka_mesh_reads_held_for_memory: "only when a VM's memory budget (max_buffered_bytes) is reached",
  kafka_mesh_connections_closed_for_memory: "only past the VM's second memory threshold",
};

// Envoy's start-up warning when the overload manager sets no connection limit.
const NO_CONN_LIMIT = "There is no configured limit to the number of allowed active downstream connections";
const VM_FAILURE = /\]\[critical\]|Function: \S+ failed|RuntimeError|wasm trap|\bpanic|Failed to load Wasm|Unable to create Wasm|failed to load/i;

interface FakeBridge {
  server: http.Server;
  port: number;
}

/** A REST bridge that acknowledges every produce call as Strimzi does. */
function fakeBridge(): Promise<FakeBridge> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      const n = (() => { try { return asArray(field(JSON.parse(body), "records"), "records").length; } catch { return 0; } })();
      res.writeHead(200, { "content-type": "application/vnd.kafka.v2+json" });
      res.end(JSON.stringify({ offsets: Array.from({ length: n }, (_, i) => ({ partition: 0, offset: i })) }));
    });
  });
  return new Promise((r) => server.listen(0, HOST, () => r({ server, port: (server.address() as AddressInfo).port })));
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format: samples as {name, labels, value}. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** Metric names an expression reads: label matchers, ranges, strings and by (...) removed. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, "");
  return [...bare.matchAll(/\b((?:kafka_mesh|envoy)_[a-zA-Z0-9_]+)\b/g)].map((m) => m[1]);
}

/** A JSON array, or none when absent. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function dashboardQueries(): string[] {
  const exprs: string[] = [];
  const walk = (panels: unknown) => {
    for (const p of list(panels)) {
      for (const t of list(field(p, "targets"))) if (field(t, "expr")) exprs.push(String(field(t, "expr")));
      walk(field(p, "panels"));
    }
  };
  walk(field(dashboard, "panels"));
  for (const v of list(field(field(dashboard, "templating"), "list"))) {
    const query = field(v, "query");
    const q = typeof query === "string" ? query : field(query, "query");
    if (q) exprs.push(String(q));
  }
  return exprs;
}

// -----------------------------------------------------------------------------------------

describe("the filter's stats in Envoy's /stats/prometheus", () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-mesh-envoy-stats-"));
  const logPath = join(ROOT, ".stack", "envoy-stats.log");
  let port: number, admin: number;
  let bridge: FakeBridge | undefined;
  let envoy: Component | undefined;
  const sent = { ApiVersions: 0, Metadata: 0, Produce: 0, acknowledged: 0 };
  let samples: Sample[] = [];

  const roundTrip = (buf: Buffer) => roundTripTo(HOST, port, buf, 10_000);
  const prometheus = async () => parsePrometheus(await (await fetch(`http://${HOST}:${admin}/stats/prometheus`)).text());
  const value = (name: string, labels: Record<string, string> = {}) => samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
  const has = (name: string, labels: Record<string, string> = {}) => samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  before(async () => {
    assert.ok(existsSync(join(ROOT, "build", "kafka_mesh.wasm")), "build/kafka_mesh.wasm missing: run make build");
    bridge = await fakeBridge();
    const closed = await freePort(); // nothing listens there: c2's bridge calls fail
    [port, admin] = [await freePort(), await freePort()];
    const plugin = structuredClone(reference);
    plugin.advertised_port = port;
    plugin.max_topic_stats = 2; // apples and app.dotted.name; app-third counts as other topics
    for (const c of plugin.upstream_clusters) {
      c.rest_bridge.authority = `${HOST}:${c.cluster_name === "c2" ? closed : bridge.port}`;
    }
    const config = join(dir, "envoy.yaml");
    writeFileSync(config, render({ template, plugin, pluginSource: "examples/reference-strimzi.json", variant: "internal",
      listen: { host: HOST, port }, echoPort: 19099 }));
    // The admin port goes over the rendered 9901 the way the stack moves it (--config-yaml).
    envoy = createEnvoy(ROOT, { config, adminPort: admin, name: "envoy-stats" });
    await envoy.start();
    await waitReady(ROOT, envoy, 20_000);

    // The traffic: ApiVersions, Metadata, Produce to c1 (acknowledged), to c2 (its bridge is
    // down), to an unrouted topic, and a connection the filter refuses.
    for (let i = 0; i < 2; i++) {
      assert.equal(readApiVersionsResponse(await roundTrip(apiVersionsRequest(0, 10 + i)), 0).errorCode, 0);
      sent.ApiVersions++;
    }
    for (let i = 0; i < 3; i++) {
      const md = readMetadataResponse(await roundTrip(metadataRequest(1, 20 + i, ["apples", "app.dotted.name", "cherries"])), 1);
      assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode]), [["apples", 0], ["app.dotted.name", 0], ["cherries", 3]]);
      sent.Metadata++;
    }
    // One connection, so one worker VM: the topics with stats of their own are counted per
    // VM, the first max_topic_stats to have records acknowledged.
    const p = await connectTo(HOST, port);
    const produce = async (corr: number, topic: string, n: number) => {
      const records = Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`) }));
      const answered = p.frames.length;
      p.sock.write(produceRequest(3, corr, { timeoutMs: 5000,
        topics: [{ name: topic, partitions: [{ index: 0, records: recordBatch(records) }] }] }));
      await waitFor(p, () => p.frames.length > answered || p.closed, 10_000, `the answer to a Produce to ${topic}`);
      const res = readProduceResponse(p.frames[answered], 3);
      assert.equal(res.correlationId, corr);
      sent.Produce++;
      return res.topics[0].partitions[0].errorCode;
    };
    try {
      assert.equal(await produce(30, "apples", 2), 0, "Produce to apples (c1)");
      assert.equal(await produce(31, "app.dotted.name", 1), 0, "Produce to app.dotted.name (c1)");
      assert.equal(await produce(32, "app-third", 4), 0, "Produce to app-third (c1)");
      sent.acknowledged += 7;
      assert.notEqual(await produce(34, "apricots", 1), 0, "Produce to apricots (c2, bridge down) succeeded");
      assert.equal(await produce(35, "cherries", 1), 3, "Produce to cherries (unrouted)");
    } finally {
      p.sock.destroy();
    }
    const c = await connectTo(HOST, port);
    try {
      c.sock.write(Buffer.concat([int32(-1), Buffer.from("garbage!")]));
      await waitFor(c, () => c.closed, 5000, "the filter to close a connection with a negative frame size");
    } finally {
      c.sock.destroy();
    }

    // Counters are live; histograms reach the admin endpoint on Envoy's stats flush (5 s).
    const settled = Date.now() + 20_000;
    for (;;) {
      samples = await prometheus();
      if (has("kafka_mesh_cluster_upstream_latency_ms_bucket", { cluster: "c1" })
        && value("kafka_mesh_requests", { api: "Produce" }) >= sent.Produce) break;
      if (Date.now() > settled) break; // the tests below say what is missing
      await sleep(250);
    }
  });

  after(async () => {
    await envoy?.stop();
    bridge?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Envoy sets a global connection limit and runs the filter with FAIL_RELOAD", async () => {
    const log = readFileSync(logPath, "utf8");
    assert.ok(!log.includes(NO_CONN_LIMIT), `Envoy warns: ${NO_CONN_LIMIT}`);
    const dump = JSON.stringify(await (await fetch(`http://${HOST}:${admin}/config_dump`)).json());
    assert.match(dump, /"failure_policy":"FAIL_RELOAD"/);
    assert.match(dump, /"name":"envoy\.resource_monitors\.global_downstream_max_connections"/);
  });

  test("requests are counted by API, as a label", () => {
    for (const api of ["ApiVersions", "Metadata", "Produce"] as const) {
      assert.ok(value("kafka_mesh_requests", { api }) >= sent[api],
        `kafka_mesh_requests{api="${api}"} is ${value("kafka_mesh_requests", { api })}, ${sent[api]} sent`);
    }
  });

  test("cluster and topic names are labels, dotted topic names whole", () => {
    assert.ok(value("kafka_mesh_cluster_records", { cluster: "c1" }) >= sent.acknowledged, "kafka_mesh_cluster_records{cluster=\"c1\"}");
    assert.ok(value("kafka_mesh_cluster_bytes", { cluster: "c1" }) > 0, "kafka_mesh_cluster_bytes{cluster=\"c1\"}");
    assert.ok(value("kafka_mesh_cluster_upstream_errors", { cluster: "c2" }) >= 1, "kafka_mesh_cluster_upstream_errors{cluster=\"c2\"}");
    assert.ok(has("kafka_mesh_cluster_upstream_latency_ms_bucket", { cluster: "c1" }), "no upstream latency buckets for c1");
    assert.ok(samples.filter((s) => s.name === "kafka_mesh_cluster_upstream_latency_ms_bucket").every((s) => "le" in s.labels));
    assert.ok(value("kafka_mesh_topic_records", { topic: "apples" }) >= 2, "kafka_mesh_topic_records{topic=\"apples\"}");
    assert.ok(value("kafka_mesh_topic_records", { topic: "app.dotted.name" }) >= 1, "kafka_mesh_topic_records{topic=\"app.dotted.name\"}");
    assert.ok(value("kafka_mesh_topic_bytes", { topic: "app.dotted.name" }) > 0, "kafka_mesh_topic_bytes{topic=\"app.dotted.name\"}");
    // Past max_topic_stats a topic has no stats of its own: counted under topics_other.
    assert.ok(!has("kafka_mesh_topic_records", { topic: "app-third" }), "app-third has stats of its own past max_topic_stats");
    assert.ok(value("kafka_mesh_topics_other_records") >= 4, "kafka_mesh_topics_other_records");
  });

  test("no per-api, per-cluster or per-topic name is left untagged", () => {
    const tagged: Record<string, string> = {
      kafka_mesh_requests: "api",
      kafka_mesh_cluster_records: "cluster", kafka_mesh_cluster_bytes: "cluster", kafka_mesh_cluster_upstream_errors: "cluster",
      kafka_mesh_cluster_upstream_latency_ms_bucket: "cluster", kafka_mesh_cluster_upstream_latency_ms_sum: "cluster",
      kafka_mesh_cluster_upstream_latency_ms_count: "cluster",
      kafka_mesh_topic_records: "topic", kafka_mesh_topic_bytes: "topic",
    };
    const names = [...new Set(samples.map((s) => s.name))];
    const leftovers = names.filter((n) => /^kafka_mesh_(requests_|cluster_|topic_)/.test(n) && !(n in tagged));
    assert.deepEqual(leftovers, [], "stat names that stats_tags did not turn into labels");
    for (const [name, label] of Object.entries(tagged)) {
      const bad = samples.filter((s) => s.name === name && !s.labels[label]);
      assert.deepEqual(bad, [], `${name} without a ${label} label`);
    }
    // The filter's stats without a varying part keep their names and get no label.
    for (const name of ["kafka_mesh_connections_total", "kafka_mesh_connections_refused",
      "kafka_mesh_topics_other_records", "kafka_mesh_topics_other_bytes"]) {
      const s = samples.filter((x) => x.name === name);
      assert.ok(s.length === 1 && Object.keys(s[0].labels).length === 0, `${name}: ${JSON.stringify(s)}`);
    }
    // The gauges each worker VM sets for itself carry a vm label, one series per VM slot
    // (Envoy's 2 workers and its main-thread VMs), and nothing else.
    for (const name of ["kafka_mesh_connections", "kafka_mesh_pending_requests", "kafka_mesh_wasm_memory_bytes", "kafka_mesh_buffered_bytes"]) {
      const s = samples.filter((x) => x.name === name);
      assert.ok(s.length >= 2, `${name}: one series per worker VM expected: ${JSON.stringify(s)}`);
      for (const x of s) assert.deepEqual(Object.keys(x.labels), ["vm"], `${name}: ${JSON.stringify(x)}`);
      assert.equal(new Set(s.map((x) => x.labels.vm)).size, s.length, `${name}: two VMs share a slot`);
    }
    assert.ok(samples.some((x) => x.name === "kafka_mesh_wasm_memory_bytes" && x.value > 0), "no VM reports its memory");
  });

  test("every metric the Grafana dashboard charts is exported", () => {
    const queries = dashboardQueries();
    const used = [...new Set(queries.flatMap(metricNames))].sort();
    assert.ok(used.length >= 15, `only ${used.length} metric names found in the dashboard: ${used.join(", ")}`);
    for (const name of Object.keys(ABSENT_UNTIL_EVENT)) assert.ok(used.includes(name), `allow-listed ${name} is not on the dashboard`);
    const present = new Set(samples.map((s) => s.name));
    const missing = used.filter((n) => !present.has(n) && !(n in ABSENT_UNTIL_EVENT));
    assert.deepEqual(missing, [], "dashboard metrics missing from /stats/prometheus");
  });

  test("Envoy log shows no wasm failure", () => {
    const bad = readFileSync(logPath, "utf8").split("\n").filter((l) => VM_FAILURE.test(l));
    assert.deepEqual(bad, []);
  });
});

// Stats only consumers, lost native streams or security create (this test's Envoy serves none): the
// shipped stats_tags, applied as Envoy applies them (the first group leaves the name, the
// second is the tag's value), turn each into its label.
describe("stats_tags of the shipped config for consumer, native-stream and security stats", () => {
  const tags = [...template.matchAll(/- tag_name: (\w+)\n\s+regex: '([^']+)'/g)].map((m) => ({ name: m[1], re: new RegExp(m[2]) }));
  const extract = (stat: string): { name: string; labels: Record<string, string> } => {
    let name = stat;
    const labels: Record<string, string> = {};
    for (const t of tags) {
      const m = t.re.exec(name);
      if (!m || m[1] === undefined || m[2] === undefined) continue;
      labels[t.name] = m[2];
      name = name.slice(0, m.index + m[0].indexOf(m[1])) + name.slice(m.index + m[0].indexOf(m[1]) + m[1].length);
    }
    return { name: name.replace(/^wasmcustom\./, "").replace(/\./g, "_"), labels };
  };
  const cases: Array<[string, string, Record<string, string>]> = [
    ["wasmcustom.kafka_mesh.cluster.c1.fetched_records", "kafka_mesh_cluster_fetched_records", { cluster: "c1" }],
    ["wasmcustom.kafka_mesh.cluster.c1.fetched_bytes", "kafka_mesh_cluster_fetched_bytes", { cluster: "c1" }],
    ["wasmcustom.kafka_mesh.cluster.c3.upstream_streams_lost", "kafka_mesh_cluster_upstream_streams_lost", { cluster: "c3" }],
    ["wasmcustom.kafka_mesh.topic.bananas.fetched_records", "kafka_mesh_topic_fetched_records", { topic: "bananas" }],
    ["wasmcustom.kafka_mesh.topic.app.dotted.name.fetched_bytes", "kafka_mesh_topic_fetched_bytes", { topic: "app.dotted.name" }],
    ["wasmcustom.kafka_mesh.topic.app.dotted.name.bytes", "kafka_mesh_topic_bytes", { topic: "app.dotted.name" }],
    ["wasmcustom.kafka_mesh.topics_other.fetched_bytes", "kafka_mesh_topics_other_fetched_bytes", {}],
    ["wasmcustom.kafka_mesh.principal.alice.requests", "kafka_mesh_principal_requests", { principal: "alice" }],
    ["wasmcustom.kafka_mesh.principal.CN=bob,OU=clients,O=kafka-mesh.denied", "kafka_mesh_principal_denied", { principal: "CN=bob,OU=clients,O=kafka-mesh" }],
    ["wasmcustom.kafka_mesh.principal.alice.authentication_failures", "kafka_mesh_principal_authentication_failures", { principal: "alice" }],
    ["wasmcustom.kafka_mesh.principals_other.denied", "kafka_mesh_principals_other_denied", {}],
    ["wasmcustom.kafka_mesh.sasl.authentication_failures", "kafka_mesh_sasl_authentication_failures", {}],
  ];
  for (const [stat, name, labels] of cases) {
    test(`${stat} -> ${name}${JSON.stringify(labels)}`, () => {
      assert.deepEqual(extract(stat), { name, labels });
    });
  }
});
