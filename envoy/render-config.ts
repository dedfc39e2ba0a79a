// Renders the Envoy configs from envoy/envoy.template.yaml and a plugin configuration JSON.
//
//   node --import tsx envoy/render-config.ts           writes the committed configs (COMMITTED below):
//                                                      envoy/envoy.yaml, envoy/envoy-loopback.yaml (examples/reference.json),
//                                                      envoy/envoy-secure.yaml, envoy/envoy-secure-loopback.yaml (examples/secure.json, TLS)
//   node --import tsx envoy/render-config.ts --check   exits 1 if the committed files differ
//   options: --plugin-config FILE (one config instead of the committed ones; written as
//                                  <name>.yaml and <name>-loopback.yaml)
//            --name NAME          (file name stem with --plugin-config, default envoy)
//            --listen HOST:PORT   (default 127.0.0.1:<advertised_port>)
//            --echo-port N        (loopback variant's echo listener, default 19099)
//            --out-dir DIR        (default envoy)
//            --tls MODE           (the listener's TLS: off, optional (client certificates verified
//                                  when presented), required (mTLS), or auto (the default:
//                                  optional when the plugin config has a `security` section, else off)
//            --tls-dir DIR        (server.crt, server.key, ca.crt; default .cache/tls, relative
//                                  paths resolved by Envoy from its working directory, the project root)
//
// The plugin JSON is embedded as one string (google.protobuf.StringValue), so each output
// is self-contained. Template lines between "#@<variant> begin" and "#@<variant> end" are
// kept only in that variant: "internal" (echo on an internal listener) or "loopback" (echo on
// a loopback TCP port, for Envoys built without envoy.bootstrap.internal_listener).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isIP } from "node:net";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TEMPLATE = join(ROOT, "envoy", "envoy.template.yaml");

export type Variant = "internal" | "loopback";

export const VARIANTS: Readonly<Record<Variant, { kind: string }>> = {
  internal: { kind: "internal listener" },
  loopback: { kind: "loopback TCP port" },
};

/** The file a variant is written to for the file name stem `name` (envoy -> envoy.yaml, envoy-loopback.yaml). */
export function variantFile(name: string, variant: Variant): string {
  return variant === "internal" ? `${name}.yaml` : `${name}-loopback.yaml`;
}

/**
 * TLS on the Kafka listener (Envoy's DownstreamTlsContext): "off" (plain TCP), "optional" (a
 * client may present a certificate; one that does not verify against the CA fails the
 * handshake) or "required" (mTLS: a client without a valid certificate fails the handshake).
 */
export type TlsMode = "off" | "optional" | "required";
export const TLS_MODES: readonly TlsMode[] = ["off", "optional", "required"];
export const isTlsMode = (v: unknown): v is TlsMode => typeof v === "string" && (TLS_MODES as readonly string[]).includes(v);

/** Where Envoy reads the listener's certificate, key and the client CA (DataSource filenames). */
export interface TlsFiles {
  serverCert: string;
  serverKey: string;
  clientCa: string;
}

/** The test PKI of stack/tls.ts, relative to the project root (Envoy runs from there). */
export const DEFAULT_TLS_DIR = ".cache/tls";

export function tlsFiles(dir: string = DEFAULT_TLS_DIR): TlsFiles {
  const d = dir.replace(/\/+$/, "");
  return { serverCert: `${d}/server.crt`, serverKey: `${d}/server.key`, clientCa: `${d}/ca.crt` };
}

/** The TLS mode "auto" stands for: optional when the plugin config has a `security` section, else off. */
export function autoTlsMode(plugin: unknown): TlsMode {
  return isObject(plugin) && plugin.security !== undefined ? "optional" : "off";
}

/** The configs render-config.ts writes without --plugin-config, committed in envoy/. */
export const COMMITTED: ReadonlyArray<{ name: string; pluginConfig: string; tls: TlsMode }> = [
  { name: "envoy", pluginConfig: "examples/reference.json", tls: "off" },
  { name: "envoy-secure", pluginConfig: "examples/secure.json", tls: "optional" },
];

export interface HostPort {
  host: string;
  port: number;
}

/** The plugin configuration is open JSON: objects are read field by field and checked here. */
type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

