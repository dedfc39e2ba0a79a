// Renders the Istio manifests that deploy build/kafka_mesh.wasm into a sidecar: ServiceEntries
// for the bridges and the schema registry, a Sidecar, an EnvoyFilter (the echo listener and the
// Kafka port's tcp_proxy to it) and the WasmPlugin (type NETWORK), from the same plugin
// configuration as the Envoy configs of envoy/ (examples/reference.json).
//
//   node --import tsx istio/render.ts           writes istio/manifests/*.yaml and istio/oci/*.yaml
//   node --import tsx istio/render.ts --check   exits 1 if the committed files differ
//   options: --plugin-config FILE   (default examples/reference.json)
//            --out-dir DIR          (default istio; writes DIR/manifests/ and DIR/oci/)
//            --namespace NS --app APP --kafka-port N --advertised-host HOST --wasm-url URL
//            --loopback-bind IP --egress-proxy-port N   (make test-istio: a stock Envoy in
//                                                        interception mode NONE on one machine)
//
// The plugin configuration is envoy/render-config.ts' input, checked by the same code
// (render-config's render() refuses what it refuses), and the echo listener, the loopback
// cluster and the tcp_proxy settings are read from that Envoy rendering, so the Istio
// manifests and envoy/*.yaml cannot drift apart. In the plugin configuration only what
// Istio changes is changed: the bridges' and the registry's envoy_cluster become the clusters
// Istio makes for their ServiceEntries (outbound|<port>||<host>), and advertised_host/port
// become the address clients reach the workload at (its Service by default).
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isIP } from "node:net";
import { render as renderEnvoy } from "../envoy/render-config.ts";
import { commented, plain, toYaml } from "./yaml.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TEMPLATE = join(ROOT, "envoy", "envoy.template.yaml");
export const DEFAULT_PLUGIN_CONFIG = "examples/reference.json";

/** ServiceEntry hosts made up for bridges and registries the plugin config names by IP address. */
export const HOST_SUFFIX = "kafka-mesh.internal";

export interface IstioOptions {
  /** Namespace of every resource (default kafka-mesh). */
  namespace: string;
  /** The workload's `app` label, which the Sidecar, EnvoyFilter and WasmPlugin select, and their name (default kafka-mesh). */
  app: string;
  /** The Kafka port clients connect to on the workload (default: the plugin config's advertised_port). */
  kafkaPort?: number;
  /** advertised_host in the plugin config (default <app>.<namespace>.svc.cluster.local, the workload's Service). */
  advertisedHost?: string;
  /** The module, as the proxy sees it (default file:///var/lib/kafka-mesh/kafka_mesh.wasm). */
  wasmUrl: string;
  /**
   * make test-istio only: a stock Envoy in interception mode NONE on one machine binds every
   * listener Istio gives it. The Kafka listener binds this address, and the egress listener is
   * one HTTP proxy on `egressProxyPort` instead of a listener per ServiceEntry port (those would
   * bind the bridges' own ports).
   */
  loopback?: { bind: string; egressProxyPort: number };
}

export const DEFAULT_OPTIONS: IstioOptions = {
  namespace: "kafka-mesh",
  app: "kafka-mesh",
  wasmUrl: "file:///var/lib/kafka-mesh/kafka_mesh.wasm",
};

/** The oci:// example (istio/oci/): an image in a registry, pinned by digest. */
export const OCI_EXAMPLE = {
  url: "oci://registry.example.com/kafka-mesh/kafka_mesh:0.1.0",
  // A placeholder of the right form: the digest your registry reports for the pushed image.
  sha256: "0".repeat(64),
};

/** One Kubernetes object: its identity, the object (comments stripped) and its YAML. */
export interface Doc {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  object: Record<string, unknown>;
  yaml: string;
}

/** A manifest file: its path under the output directory, its documents and its text. */
export interface ManifestFile {
  path: string;
  docs: Doc[];
  text: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function hostPort(s: unknown, what: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(String(s ?? ""));
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`${what}: expected HOST:PORT, got ${JSON.stringify(s)}`);
  return { host: m[1], port };
}

