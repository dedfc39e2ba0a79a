// The plugin's root context: loads and validates the configuration, and owns what all
// connections of this VM share.
import {
  BufferTypeValues,
  log,
  LogLevelValues,
  RootContext,
  set_tick_period_milliseconds,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { MeshConfig, parseConfig } from "../mesh/config";
import { MeshContext } from "../mesh/context";
import { SharedDataTopicIdStore } from "./shared_topic_ids";
import { readBuffer } from "./host";
import { HostTransport } from "./http_transport";
import { GrpcTransport } from "./grpc_transport";
import { HostMetrics } from "./host_metrics";
import { SharedDataBlockSource } from "./shared_producer_ids";
import { closeDueConnections, enterContext, registerBudget, settleBudgets } from "./network";
import { HostRandom, HostSecurityEvents } from "./security_events";

/** How often the memory budget is looked at, and the VM's gauge slot renewed (vm_slot.ts). */
const BUDGET_TICK_MS: u32 = 1000;

export class MeshRoot extends RootContext {
  mesh: MeshContext | null = null;
  private metrics: HostMetrics | null = null;

  validateConfiguration(configuration_size: usize): bool {
    return true;
  }

  onConfigure(configuration_size: u32): bool {
    const bytes = readBuffer(BufferTypeValues.PluginConfiguration, 0, configuration_size);
    const text = String.UTF8.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const result = parseConfig(text);
    if (result.config === null) {
      log(LogLevelValues.critical, "kafka_mesh: invalid plugin configuration: " + result.error);
      return false;
    }
    const config = result.config!;
    const metrics = new HostMetrics(config.maxTopicStats);
    this.metrics = metrics;
    metrics.attachSlot(metrics.nowMillis());
    // Producer ids continue from the wall clock after a restart (see shared_producer_ids.ts).
    SharedDataBlockSource.init(metrics.nowMillis());
    this.mesh = new MeshContext(
      config,
      new SharedDataTopicIdStore(),
      new HostTransport(this.context_id),
      metrics,
      new SharedDataBlockSource(),
      new GrpcTransport(this.context_id),
      new HostRandom(),
      new HostSecurityEvents(config.security !== null ? config.security!.maxPrincipalStats : 0),
    );
    registerBudget(this.mesh!.budget);
    set_tick_period_milliseconds(BUDGET_TICK_MS);
    log(
      LogLevelValues.info,
      "kafka_mesh: configured: broker " + config.advertisedHost + ":" + config.advertisedPort.toString() +
        ", " + config.clusters.length.toString() + " upstream clusters, " + config.rules.length.toString() + " forwarding rules" +
        securitySummary(config),
    );
    return true;
  }

  onTick(): void {
    enterContext(this.context_id);
    closeDueConnections();
    settleBudgets(true);
    if (this.metrics !== null) {
      const now = this.metrics!.nowMillis();
      this.metrics!.tick(now);
      if (this.mesh !== null) this.mesh!.tick(now);
    }
  }
}

/** What the configuration asks of clients, for the configured line. */
function securitySummary(config: MeshConfig): string {
  const sec = config.security;
  if (sec === null) return ", no authentication, no ACLs";
  const sasl = sec!.sasl;
  let s = sasl !== null ? ", SASL " + sasl!.mechanisms.join("/") + " for " + sasl!.users.length.toString() + " users" : ", no SASL";
  const acls = sec!.acls;
  s += acls !== null ? ", " + acls!.length.toString() + " ACLs" : ", no ACLs";
  return s;
}