function parseHostPort(s: string, what: string): HostPort {
  const i = s.lastIndexOf(":");
  const host = i > 0 ? s.slice(0, i).replace(/^\[(.*)\]$/, "$1") : "";
  const port = i > 0 ? Number(s.slice(i + 1)) : NaN;
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${what}: expected HOST:PORT, got ${JSON.stringify(s)}`);
  }
  return { host, port };
}

// YAML double-quoted scalars accept JSON string escapes, so a JSON string literal is valid
// YAML and round-trips exactly.
const yamlString = (s: string): string => JSON.stringify(s);

function bridgeClusters(plugin: unknown): string {
  const clusters = isObject(plugin) ? plugin.upstream_clusters : undefined;
  if (!Array.isArray(clusters) || clusters.length === 0) {
    throw new Error("plugin config: upstream_clusters must be a non-empty array");
  }
  const seen = new Set<string>();
  const blocks = clusters.map((c: unknown, i) => {
    const cluster = isObject(c) ? c : {};
    const rb = isObject(cluster.rest_bridge) ? cluster.rest_bridge : {};
    const name = rb.envoy_cluster;
    if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new Error(`plugin config: upstream_clusters[${i}].rest_bridge.envoy_cluster is missing or invalid`);
    }
    if (seen.has(name)) throw new Error(`plugin config: envoy_cluster ${name} used twice`);
    seen.add(name);
    const { host, port } = parseHostPort(String(rb.authority ?? ""), `upstream_clusters[${i}].rest_bridge.authority`);
    const dialect = rb.dialect ?? "strimzi";
    if (dialect !== "strimzi" && dialect !== "native") {
      throw new Error(`plugin config: upstream_clusters[${i}].rest_bridge.dialect: unknown dialect ${JSON.stringify(dialect)}`);
    }
    // An IP literal needs no resolution; a host name is resolved (and re-resolved) by DNS.
    const type = isIP(host) ? "STATIC" : "STRICT_DNS";
    const protocol = dialect === "native"
      ? [
        `    # One long-lived gRPC stream (kafka.mesh.v1.Bridge/Produce) per worker VM, reopened after`,
        `    # a reset, and its retries: far below these limits, which only keep Envoy's defaults out`,
        `    # of the way.`,
        `    circuit_breakers:`,
        `      thresholds:`,
        `      - { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 1024 }`,
        `    typed_extension_protocol_options:`,
        `      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:`,
        `        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
        `        # gRPC: HTTP/2 in clear text (h2c). No stream or request timeout is set (a Produce`,
        `        # stream lives as long as the worker); the idle timeout only closes a connection`,
        `        # that has no stream left, 60 s after its last one ended.`,
        `        explicit_http_config:`,
        `          http2_protocol_options: {}`,
        `        common_http_protocol_options:`,
        `          idle_timeout: 60s`,
      ]
      : [
        `    # Produce calls from every connection share these pools: keep limits out of the way.`,
        `    circuit_breakers:`,
        `      thresholds:`,
        `      - { max_connections: 100000, max_pending_requests: 100000, max_requests: 100000 }`,
        `    typed_extension_protocol_options:`,
        `      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:`,
        `        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
        `        # HTTP/1.1 with keep-alive; idle pooled connections are closed after 60 s.`,
        `        explicit_http_config:`,
        `          http_protocol_options: {}`,
        `        common_http_protocol_options:`,
        `          idle_timeout: 60s`,
      ];
    return [
      `  # ${dialect === "native" ? "gRPC" : "REST"} bridge of Kafka cluster ${String(cluster.cluster_name)} (upstream_clusters[${i}].rest_bridge, dialect ${dialect}).`,
      `  - name: ${name}`,
      `    type: ${type}`,
      `    connect_timeout: 2s`,
      `    per_connection_buffer_limit_bytes: 1048576`,
      ...protocol,
      `    load_assignment:`,
      `      cluster_name: ${name}`,
      `      endpoints:`,
      `      - lb_endpoints:`,
      `        - endpoint:`,
      `            address:`,
      `              socket_address: { address: ${yamlString(host)}, port_value: ${port} }`,
    ].join("\n");
  });
  return blocks.join("\n");
}

/**
 * The Envoy cluster of the plugin config's `schema_registry` (docs/schemas.md): the filter's
 * registry calls (proxy_http_call, GET {base_path}/schemas/ids/{id}...) go to it. "" without
 * that section.
 */
