// MeshMetrics as proxy-wasm metrics: Envoy shows them under wasmcustom.kafka_mesh.*.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { MetricTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { MeshMetrics } from "../mesh/metrics";

const idRef = new Uint32Array(1);
const timeRef = new Uint64Array(1);

export class HostMetrics extends MeshMetrics {
  private ids: Map<string, u32> = new Map();
  /** Topics with stats of their own; Envoy never frees a stat, so their number is bounded. */
  private topicsWithStats: Set<string> = new Set();

  constructor(private maxTopicStats: i32) {
    super();
  }

  private id(type: MetricTypeValues, name: string): u32 {
    if (this.ids.has(name)) return this.ids.get(name);
    const bytes = String.UTF8.encode(name);
    const ok = imports.proxy_define_metric(type, changetype<usize>(bytes), bytes.byteLength, changetype<usize>(idRef.buffer));
    // A metric the host refuses is remembered as 0 so it is not asked for again.
    const id = ok == WasmResultValues.Ok ? idRef[0] : 0;
    this.ids.set(name, id);
    return id;
  }

  private count(name: string, by: i64): void {
    const id = this.id(MetricTypeValues.Counter, name);
    if (id != 0) imports.proxy_increment_metric(id, by);
  }

  private gaugeAdd(name: string, by: i64): void {
    const id = this.id(MetricTypeValues.Gauge, name);
    if (id != 0) imports.proxy_increment_metric(id, by);
  }

  request(apiName: string): void {
    this.count("kafka_mesh.requests." + apiName, 1);
  }

  forwarded(cluster: string, topic: string, records: i64, bytes: i64): void {
    this.count("kafka_mesh.cluster." + cluster + ".records", records);
    this.count("kafka_mesh.cluster." + cluster + ".bytes", bytes);
    let prefix = "kafka_mesh.topics_other.";
    if (this.topicsWithStats.has(topic)) prefix = "kafka_mesh.topic." + topic + ".";
    else if (this.topicsWithStats.size < this.maxTopicStats) {
      this.topicsWithStats.add(topic);
      prefix = "kafka_mesh.topic." + topic + ".";
    }
    this.count(prefix + "records", records);
    this.count(prefix + "bytes", bytes);
  }

  buffered(delta: i64): void {
    this.gaugeAdd("kafka_mesh.buffered_bytes", delta);
  }

  readsHeldForMemory(): void {
    this.count("kafka_mesh.reads_held_for_memory", 1);
  }

  closedForMemory(): void {
    this.count("kafka_mesh.connections_closed_for_memory", 1);
  }

  upstreamError(cluster: string, code: i16): void {
    this.count("kafka_mesh.cluster." + cluster + ".upstream_errors", 1);
  }

  upstreamLatency(cluster: string, millis: i64): void {
    const id = this.id(MetricTypeValues.Histogram, "kafka_mesh.cluster." + cluster + ".upstream_latency_ms");
    if (id != 0) imports.proxy_record_metric(id, <u64>max<i64>(millis, 0));
  }

  pending(delta: i64): void {
    this.gaugeAdd("kafka_mesh.pending_requests", delta);
  }

  connections(delta: i64): void {
    this.gaugeAdd("kafka_mesh.connections", delta);
    if (delta > 0) this.count("kafka_mesh.connections_total", delta);
  }

  refused(): void {
    this.count("kafka_mesh.connections_refused", 1);
  }

  readsHeld(): void {
    this.count("kafka_mesh.reads_held", 1);
  }

  heap(bytes: i64): void {
    const id = this.id(MetricTypeValues.Gauge, "kafka_mesh.wasm_memory_bytes");
    if (id != 0) imports.proxy_record_metric(id, <u64>bytes);
  }

  nowMillis(): i64 {
    imports.proxy_get_current_time_nanoseconds(changetype<usize>(timeRef.buffer));
    return <i64>(timeRef[0] / 1000000);
  }
}
