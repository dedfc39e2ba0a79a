// Configuration faults and hostile routing on the real (pinned) Envoy, with no Kafka cluster:
// each Envoy here is started by the test on ports of its own, the REST bridge clusters point at
// a recording HTTP server of the test.
//
//  - a bad plugin configuration fails plugin load, and the log names the offending field;
//  - with the listener served from a file (LDS, watched directory), a bad update is rejected,
//    named in the log, and the previous listener keeps serving Kafka;
//  - topic names with path, percent-encoding, CR/LF and quote characters are refused with
//    INVALID_TOPIC_EXCEPTION in Metadata and Produce, and no HTTP request reaches a bridge.
//
// Run with: make test-config-faults
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PluginConfig, readPluginConfig, ROOT } from "./stack-ports.ts";
import { envoyArgs, envoyBinary } from "../../stack/envoy.ts";
import { freePort, stopChild } from "../../stack/proc.ts";
import { render } from "../../envoy/render-config.ts";
import {
  apiVersionsRequest, initProducerIdRequest, metadataRequest, produceRequest, readApiVersionsResponse, readInitProducerIdResponse,
  readMetadataResponse, readProduceResponse, recordBatch, roundTrip, stringRecords,
} from "../lib/kafka/index.ts";
import { asArray, field } from "./json.ts";

const HOST = "127.0.0.1";
const INVALID_TOPIC_EXCEPTION = 17;
const reference = readPluginConfig(join(ROOT, "examples", "reference-strimzi.json"));
const template = readFileSync(join(ROOT, "envoy", "envoy.template.yaml"), "utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A trapped or aborted VM (an expected configuration rejection is not one of these).
const vmFailures = (log: string) => log.split("\n").filter((l) => /\]\[wasm\]/.test(l) && /Function: \S+ failed|RuntimeError|trap|panic|abort/i.test(l));

/** Produce v3 (acks all, 5 s) of one batch of [key, value] records to partition 0 of `topic`. */
const produceV3 = (corr: number, topic: string, pairs: Array<[string, string]>) =>
  produceRequest(3, corr, { timeoutMs: 5000, topics: [{ name: topic, partitions: [{ index: 0, records: recordBatch(stringRecords(pairs)) }] }] });

/**
 * The reference scenario on the strimzi dialect (the bridge is an HTTP server of the test), with
 * every bridge at `bridgePort` and the broker at `port`.
 */
function pluginConfig(port: number, bridgePort: number): PluginConfig {
  const cfg = structuredClone(reference);
  cfg.advertised_port = port;
  for (const c of cfg.upstream_clusters) c.rest_bridge.authority = `${HOST}:${bridgePort}`;
  return cfg;
}