/** An upstream of the filter: a bridge (native: gRPC, strimzi: HTTP/1.1) or the schema registry (HTTP/1.1). */
export interface Upstream {
  /** What it is, for comments: "gRPC bridge of Kafka cluster c1". */
  what: string;
  /** envoy_cluster in the plugin config (the Envoy configs' cluster name). */
  envoyCluster: string;
  host: string;
  port: number;
  /** The ServiceEntry port's protocol: GRPC makes Istio's cluster HTTP/2, HTTP keeps HTTP/1.1. */
  protocol: "GRPC" | "HTTP";
  /** The ServiceEntry's host: the authority's host name, or one made up for an IP address. */
  serviceHost: string;
  /** The Kubernetes Service Istio already knows (a *.svc / *.svc.cluster.local host): no ServiceEntry. */
  kubernetesService: boolean;
  /** The cluster Istio makes for it, which the filter's calls name. */
  istioCluster: string;
}

function upstream(what: string, envoyCluster: unknown, authority: unknown, protocol: Upstream["protocol"], where: string): Upstream {
  if (typeof envoyCluster !== "string" || !/^[A-Za-z0-9_.-]+$/.test(envoyCluster)) throw new Error(`plugin config: ${where}.envoy_cluster is missing or invalid`);
  const { host, port } = hostPort(authority, `plugin config: ${where}.authority`);
  const kubernetesService = /\.svc(\.cluster\.local)?$/.test(host);
  const serviceHost = isIP(host) ? `${envoyCluster.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}.${HOST_SUFFIX}` : host;
  return { what, envoyCluster, host, port, protocol, serviceHost, kubernetesService, istioCluster: `outbound|${port}||${serviceHost}` };
}

/** The bridges (upstream_clusters[].rest_bridge) and the schema registry of a plugin config. */
export function upstreams(plugin: unknown): Upstream[] {
  const clusters = isObject(plugin) && Array.isArray(plugin.upstream_clusters) ? plugin.upstream_clusters : [];
  const out = clusters.map((c: unknown, i) => {
    const cluster = isObject(c) ? c : {};
    const rb = isObject(cluster.rest_bridge) ? cluster.rest_bridge : {};
    const native = rb.dialect === "native";
    return upstream(`${native ? "gRPC" : "REST"} bridge of Kafka cluster ${String(cluster.cluster_name)}`, rb.envoy_cluster, rb.authority,
      native ? "GRPC" : "HTTP", `upstream_clusters[${i}].rest_bridge`);
  });
  const sr = isObject(plugin) ? plugin.schema_registry : undefined;
  if (isObject(sr)) out.push(upstream("schema registry", sr.envoy_cluster, sr.authority, "HTTP", "schema_registry"));
  return out;
}

/**
 * The plugin configuration as the WasmPlugin carries it: envoy_cluster names replaced by Istio's
 * cluster names, advertised_host/port by the workload's address.
 */
export function istioPluginConfig(plugin: unknown, advertisedHost: string, kafkaPort: number): JsonObject {
  const cfg = JSON.parse(JSON.stringify(plugin)) as JsonObject;
  const byName = new Map(upstreams(plugin).map((u) => [u.envoyCluster, u.istioCluster]));
  cfg.advertised_host = advertisedHost;
  cfg.advertised_port = kafkaPort;
  for (const c of Array.isArray(cfg.upstream_clusters) ? cfg.upstream_clusters : []) {
    if (isObject(c) && isObject(c.rest_bridge)) c.rest_bridge.envoy_cluster = byName.get(String(c.rest_bridge.envoy_cluster));
  }
  if (isObject(cfg.schema_registry)) cfg.schema_registry.envoy_cluster = byName.get(String(cfg.schema_registry.envoy_cluster));
  return cfg;
}

// --- what the Envoy rendering of the same plugin config says ---------------------------------

/** The lines of the YAML block starting at the first line matching `start`, up to the next line indented as much or less. */
function block(text: string, start: RegExp, what: string): string {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => start.test(l));
  if (i < 0) throw new Error(`envoy rendering: ${what} not found (envoy/envoy.template.yaml changed? update istio/render.ts)`);
  const indent = (l: string) => l.length - l.trimStart().length;
  const base = indent(lines[i]);
  let j = i + 1;
  while (j < lines.length && (lines[j].trim() === "" || lines[j].trimStart().startsWith("#") || indent(lines[j]) > base)) j++;
  return lines.slice(i, j).join("\n");
}