function registryCluster(plugin: unknown, bridgeNames: ReadonlySet<string>): string {
  const r = isObject(plugin) ? plugin.schema_registry : undefined;
  if (r === undefined) return "";
  if (!isObject(r)) throw new Error("plugin config: schema_registry must be an object");
  const name = r.envoy_cluster;
  if (typeof name !== "string" || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error("plugin config: schema_registry.envoy_cluster is missing or invalid");
  }
  if (bridgeNames.has(name) || name === "kafka_mesh_loopback") {
    throw new Error(`plugin config: schema_registry.envoy_cluster ${name} is already the name of another cluster`);
  }
  // The filter defaults the authority to the cluster name; the cluster needs an address.
  const { host, port } = parseHostPort(String(r.authority ?? ""), "schema_registry.authority");
  const type = isIP(host) ? "STATIC" : "STRICT_DNS";
  return [
    `  # Schema registry (schema_registry): the filter asks it for schema ids it has not cached,`,
    `  # one call per id in flight per worker VM, each bounded by schema_registry.timeout_ms.`,
    `  - name: ${name}`,
    `    type: ${type}`,
    `    # Below the filter's call timeout (2 s by default), so an unreachable registry fails the call`,
    `    # (failure_mode decides) rather than outliving it.`,
    `    connect_timeout: 1s`,
    `    per_connection_buffer_limit_bytes: 1048576`,
    `    # Calls per new schema id are few; these only keep Envoy's defaults out of the way when`,
    `    # many ids are new at once (a fresh Envoy, every producer's first batch).`,
    `    circuit_breakers:`,
    `      thresholds:`,
    `      - { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 }`,
    `    typed_extension_protocol_options:`,
    `      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:`,
    `        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
    `        # HTTP/1.1 with keep-alive; idle pooled connections are closed after 60 s.`,
    `        explicit_http_config:`,
    `          http_protocol_options: {}`,
    `        common_http_protocol_options:`,
    `          idle_timeout: 60s`,
    `    load_assignment:`,
    `      cluster_name: ${name}`,
    `      endpoints:`,
    `      - lb_endpoints:`,
    `        - endpoint:`,
    `            address:`,
    `              socket_address: { address: ${yamlString(host)}, port_value: ${port} }`,
  ].join("\n");
}

/** The envoy_cluster names of the bridges (checked unique by bridgeClusters). */
function bridgeClusterNames(plugin: unknown): Set<string> {
  const clusters = isObject(plugin) && Array.isArray(plugin.upstream_clusters) ? plugin.upstream_clusters : [];
  return new Set(clusters.map((c: unknown) => (isObject(c) && isObject(c.rest_bridge) ? String(c.rest_bridge.envoy_cluster) : "")));
}

/** The listener filter chain's TLS transport socket (and handshake timeout), or "" without TLS. */
function tlsTransportSocket(mode: TlsMode, files: TlsFiles): string {
  if (mode === "off") return "";
  return [
    `      # TLS terminated by Envoy before the filter sees a byte (SSL / SASL_SSL for the clients).`,
    `      # A client certificate is ${mode === "required" ? "required (mTLS)" : "optional"}: one that is presented must verify against the`,
    `      # client CA, or the handshake fails; the filter reads the verified subject for its principal.`,
    `      # A handshake not done within 10 s closes the connection.`,
    `      transport_socket_connect_timeout: 10s`,
    `      transport_socket:`,
    `        name: envoy.transport_sockets.tls`,
    `        typed_config:`,
    `          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
    `          require_client_certificate: ${mode === "required"}`,
    `          common_tls_context:`,
    `            tls_params: { tls_minimum_protocol_version: TLSv1_2 }`,
    `            tls_certificates:`,
    `            - certificate_chain: { filename: ${yamlString(files.serverCert)} }`,
    `              private_key: { filename: ${yamlString(files.serverKey)} }`,
    `            validation_context:`,
    `              trusted_ca: { filename: ${yamlString(files.clientCa)} }`,
  ].join("\n");
}

function selectVariant(text: string, variant: Variant): string {
  const out: string[] = [];
  let inside: string | null = null;
  for (const line of text.split("\n")) {
    const m = /^#@(\w+) (begin|end)$/.exec(line.trim());
    if (m) {
      if (!(m[1] in VARIANTS)) throw new Error(`template: unknown variant ${m[1]}`);
      if (m[2] === "begin") {
        if (inside) throw new Error(`template: nested #@${m[1]} begin`);
        inside = m[1];
      } else {
        if (inside !== m[1]) throw new Error(`template: unmatched #@${m[1]} end`);
        inside = null;
      }
      continue;
    }
    if (inside === null || inside === variant) out.push(line);
  }
  if (inside) throw new Error(`template: #@${inside} begin without end`);
  return out.join("\n");
}

export interface RenderOptions {
  /** envoy/envoy.template.yaml's text. */
  template: string;
  /** The plugin configuration (parsed JSON), embedded as one string. */
  plugin: unknown;
  /** Where the plugin configuration came from, for the header and a comment. */
  pluginSource: string;
  variant: Variant;
  listen: HostPort;
  echoPort: number;
  /** TLS on the listener (default off). */
  tls?: TlsMode;
  /** The certificate files TLS uses (default tlsFiles(), under .cache/tls). */
  tlsFiles?: TlsFiles;
}

