// Security's stats and log lines (docs/security.md): per principal (bounded, the rest together),
// totals, and one log line per failed authentication or denied request, at most
// LOG_LINES_PER_SECOND per VM so a client cannot flood Envoy's log.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { log, LogLevelValues, MetricTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { loggable, RandomSource, SecurityEvents } from "../mesh/session";
import { randomBytes } from "./host";

const LOG_LINES_PER_SECOND: i32 = 10;
const idRef = new Uint32Array(1);
const timeRef = new Uint64Array(1);

function nowMillis(): i64 {
  imports.proxy_get_current_time_nanoseconds(changetype<usize>(timeRef.buffer));
  return <i64>(timeRef[0] / 1000000);
}

/** The host's random_get. */
export class HostRandom extends RandomSource {
  fill(out: Uint8Array): bool {
    return randomBytes(out);
  }
}

export class HostSecurityEvents extends SecurityEvents {
  private ids: Map<string, u32> = new Map();
  /** Principal -> its stats prefix; bounded by max_principal_stats (Envoy never frees a stat). */
  private prefixes: Map<string, string> = new Map();
  private withStats: i32 = 0;
  private windowStart: i64 = 0;
  private linesInWindow: i32 = 0;
  private suppressed: i64 = 0;

  constructor(private maxPrincipalStats: i32) {
    super();
  }

  private count(name: string): void {
    let id: u32 = 0;
    if (this.ids.has(name)) id = this.ids.get(name);
    else {
      const bytes = String.UTF8.encode(name);
      const ok = imports.proxy_define_metric(MetricTypeValues.Counter, changetype<usize>(bytes), bytes.byteLength, changetype<usize>(idRef.buffer));
      id = ok == WasmResultValues.Ok ? idRef[0] : 0;
      this.ids.set(name, id);
    }
    if (id != 0) imports.proxy_increment_metric(id, 1);
  }

  /** kafka_mesh.principal.<name>. for a principal with stats of its own ("User:" left out), else principals_other. */
  private prefix(principal: string): string {
    if (this.prefixes.has(principal)) return this.prefixes.get(principal);
    if (principal.length == 0 || this.withStats >= this.maxPrincipalStats) return "kafka_mesh.principals_other.";
    const name = principal.startsWith("User:") ? principal.substring(5) : principal;
    const p = "kafka_mesh.principal." + name + ".";
    this.prefixes.set(principal, p);
    this.withStats++;
    return p;
  }

  /** One line unless this second's lines are used up; the count left out is logged with the next. */
  private line(text: string): void {
    const now = nowMillis();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) {
        log(LogLevelValues.warn, "kafka_mesh: security: " + this.suppressed.toString() + " log lines left out (more than " +
          LOG_LINES_PER_SECOND.toString() + " a second)");
      }
      this.windowStart = now;
      this.linesInWindow = 0;
      this.suppressed = 0;
    }
    if (this.linesInWindow >= LOG_LINES_PER_SECOND) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    log(LogLevelValues.warn, text);
  }

  /** Per request: the name is built once per principal. */
  private requestNames: Map<string, string> = new Map();

  request(principal: string): void {
    let name: string;
    if (this.requestNames.has(principal)) name = this.requestNames.get(principal);
    else {
      name = this.prefix(principal) + "requests";
      this.requestNames.set(principal, name);
    }
    this.count(name);
  }

  authenticated(principal: string, mechanism: string, client: string): void {
    this.count("kafka_mesh.sasl.authentications");
    this.count(this.prefix(principal) + "authentications");
  }

  authenticationFailed(principal: string, mechanism: string, client: string, reason: string): void {
    this.count("kafka_mesh.sasl.authentication_failures");
    this.count(this.prefix(principal) + "authentication_failures");
    this.line("kafka_mesh: event=authentication_failed principal=" + (principal.length > 0 ? loggable(principal, 256) : "unknown") +
      " mechanism=" + loggable(mechanism) + " client=" + loggable(client) + " reason=\"" + reason + "\"");
  }

  denied(principal: string, client: string, api: string, operation: string, resource: string): void {
    this.count("kafka_mesh.acl.denied");
    this.count(this.prefix(principal) + "denied");
    this.line("kafka_mesh: event=authorization_denied principal=" + loggable(principal, 256) + " client=" + loggable(client) + " api=" + api +
      " operation=" + operation + " resource=" + loggable(resource, 256));
  }
}