function field(text: string, name: string, what: string): string {
  const m = new RegExp(`^\\s*${name}: (\\S+)\\s*$`, "m").exec(text);
  if (!m) throw new Error(`envoy rendering: ${what}.${name} not found (envoy/envoy.template.yaml changed? update istio/render.ts)`);
  return m[1];
}

/** The echo path of the Envoy configs: echo listener, loopback cluster, tcp_proxy settings. */
export interface EchoPath {
  echoListener: string;
  loopbackCluster: string;
  bufferLimit: number;
  statPrefix: string;
  idleTimeout: string;
  loopbackConnectTimeout: string;
  loopbackMaxConnections: number;
}

export function echoPathOf(envoyYaml: string): EchoPath {
  const tcp = block(envoyYaml, /- name: envoy\.filters\.network\.tcp_proxy$/, "the Kafka listener's tcp_proxy");
  const loopbackCluster = field(tcp, "cluster", "tcp_proxy");
  const cluster = block(envoyYaml, new RegExp(`^  - name: ${loopbackCluster}$`), `cluster ${loopbackCluster}`);
  const echoListener = /server_listener_name: ([A-Za-z0-9_.-]+)/.exec(cluster)?.[1];
  if (!echoListener) throw new Error(`envoy rendering: ${loopbackCluster} does not point at an internal listener`);
  const listener = block(envoyYaml, new RegExp(`^  - name: ${echoListener}$`), `listener ${echoListener}`);
  if (!/internal_listener: \{\}/.test(listener) || !/envoy\.filters\.network\.echo/.test(listener)) {
    throw new Error(`envoy rendering: ${echoListener} is not an internal listener with the echo filter`);
  }
  const max = /max_connections: (\d+)/.exec(cluster)?.[1];
  return {
    echoListener,
    loopbackCluster,
    bufferLimit: Number(field(listener, "per_connection_buffer_limit_bytes", echoListener)),
    statPrefix: field(tcp, "stat_prefix", "tcp_proxy"),
    idleTimeout: field(tcp, "idle_timeout", "tcp_proxy"),
    loopbackConnectTimeout: field(cluster, "connect_timeout", loopbackCluster),
    loopbackMaxConnections: Number(max ?? NaN),
  };
}

// --- the manifests -------------------------------------------------------------------------

function doc(apiVersion: string, kind: string, name: string, namespace: string, spec: unknown, comment: string): Doc {
  const object = { apiVersion, kind, metadata: { name, namespace }, spec };
  const yaml = comment.split("\n").map((l) => `#${l ? ` ${l}` : ""}`).join("\n") + "\n" + toYaml(object);
  return { apiVersion, kind, name, namespace, object: plain(object) as Record<string, unknown>, yaml };
}

function file(path: string, header: string, docs: Doc[]): ManifestFile {
  return { path, docs, text: `${header}\n${docs.map((d) => d.yaml).join("---\n")}` };
}

export interface Rendered {
  files: ManifestFile[];
  upstreams: Upstream[];
  pluginConfig: JsonObject;
  echo: EchoPath;
  kafkaPort: number;
}