export function render({ template, plugin, pluginSource, variant, listen, echoPort, tls = "off", tlsFiles: files = tlsFiles() }: RenderOptions): string {
  const values: Record<string, string> = {
    HEADER: `Generated by envoy/render-config.ts from envoy/envoy.template.yaml and ${pluginSource}: do not edit.`,
    LOOPBACK_KIND: VARIANTS[variant].kind,
    LISTEN_HOST: yamlString(listen.host),
    LISTEN_PORT: String(listen.port),
    ECHO_PORT: String(echoPort),
    PLUGIN_CONFIG_SOURCE: pluginSource,
    PLUGIN_CONFIG: yamlString(JSON.stringify(plugin)),
    BRIDGE_CLUSTERS: bridgeClusters(plugin),
    REGISTRY_CLUSTER: registryCluster(plugin, bridgeClusterNames(plugin)),
    LISTENER_TLS: tlsTransportSocket(tls, files),
  };
  const body = selectVariant(template, variant)
    // A placeholder alone on its line that renders empty takes its line with it.
    .replace(/^[ \t]*\{\{(\w+)\}\}[ \t]*\n/gm, (line, k: string) => (values[k] === "" ? "" : line))
    .replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
      if (!(k in values)) throw new Error(`template: unknown placeholder {{${k}}}`);
      return values[k];
    });
  // Collapse blank-line runs left where variant blocks were removed.
  return body.replace(/\n{3,}/g, "\n\n").replace(/\s*$/, "\n");
}

interface Options {
  check: boolean;
  /** One plugin config instead of the committed ones. */
  pluginConfig: string | null;
  name: string;
  listen: string | null;
  echoPort: number;
  outDir: string;
  tls: TlsMode | "auto";
  tlsDir: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { check: false, pluginConfig: null, name: "envoy", listen: null, echoPort: 19099,
    outDir: join(ROOT, "envoy"), tls: "auto", tlsDir: DEFAULT_TLS_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--check") opts.check = true;
    else if (a === "--plugin-config") opts.pluginConfig = resolve(val());
    else if (a === "--name") opts.name = val();
    else if (a === "--listen") opts.listen = val();
    else if (a === "--echo-port") opts.echoPort = Number(val());
    else if (a === "--out-dir") opts.outDir = resolve(val());
    else if (a === "--tls") {
      const m = val();
      if (m !== "auto" && !isTlsMode(m)) throw new Error(`--tls: expected auto, ${TLS_MODES.join(", ")}; got ${JSON.stringify(m)}`);
      opts.tls = m;
    } else if (a === "--tls-dir") opts.tlsDir = val();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.name)) throw new Error("--name: expected a file name stem");
  if (opts.pluginConfig === null && (opts.name !== "envoy" || opts.listen !== null)) {
    throw new Error("--name and --listen apply to one config: give --plugin-config too");
  }
  return opts;
}

interface Job {
  name: string;
  pluginConfig: string;
  tls: TlsMode | "auto";
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  if (!Number.isInteger(opts.echoPort) || opts.echoPort < 1 || opts.echoPort > 65535) {
    throw new Error("--echo-port: expected a port number");
  }
  const jobs: Job[] = opts.pluginConfig !== null
    ? [{ name: opts.name, pluginConfig: opts.pluginConfig, tls: opts.tls }]
    : COMMITTED.map((c) => ({ name: c.name, pluginConfig: join(ROOT, c.pluginConfig), tls: opts.tls === "auto" ? c.tls : opts.tls }));
  const template = readFileSync(TEMPLATE, "utf8");
  let stale = 0;
  for (const job of jobs) {
    const plugin: unknown = JSON.parse(readFileSync(job.pluginConfig, "utf8"));
    const advertisedPort = isObject(plugin) ? plugin.advertised_port : undefined;
    const listen = parseHostPort(opts.listen ?? `127.0.0.1:${String(advertisedPort)}`, "--listen");
    const tls = job.tls === "auto" ? autoTlsMode(plugin) : job.tls;
    const pluginSource = relative(ROOT, job.pluginConfig);
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      const text = render({ template, plugin, pluginSource, variant, listen, echoPort: opts.echoPort, tls, tlsFiles: tlsFiles(opts.tlsDir) });
      const path = join(opts.outDir, variantFile(job.name, variant));
      if (opts.check) {
        let current: string | null = null;
        try { current = readFileSync(path, "utf8"); } catch { /* missing counts as stale */ }
        if (current !== text) {
          console.error(`${relative(ROOT, path)} is out of date: run node --import tsx envoy/render-config.ts (make envoy-config)`);
          stale++;
        }
      } else {
        mkdirSync(opts.outDir, { recursive: true });
        writeFileSync(path, text);
        console.log(`wrote ${relative(ROOT, path)}${tls === "off" ? "" : ` (TLS, client certificate ${tls})`}`);
      }
    }
  }
  if (stale > 0) process.exit(1);
  if (opts.check) console.log("envoy configs are in sync with their template and plugin config");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    console.error(`render-config: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}
