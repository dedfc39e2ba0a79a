// Renders the Envoy configs from envoy/envoy.template.yaml and a plugin configuration JSON.
//
//   node --import tsx envoy/render-config.ts           writes envoy/envoy.yaml and envoy/envoy-loopback.yaml
//   node --import tsx envoy/render-config.ts --check   exits 1 if the committed files differ
//   options: --plugin-config FILE (default examples/reference.json)
//            --listen HOST:PORT   (default 127.0.0.1:<advertised_port>)
//            --echo-port N        (loopback variant's echo listener, default 19099)
//            --out-dir DIR        (default envoy)
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

export const VARIANTS: Readonly<Record<Variant, { file: string; kind: string }>> = {
  internal: { file: "envoy.yaml", kind: "internal listener" },
  loopback: { file: "envoy-loopback.yaml", kind: "loopback TCP port" },
};

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
}

export function render({ template, plugin, pluginSource, variant, listen, echoPort }: RenderOptions): string {
  const values: Record<string, string> = {
    HEADER: `Generated by envoy/render-config.ts from envoy/envoy.template.yaml and ${pluginSource}: do not edit.`,
    LOOPBACK_KIND: VARIANTS[variant].kind,
    LISTEN_HOST: yamlString(listen.host),
    LISTEN_PORT: String(listen.port),
    ECHO_PORT: String(echoPort),
    PLUGIN_CONFIG_SOURCE: pluginSource,
    PLUGIN_CONFIG: yamlString(JSON.stringify(plugin)),
    BRIDGE_CLUSTERS: bridgeClusters(plugin),
  };
  const body = selectVariant(template, variant).replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`template: unknown placeholder {{${k}}}`);
    return values[k];
  });
  // Collapse blank-line runs left where variant blocks were removed.
  return body.replace(/\n{3,}/g, "\n\n").replace(/\s*$/, "\n");
}

interface Options {
  check: boolean;
  pluginConfig: string;
  listen: string | null;
  echoPort: number;
  outDir: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { check: false, pluginConfig: join(ROOT, "examples", "reference.json"),
    listen: null, echoPort: 19099, outDir: join(ROOT, "envoy") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--check") opts.check = true;
    else if (a === "--plugin-config") opts.pluginConfig = resolve(val());
    else if (a === "--listen") opts.listen = val();
    else if (a === "--echo-port") opts.echoPort = Number(val());
    else if (a === "--out-dir") opts.outDir = resolve(val());
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const plugin: unknown = JSON.parse(readFileSync(opts.pluginConfig, "utf8"));
  const advertisedPort = isObject(plugin) ? plugin.advertised_port : undefined;
  const listen = parseHostPort(opts.listen ?? `127.0.0.1:${String(advertisedPort)}`, "--listen");
  if (!Number.isInteger(opts.echoPort) || opts.echoPort < 1 || opts.echoPort > 65535) {
    throw new Error("--echo-port: expected a port number");
  }
  const template = readFileSync(TEMPLATE, "utf8");
  const pluginSource = relative(ROOT, opts.pluginConfig);
  let stale = 0;
  for (const [variant, { file }] of Object.entries(VARIANTS) as [Variant, { file: string }][]) {
    const text = render({ template, plugin, pluginSource, variant, listen, echoPort: opts.echoPort });
    const path = join(opts.outDir, file);
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
      console.log(`wrote ${relative(ROOT, path)}`);
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