export function renderIstio(plugin: unknown, pluginSource: string, options: Partial<IstioOptions> = {}): Rendered {
  const o: IstioOptions = { ...DEFAULT_OPTIONS, ...options };
  if (!isObject(plugin)) throw new Error("plugin config: expected a JSON object");
  // The same checks as the Envoy configs' (bridges, registry, names), and the echo path they use.
  const envoyYaml = renderEnvoy({ template: readFileSync(TEMPLATE, "utf8"), plugin, pluginSource, variant: "internal",
    listen: { host: "127.0.0.1", port: Number(plugin.advertised_port) || 19092 }, echoPort: 19099 });
  const echo = echoPathOf(envoyYaml);
  const kafkaPort = o.kafkaPort ?? Number(plugin.advertised_port);
  if (!Number.isInteger(kafkaPort) || kafkaPort < 1 || kafkaPort > 65535) throw new Error("kafka port: expected a port number (advertised_port or --kafka-port)");
  const advertisedHost = o.advertisedHost ?? `${o.app}.${o.namespace}.svc.cluster.local`;
  const ups = upstreams(plugin);
  const pluginConfig = istioPluginConfig(plugin, advertisedHost, kafkaPort);
  const ns = o.namespace;
  const selector = { labels: { app: o.app } };
  const header = (what: string) => [
    `# ${what}`,
    `# Generated by istio/render.ts from ${pluginSource}: do not edit (make istio-manifests).`,
    "",
  ].join("\n");

  // 10: where the filter's calls go.
  const entries = ups.filter((u) => !u.kubernetesService).map((u) => doc("networking.istio.io/v1", "ServiceEntry", u.serviceHost.split(".")[0], ns, {
    hosts: [u.serviceHost],
    location: "MESH_EXTERNAL",
    ports: [commented({ number: u.port, name: `${u.protocol.toLowerCase()}-${u.serviceHost.split(".")[0]}`, protocol: u.protocol },
      u.protocol === "GRPC"
        ? "GRPC: Istio's cluster speaks HTTP/2 (h2c), which the filter's gRPC streams need."
        : "HTTP: Istio's cluster speaks HTTP/1.1, as the filter's calls do.")],
    resolution: isIP(u.host) ? "STATIC" : "DNS",
    endpoints: isIP(u.host) ? [{ address: u.host }] : undefined,
    exportTo: ["."],
  }, [
    `The ${u.what} (${u.envoyCluster} in ${pluginSource}: ${u.host}:${u.port}).`,
    `Istio makes the cluster ${u.istioCluster}, which the WasmPlugin's configuration names.`,
  ].join("\n")));
  const skipped = ups.filter((u) => u.kubernetesService);

  // 20: the workload's ports.
  const ingressPort = commented({ port: { number: kafkaPort, protocol: "TCP", name: "tcp-kafka" }, bind: o.loopback?.bind },
    "The Kafka port: an inbound listener (filter chain) of its own, whose tcp_proxy the EnvoyFilter\n" +
    "points at the echo listener. Interception mode NONE (no iptables) does not make inbound\n" +
    "listeners from Services: this entry does, on every mode.");
  const egress = o.loopback
    ? commented({ port: { number: o.loopback.egressProxyPort, protocol: "HTTP_PROXY", name: "http-proxy" }, bind: o.loopback.bind, hosts: ["./*"] },
      "make test-istio: with interception mode NONE every outbound listener binds its port on\n" +
      "loopback, where the bridges themselves listen; one HTTP proxy listener on a free port\n" +
      "instead keeps this namespace's services (and so their clusters) in scope.")
    : commented({ hosts: ["./*"] }, "Only this namespace's services: the bridges' and the registry's ServiceEntries.");
  const sidecar = doc("networking.istio.io/v1", "Sidecar", o.app, ns, {
    workloadSelector: selector,
    ingress: [ingressPort],
    egress: [egress],
    outboundTrafficPolicy: commented({ mode: "REGISTRY_ONLY" }, "The mesh reaches its bridges and registry, nothing else."),
  }, "Limits the workload's proxy to the Kafka port inbound and the filter's upstreams outbound.");

  // 25, make test-istio only: a stock Envoy has no istio-agent to serve it certificates (SDS),
  // and the inbound listener would wait for them forever behind Istio's mTLS filter chain.
  const peerAuthentication = o.loopback ? [doc("security.istio.io/v1", "PeerAuthentication", o.app, ns, {
    selector: { matchLabels: { app: o.app } },
    mtls: { mode: "DISABLE" },
  }, "make test-istio: no mTLS on the Kafka port (a stock Envoy gets no certificates without istio-agent).")] : [];

  // 30: the echo path (README "How it works": the filter's answers go out to the echo listener
  // through tcp_proxy and come back to the client through the filter).
  const envoyFilter = doc("networking.istio.io/v1alpha3", "EnvoyFilter", o.app, ns, {
    workloadSelector: selector,
    configPatches: [
      commented({
        applyTo: "LISTENER",
        match: { context: "SIDECAR_INBOUND" },
        patch: {
          operation: "ADD",
          value: {
            name: echo.echoListener,
            internal_listener: {},
            per_connection_buffer_limit_bytes: echo.bufferLimit,
            filter_chains: [{ filters: [{ name: "envoy.filters.network.echo", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo" } }] }],
          },
        },
      }, "The echo listener: an internal listener (no socket, no port; istio-proxy's bootstrap has the\n" +
        "envoy.bootstrap.internal_listener extension) that sends every byte straight back."),
      commented({
        applyTo: "CLUSTER",
        match: { context: "SIDECAR_INBOUND" },
        patch: {
          operation: "ADD",
          value: {
            name: echo.loopbackCluster,
            connect_timeout: echo.loopbackConnectTimeout,
            per_connection_buffer_limit_bytes: echo.bufferLimit,
            circuit_breakers: { thresholds: [{ max_connections: echo.loopbackMaxConnections, max_pending_requests: echo.loopbackMaxConnections, max_requests: echo.loopbackMaxConnections }] },
            load_assignment: {
              cluster_name: echo.loopbackCluster,
              endpoints: [{ lb_endpoints: [{ endpoint: { address: { envoy_internal_address: { server_listener_name: echo.echoListener } } } }] }],
            },
          },
        },
      }, "The cluster tcp_proxy sends the filter's answers to: the echo listener."),
      commented({
        applyTo: "NETWORK_FILTER",
        match: { context: "SIDECAR_INBOUND", listener: { portNumber: kafkaPort, filterChain: { filter: { name: "envoy.filters.network.tcp_proxy" } } } },
        patch: {
          operation: "MERGE",
          value: {
            name: "envoy.filters.network.tcp_proxy",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
              stat_prefix: echo.statPrefix,
              cluster: echo.loopbackCluster,
              idle_timeout: echo.idleTimeout,
            },
          },
        },
      }, `The Kafka port's tcp_proxy goes to the echo listener, not to an application: the filter\n` +
        `answers every request itself (${echo.idleTimeout} idle timeout, as a broker's connections.max.idle.ms).`),
    ],
  }, [
    "What the filter relies on besides itself: tcp_proxy from the Kafka port to an echo listener.",
    "proxy-wasm has no call that writes to the client, so the filter puts its answers in place of",
    "the request bytes; tcp_proxy carries them to the echo listener, which sends them back through",
    "the filter to the client.",
  ].join("\n"));

  // 40: the filter.
  const wasmSpec = (url: string, sha256?: string, pullPolicy?: string) => ({
    selector: { matchLabels: { app: o.app } },
    type: commented("NETWORK", "A network (L4) filter: Kafka is not HTTP."),
    url,
    sha256,
    imagePullPolicy: pullPolicy,
    pluginName: commented("kafka_mesh", "The root id. Istio names the filter (and its ECDS resource) after this\n" +
      "resource; the filter does not depend on that name."),
    failStrategy: commented("FAIL_CLOSE", "A module that fails to load or traps: connections are closed, never passed\n" +
      "through raw (FAIL_RELOAD would also replace a trapped VM, as envoy/envoy.yaml does)."),
    match: [{ mode: "SERVER", ports: [{ number: kafkaPort }] }],
    pluginConfig: commented(pluginConfig, `${pluginSource}, with Istio's cluster names and the workload's address.`),
  });
  const wasmComment = (how: string) => [
    `The Kafka mesh filter (build/kafka_mesh.wasm) on the Kafka port of the workloads labelled app=${o.app}; ${how}.`,
    "Apply it after the ServiceEntries, the Sidecar and the EnvoyFilter.",
  ].join("\n");
  const wasm = doc("extensions.istio.io/v1alpha1", "WasmPlugin", o.app, ns, wasmSpec(o.wasmUrl),
    wasmComment(`the file is in the proxy's container (${o.wasmUrl.replace(/^file:\/\//, "")})`));
  const wasmOci = doc("extensions.istio.io/v1alpha1", "WasmPlugin", o.app, ns,
    wasmSpec(OCI_EXAMPLE.url, OCI_EXAMPLE.sha256, "IfNotPresent"),
    wasmComment("istio-agent pulls it from an OCI registry") +
    "\nInstead of manifests/40-wasmplugin.yaml (same name). sha256 is a placeholder: put the image's digest.");

  const files = [
    file("manifests/10-service-entries.yaml", header("The filter's upstreams: one ServiceEntry per bridge and for the schema registry." +
      (skipped.length ? ` Kubernetes Services need none: ${skipped.map((u) => u.host).join(", ")}.` : "")), entries),
    file("manifests/20-sidecar.yaml", header("The workload's proxy: the Kafka port inbound, the filter's upstreams outbound."), [sidecar]),
    file("manifests/25-peer-authentication.yaml", header("make test-istio only: plaintext on the Kafka port."), peerAuthentication),
    file("manifests/30-envoyfilter.yaml", header("The echo path the filter needs."), [envoyFilter]),
    file("manifests/40-wasmplugin.yaml", header("The filter, from a file in the proxy's container."), [wasm]),
    file("oci/40-wasmplugin-oci.yaml", header("The filter, from an OCI registry (istio-agent downloads it)."), [wasmOci]),
  ].filter((f) => f.docs.length > 0);
  return { files, upstreams: ups, pluginConfig, echo, kafkaPort };
}

/** Every document of a manifest file's text (as the API server and kubectl split them). */
export function splitDocuments(text: string): string[] {
  return text.split(/^---\s*$/m).filter((d) => d.split("\n").some((l) => l.trim() !== "" && !l.trimStart().startsWith("#")));
}

// --- CLI -----------------------------------------------------------------------------------

interface Cli {
  check: boolean;
  pluginConfig: string;
  outDir: string;
  options: Partial<IstioOptions>;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { check: false, pluginConfig: join(ROOT, DEFAULT_PLUGIN_CONFIG), outDir: join(ROOT, "istio"), options: {} };
  let bind: string | undefined;
  let egressProxyPort: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--check") cli.check = true;
    else if (a === "--plugin-config") cli.pluginConfig = resolve(val());
    else if (a === "--out-dir") cli.outDir = resolve(val());
    else if (a === "--namespace") cli.options.namespace = val();
    else if (a === "--app") cli.options.app = val();
    else if (a === "--kafka-port") cli.options.kafkaPort = Number(val());
    else if (a === "--advertised-host") cli.options.advertisedHost = val();
    else if (a === "--wasm-url") cli.options.wasmUrl = val();
    else if (a === "--loopback-bind") bind = val();
    else if (a === "--egress-proxy-port") egressProxyPort = Number(val());
    else throw new Error(`unknown argument ${a}`);
  }
  if ((bind === undefined) !== (egressProxyPort === undefined)) throw new Error("--loopback-bind and --egress-proxy-port go together");
  if (bind !== undefined && egressProxyPort !== undefined) cli.options.loopback = { bind, egressProxyPort };
  return cli;
}

function main(): void {
  const cli = parseArgs(process.argv.slice(2));
  const plugin: unknown = JSON.parse(readFileSync(cli.pluginConfig, "utf8"));
  const { files } = renderIstio(plugin, relative(ROOT, cli.pluginConfig), cli.options);
  let stale = 0;
  for (const f of files) {
    const path = join(cli.outDir, f.path);
    if (cli.check) {
      let current: string | null = null;
      try { current = readFileSync(path, "utf8"); } catch { /* missing counts as stale */ }
      if (current !== f.text) {
        console.error(`${relative(ROOT, path)} is out of date: run node --import tsx istio/render.ts (make istio-manifests)`);
        stale++;
      }
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
      console.log(`wrote ${relative(ROOT, path)}`);
    }
  }
  // A manifest the renderer no longer writes would still be applied by `kubectl apply -f istio/manifests/`.
  for (const dir of ["manifests", "oci"]) {
    let names: string[] = [];
    try { names = readdirSync(join(cli.outDir, dir)); } catch { continue; }
    for (const n of names.filter((n) => n.endsWith(".yaml") && !files.some((f) => f.path === `${dir}/${n}`))) {
      console.error(`${relative(ROOT, join(cli.outDir, dir, n))} is not rendered by istio/render.ts: delete it`);
      stale++;
    }
  }
  if (stale > 0) process.exit(1);
  if (cli.check) console.log("istio manifests are in sync with their plugin config and the Envoy template");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    console.error(`istio/render: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}