/** envoy/envoy.yaml as envoy/render-config.ts renders it, on our ports. */
function renderStatic(plugin: unknown, port: number, adminPort: number): string {
  const text = render({ template, plugin, pluginSource: "examples/reference-strimzi.json", variant: "internal",
    listen: { host: HOST, port }, echoPort: 19099 });
  return text.replace(/(admin:\n\s+address:\n\s+socket_address: \{ address: 127\.0\.0\.1, port_value: )\d+/, `$1${adminPort}`);
}

/**
 * The same config with the kafka_mesh listener moved to an LDS file in a watched directory:
 * returns the bootstrap and a function that renders the LDS file for a plugin config.
 */
function renderLds(plugin: unknown, port: number, adminPort: number, dir: string) {
  const text = renderStatic(plugin, port, adminPort);
  const start = text.indexOf("  - name: kafka_mesh\n");
  const end = text.indexOf("  - name: kafka_mesh_echo\n");
  assert.ok(start > 0 && end > start, "rendered config: kafka_mesh listener block not found");
  const block = text.slice(start, end);
  const bootstrap = text.slice(0, start) + text.slice(end) + [
    "dynamic_resources:",
    "  lds_config:",
    "    resource_api_version: V3",
    "    path_config_source:",
    `      path: ${JSON.stringify(join(dir, "lds.yaml"))}`,
    "      watched_directory:",
    `        path: ${JSON.stringify(dir)}`,
    "",
  ].join("\n");
  const listener = (cfg: unknown) => {
    const body = block.split("\n").map((l) => l.slice(2)).join("\n")
      .replace(/^- name: kafka_mesh$/m, '- "@type": type.googleapis.com/envoy.config.listener.v3.Listener\n  name: kafka_mesh')
      .replace(/^(\s+value: ).*$/m, (_, p: string) => p + JSON.stringify(typeof cfg === "string" ? cfg : JSON.stringify(cfg)));
    return `version_info: ${JSON.stringify(String(Date.now()))}\nresources:\n${body}`;
  };
  return { bootstrap, listener };
}

/** Starts Envoy on a config file; the log goes to `<config>.log`. */
function startEnvoy(configPath: string) {
  const logPath = `${configPath}.log`;
  const child = spawn(envoyBinary(ROOT), envoyArgs(configPath), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d));
  child.stderr.on("data", (d: Buffer) => (log += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  return {
    child, exited, logPath,
    log: () => log,
    async stop() {
      await stopChild(child);
      writeFileSync(logPath, log);
    },
  };
}

async function waitUntil<T>(cond: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

const ready = (adminPort: number) => fetch(`http://${HOST}:${adminPort}/ready`).then((r) => r.status === 200, () => false);
const stat = async (adminPort: number, name: string) => {
  const text = await (await fetch(`http://${HOST}:${adminPort}/stats?filter=${encodeURIComponent(`^${name}$`)}`)).text();
  const m = new RegExp(`^${name.replace(/\./g, "\\.")}: (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
};

async function assertServesKafka(port: number, corr: number) {
  const res = readApiVersionsResponse(await roundTrip(HOST, port, apiVersionsRequest(0, corr)), 0);
  assert.equal(res.correlationId, corr);
  assert.equal(res.errorCode, 0);
}

interface BridgeRequest {
  method?: string;
  url?: string;
  host?: string;
  body: string;
}

interface RecordingBridge {
  server: http.Server;
  requests: BridgeRequest[];
  port: number;
}

/** A REST bridge endpoint that records every request and answers produce calls like Strimzi. */
function recordingBridge(): Promise<RecordingBridge> {
  const requests: BridgeRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, host: req.headers.host, body });
      const n = (() => { try { return asArray(field(JSON.parse(body), "records"), "records").length; } catch { return 0; } })();
      res.writeHead(200, { "content-type": "application/vnd.kafka.v2+json" });
      res.end(JSON.stringify({ offsets: Array.from({ length: n }, (_, i) => ({ partition: 0, offset: 1000 + i })) }));
    });
  });
  return new Promise((resolve) => server.listen(0, HOST, () => resolve({ server, requests, port: (server.address() as AddressInfo).port })));
}

// -----------------------------------------------------------------------------------------

describe("configuration faults and hostile routing in real Envoy", () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-mesh-config-faults-"));
  let bridge!: RecordingBridge;

  before(async () => {
    assert.ok(existsSync(join(ROOT, "build", "kafka_mesh.wasm")), "build/kafka_mesh.wasm missing: run make build");
    bridge = await recordingBridge();
  });

  after(() => {
    bridge?.server.close();
    if (!process.env.KEEP_CONFIG_FAULTS) rmSync(dir, { recursive: true, force: true });
  });

  // Each case: how the reference config is broken, and the field the log must name.
  const BAD: Record<string, [(c: PluginConfig) => void, string]> = {
    "an unknown field": [(c) => { c.upstream_clusters[1].rest_bridge.timeout_ms = 5; }, "upstream_clusters[1].rest_bridge.timeout_ms: unknown field"],
    "a missing cluster list": [(c) => { Reflect.deleteProperty(c, "upstream_clusters"); }, "upstream_clusters: must be a non-empty array"],
    "a rule to an unknown cluster": [(c) => { c.forwarding_rules[2].target_cluster = "c9"; }, "forwarding_rules[2].target_cluster: unknown cluster 'c9'"],
    "a duplicate cluster": [(c) => { c.upstream_clusters[2].cluster_name = "c1"; }, "upstream_clusters[2].cluster_name: duplicate cluster 'c1'"],
    "a cluster without a name": [(c) => { Reflect.deleteProperty(c.upstream_clusters[0], "cluster_name"); }, "upstream_clusters[0].cluster_name: is required"],
  };

  for (const [what, [breakIt, expected]] of Object.entries(BAD)) {
    test(`plugin load fails on ${what}, and the log names it`, async () => {
      const [port, admin] = [await freePort(), await freePort()];
      const plugin = pluginConfig(port, bridge.port);
      breakIt(plugin);
      // Envoy's own cluster list is rendered from the good config: only the plugin's is bad.
      const text = renderStatic(pluginConfig(port, bridge.port), port, admin)
        .replace(/^(\s+value: ).*$/m, (_, p: string) => p + JSON.stringify(JSON.stringify(plugin)));
      const path = join(dir, `bad-${Object.keys(BAD).indexOf(what)}.yaml`);
      writeFileSync(path, text);
      const envoy = startEnvoy(path);
      try {
        const line = `kafka_mesh: invalid plugin configuration: ${expected}`;
        await waitUntil(() => envoy.log().includes(line) || envoy.child.exitCode !== null, 20_000, "the plugin's verdict");
        assert.ok(envoy.log().includes(line), `no "${line}" in the log:\n${envoy.log().slice(-3000)}`);
        // The listener with the failed plugin is not serving Kafka: Envoy refused the config.
        const r = await Promise.race([envoy.exited, sleep(5000).then(() => null)]);
        assert.ok(r !== null && r.code !== 0, "Envoy kept running on a config whose plugin failed to load");
        assert.deepEqual(vmFailures(envoy.log()), []);
      } finally {
        await envoy.stop();
      }
    });
  }

  describe("listener from a watched LDS file", () => {
    let port: number, admin: number;
    let envoy!: ReturnType<typeof startEnvoy>;
    let lds: ReturnType<typeof renderLds>;
    const ldsPath = join(dir, "lds", "lds.yaml");

    /** Replaces the LDS file atomically (rename in the watched directory). */
    const publish = (content: string) => {
      const tmp = join(dir, "lds", `.lds.${Date.now()}.tmp`);
      writeFileSync(tmp, content);
      renameSync(tmp, ldsPath);
    };

    before(async () => {
      [port, admin] = [await freePort(), await freePort()];
      mkdirSync(join(dir, "lds"), { recursive: true });
      lds = renderLds(pluginConfig(port, bridge.port), port, admin, join(dir, "lds"));
      publish(lds.listener(pluginConfig(port, bridge.port)));
      writeFileSync(join(dir, "lds-bootstrap.yaml"), lds.bootstrap);
      envoy = startEnvoy(join(dir, "lds-bootstrap.yaml"));
      await waitUntil(() => ready(admin), 20_000, "Envoy ready");
      await waitUntil(() => stat(admin, "listener_manager.lds.update_success").then((n) => n >= 1), 20_000, "the first LDS update");
    });

    after(async () => {
      await envoy?.stop();
    });

    test("serves Kafka on the listener from the file", async () => {
      await assertServesKafka(port, 11);
    });

    test("a bad plugin config in an update is rejected, named in the log, and the old listener keeps serving", async () => {
      const rejectedBefore = await stat(admin, "listener_manager.lds.update_rejected");
      const bad = pluginConfig(port, bridge.port);
      bad.forwarding_rules.push({ topic_prefix: "c", target_cluster: "nowhere" });
      publish(lds.listener(bad));
      await waitUntil(() => stat(admin, "listener_manager.lds.update_rejected").then((n) => n > rejectedBefore), 20_000,
        "the update to be rejected");
      assert.match(envoy.log(), /kafka_mesh: invalid plugin configuration: forwarding_rules\[3\]\.target_cluster: unknown cluster 'nowhere'/);
      await assertServesKafka(port, 12);
      // Still the old config: a topic of the bad rule's prefix is unknown, not routed.
      const md = readMetadataResponse(await roundTrip(HOST, port, metadataRequest(1, 13, ["cherries", "apples"])), 1);
      assert.deepEqual(md.topics.map((t) => [t.name, t.errorCode]).sort(), [["apples", 0], ["cherries", 3]]);
    });

    test("a good update after the bad one is taken", async () => {
      const okBefore = await stat(admin, "listener_manager.lds.update_success");
      const good = pluginConfig(port, bridge.port);
      good.forwarding_rules.push({ topic_prefix: "c", target_cluster: "c1" });
      publish(lds.listener(good));
      await waitUntil(() => stat(admin, "listener_manager.lds.update_success").then((n) => n > okBefore), 20_000, "the update");
      // New connections get the new listener (the old one drains its own).
      await waitUntil(async () => {
        const md = readMetadataResponse(await roundTrip(HOST, port, metadataRequest(1, 14, ["cherries"])), 1);
        return md.topics[0].errorCode === 0;
      }, 10_000, "cherries routed by the new config");
      assert.deepEqual(vmFailures(envoy.log()), []);
    });
  });

  describe("hostile topic names", () => {
    let port: number, admin: number;
    let envoy!: ReturnType<typeof startEnvoy>;
    const HOSTILE = [
      "../ready", "apples/../../healthy", "..", "apples%2Fpartitions%2F0", "%2e%2e%2Fready",
      "apples\r\nHost: evil", "apples\nX: y", 'apples"', "apples'", "a b", "apples?async=true", "apples#x",
      "a".repeat(250),
    ];

    before(async () => {
      [port, admin] = [await freePort(), await freePort()];
      const path = join(dir, "hostile.yaml");
      writeFileSync(path, renderStatic(pluginConfig(port, bridge.port), port, admin));
      envoy = startEnvoy(path);
      await waitUntil(() => ready(admin), 20_000, "Envoy ready");
    });

    after(async () => {
      await envoy?.stop();
    });

    const bridgeRequests = async () => {
      let n = 0;
      for (const c of reference.upstream_clusters) n += await stat(admin, `cluster.${c.rest_bridge.envoy_cluster}.upstream_rq_total`);
      return n;
    };

    // Not a configuration fault, but this Envoy runs two worker VMs: producer ids must be
    // unique across them (a shared id would mix two producers' sequence state).
    test("InitProducerId hands out distinct producer ids across worker VMs", async () => {
      const ids: bigint[] = [];
      for (let i = 0; i < 16; i++) {
        const res = readInitProducerIdResponse(await roundTrip(HOST, port, initProducerIdRequest(0, 300 + i)), 0);
        assert.equal(res.errorCode, 0);
        ids.push(res.producerId);
      }
      assert.equal(new Set(ids).size, ids.length, `repeated producer ids: ${ids.join(", ")}`);
      // Seeded from the clock (ms * 1000 per block), so ids of an earlier run are never reused.
      assert.ok(ids.every((id) => id >= BigInt(Date.parse("2024-01-01")) * 1000n), ids.join(", "));
    });

    test("Metadata answers INVALID_TOPIC_EXCEPTION for each", async () => {
      const md = readMetadataResponse(await roundTrip(HOST, port, metadataRequest(1, 21, HOSTILE)), 1);
      assert.equal(md.topics.length, HOSTILE.length);
      for (const t of md.topics) assert.equal(t.errorCode, INVALID_TOPIC_EXCEPTION, JSON.stringify(t.name));
    });

    test("Produce answers INVALID_TOPIC_EXCEPTION and no request reaches a bridge", async () => {
      const before = { stats: await bridgeRequests(), seen: bridge.requests.length };
      let corr = 100;
      for (const name of HOSTILE) {
        const res = readProduceResponse(await roundTrip(HOST, port, produceV3(++corr, name, [["k", "v"]])), 3);
        assert.equal(res.correlationId, corr);
        assert.deepEqual(res.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [[name, [INVALID_TOPIC_EXCEPTION]]]);
      }
      await sleep(200);
      assert.equal(await bridgeRequests(), before.stats, "Envoy sent requests to a bridge cluster");
      assert.deepEqual(bridge.requests.slice(before.seen), []);
    });

    test("a valid topic on the same path reaches only the produce endpoint (the count above can move)", async () => {
      const before = { stats: await bridgeRequests(), seen: bridge.requests.length };
      const res = readProduceResponse(await roundTrip(HOST, port, produceV3(200, "apples", [["k", "v"]])), 3);
      assert.deepEqual(res.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [["apples", [0]]]);
      assert.equal(await bridgeRequests(), before.stats + 1);
      assert.deepEqual(bridge.requests.slice(before.seen).map((r) => [r.method, r.url]), [["POST", "/topics/apples"]]);
      assert.deepEqual(vmFailures(envoy.log()), []);
    });
  });
});
