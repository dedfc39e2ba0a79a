// The plugin's root context: loads and validates the configuration, and owns what all
// connections of this VM share.
import {
  BufferTypeValues,
  log,
  LogLevelValues,
  RootContext,
} from "@solo-io/proxy-runtime/assembly/runtime";
import { parseConfig } from "../mesh/config";
import { MeshContext } from "../mesh/context";
import { SharedDataTopicIdStore } from "./shared_topic_ids";
import { SharedDataBlockSource } from "./shared_producer_ids";
import { readBuffer } from "./host";
import { HostTransport } from "./http_transport";
import { HostMetrics } from "./host_metrics";

/** One transport per VM: HTTP answers are matched to requests by token. */
export const transport = new HostTransport();

export class MeshRoot extends RootContext {
  mesh: MeshContext | null = null;

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
    // Producer ids come from one counter shared by every worker VM (seeded from the clock), so
    // no two producers get the same id: a repeated id would make the first batch of a new
    // producer look like a duplicate of another's and be answered without being stored.
    const metrics = new HostMetrics();
    SharedDataBlockSource.init(metrics.nowMillis());
    this.mesh = new MeshContext(config, new SharedDataTopicIdStore(), transport, metrics, new SharedDataBlockSource());
    log(
      LogLevelValues.info,
      "kafka_mesh: configured: broker " + config.advertisedHost + ":" + config.advertisedPort.toString() +
        ", " + config.clusters.length.toString() + " upstream clusters, " + config.rules.length.toString() + " forwarding rules",
    );
    return true;
  }
}
