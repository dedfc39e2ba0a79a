// MeshMetrics as proxy-wasm metrics: Envoy shows them under wasmcustom.kafka_mesh.*.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { MetricTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { MeshMetrics } from "../mesh/metrics";
import { claimSlot, renewSlot, SlotClaim, sweepSlots } from "./vm_slot";

/** Gauges each VM sets to its own absolute value, named kafka_mesh.<gauge>.vm.<slot>. */
const VM_GAUGES = ["connections", "pending_requests", "buffered_bytes", "wasm_memory_bytes"];
const CONNECTIONS = 0;
const PENDING = 1;
const BUFFERED = 2;
const MEMORY = 3;

const idRef = new Uint32Array(1);
const timeRef = new Uint64Array(1);

export class HostMetrics extends MeshMetrics {
  private ids: Map<string, u32> = new Map();
  /** Topics with stats of their own; Envoy never frees a stat, so their number is bounded. */
  private topicsWithStats: Set<string> = new Set();
  /** This VM's slot (see vm_slot.ts), its gauges' ids (looked up once per slot) and values. */
  private slot: SlotClaim | null = null;
  private vmIds: Array<u32> = [0, 0, 0, 0];
  private vmValues: Array<i64> = [0, 0, 0, 0];

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

  /** The id of gauge `which` of VM slot `slot` (kafka_mesh.<gauge>.vm.<slot>). */
  private vmGaugeId(which: i32, slot: i32): u32 {
    return this.id(MetricTypeValues.Gauge, "kafka_mesh." + VM_GAUGES[which] + ".vm." + slot.toString());
  }

  private static record(id: u32, value: i64): void {
    if (id != 0) imports.proxy_record_metric(id, <u64>max<i64>(value, 0));
  }

  /** Called on every change of the connection's bytes: no name is built here. */
  private vmGauge(which: i32, value: i64): void {
    this.vmValues[which] = value;
    if (this.slot !== null) HostMetrics.record(this.vmIds[which], value);
  }

  /** Takes a slot for this VM's gauges and publishes them there (a stale slot's are overwritten). */
  attachSlot(nowMs: i64): void {
    this.slot = claimSlot(nowMs);
    this.vmValues[MEMORY] = <i64>memory.size() << 16;
    if (this.slot === null) return;
    for (let g = 0; g < VM_GAUGES.length; g++) {
      this.vmIds[g] = this.vmGaugeId(g, this.slot!.slot);
      this.vmGauge(g, this.vmValues[g]);
    }
  }

  /** Every tick: keeps the slot's lease and zeroes the gauges of VMs that are gone. */
  tick(nowMs: i64): void {
    if (this.slot === null || !renewSlot(this.slot!, nowMs)) this.attachSlot(nowMs);
    this.heap(<i64>memory.size() << 16);
    const own = this.slot === null ? -1 : this.slot!.slot;
    const freed = sweepSlots(own, nowMs);
    for (let i = 0; i < freed.length; i++) {
      for (let g = 0; g < VM_GAUGES.length; g++) HostMetrics.record(this.vmGaugeId(g, freed[i]), 0);
    }
  }

  request(apiName: string): void {
    this.count("kafka_mesh.requests." + apiName, 1);
  }

  /** Where a topic's stats go: its own (the first max_topic_stats topics), else topics_other. */
  private topicPrefix(topic: string): string {
    if (this.topicsWithStats.has(topic)) return "kafka_mesh.topic." + topic + ".";
    if (this.topicsWithStats.size < this.maxTopicStats) {
      this.topicsWithStats.add(topic);
      return "kafka_mesh.topic." + topic + ".";
    }
    return "kafka_mesh.topics_other.";
  }

  forwarded(cluster: string, topic: string, records: i64, bytes: i64): void {
    this.count("kafka_mesh.cluster." + cluster + ".records", records);
    this.count("kafka_mesh.cluster." + cluster + ".bytes", bytes);
    const prefix = this.topicPrefix(topic);
    this.count(prefix + "records", records);
    this.count(prefix + "bytes", bytes);
  }

  fetched(cluster: string, topic: string, records: i64, bytes: i64): void {
    this.count("kafka_mesh.cluster." + cluster + ".fetched_records", records);
    this.count("kafka_mesh.cluster." + cluster + ".fetched_bytes", bytes);
    const prefix = this.topicPrefix(topic);
    this.count(prefix + "fetched_records", records);
    this.count(prefix + "fetched_bytes", bytes);
  }

  schemaRejected(topic: string, reason: string): void {
    this.count(this.topicPrefix(topic) + "schema_rejected", 1);
    this.count("kafka_mesh.schema.rejected." + reason, 1);
  }

  schemaRegistryCall(): void {
    this.count("kafka_mesh.schema.registry_calls", 1);
  }

  schemaRegistryError(): void {
    this.count("kafka_mesh.schema.registry_errors", 1);
  }

  schemaCacheHit(): void {
    this.count("kafka_mesh.schema.cache_hits", 1);
  }

  schemaFailedOpen(topic: string): void {
    this.count("kafka_mesh.schema.failed_open", 1);
  }

  buffered(delta: i64): void {
    this.vmGauge(BUFFERED, this.vmValues[BUFFERED] + delta);
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

  streamLost(cluster: string): void {
    this.count("kafka_mesh.cluster." + cluster + ".upstream_streams_lost", 1);
  }

  upstreamLatency(cluster: string, millis: i64): void {
    const id = this.id(MetricTypeValues.Histogram, "kafka_mesh.cluster." + cluster + ".upstream_latency_ms");
    if (id != 0) imports.proxy_record_metric(id, <u64>max<i64>(millis, 0));
  }

  pending(delta: i64): void {
    this.vmGauge(PENDING, this.vmValues[PENDING] + delta);
  }

  connections(delta: i64): void {
    this.vmGauge(CONNECTIONS, this.vmValues[CONNECTIONS] + delta);
    if (delta > 0) this.count("kafka_mesh.connections_total", delta);
  }

  refused(): void {
    this.count("kafka_mesh.connections_refused", 1);
  }

  fetchReadAhead(): void {
    this.count("kafka_mesh.fetch_read_aheads", 1);
  }

  fetchReadAheadHit(): void {
    this.count("kafka_mesh.fetch_read_ahead_hits", 1);
  }

  fetchReadAheadUnused(): void {
    this.count("kafka_mesh.fetch_read_aheads_unused", 1);
  }

  readsHeld(): void {
    this.count("kafka_mesh.reads_held", 1);
  }

  heap(bytes: i64): void {
    this.vmGauge(MEMORY, bytes);
  }

  nowMillis(): i64 {
    imports.proxy_get_current_time_nanoseconds(changetype<usize>(timeRef.buffer));
    return <i64>(timeRef[0] / 1000000);
  }
}
