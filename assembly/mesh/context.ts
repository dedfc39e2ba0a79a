// What every connection of one plugin instance shares: configuration, routing, topics,
// producer state and the way to upstream clusters.
import { MeshConfig } from "./config";
import { MeshMetrics } from "./metrics";
import { PlanRouting } from "./produce_plan";
import { InMemoryBlockSource, ProducerIdAllocator, ProducerIdBlockSource, ProducerStateTable } from "./producer_state";
import { Router } from "./routing";
import { TopicDirectory, TopicIdStore } from "./topics";
import { NoStreams, StreamTransport, UpstreamTransport } from "./upstream_transport";
import { UpstreamChannel } from "./upstream_channel";
import { UpstreamLanes } from "./upstream_lanes";
import { Dialect } from "../upstream/dialect";
import { dialectFor, NATIVE_DIALECT } from "../upstream/index";
import { DecodeLimits } from "../records/batch";
import { FORWARD_GRPC_METHOD, NATIVE_GRPC_METHOD } from "../upstream/native";
import { FetchReadAheads } from "./fetch_read_ahead";
import { MemoryBudget } from "./memory_budget";
import { SchemaRegistry } from "./schema_registry";
import { CountingRandom, MeshSecurity, RandomSource, SecurityEvents } from "./session";

class ConfigRouting extends PlanRouting {
  constructor(private router: Router, private config: MeshConfig) {
    super();
  }
  clusterFor(topic: string): i32 {
    return this.router.route(topic);
  }
  partitionCount(cluster: i32, topic: string): i32 {
    return this.config.clusters[cluster].partitionCount;
  }
  passThrough(cluster: i32): bool {
    return this.config.clusters[cluster].bridge.dialect == NATIVE_DIALECT;
  }
}

/** Produce requests waiting for the outcome of a batch another request forwarded. */
export abstract class TicketWaiter {
  abstract resolve(ticket: i32, errorCode: i16, baseOffset: i64): void;
}

export class MeshContext {
  router: Router;
  routing: PlanRouting;
  topics: TopicDirectory;
  producers: ProducerStateTable = new ProducerStateTable();
  producerIds: ProducerIdAllocator;
  /** The HTTP dialect of each cluster's bridge, by cluster index; null on the native dialect. */
  dialects: Array<Dialect | null> = [];
  /** The Produce stream to each native-dialect cluster's bridge, by cluster index; null on HTTP dialects. */
  channels: Array<UpstreamChannel | null> = [];
  /** The Forward stream (consumer and group requests) to each native-dialect cluster's bridge; null on HTTP dialects. */
  forwardChannels: Array<UpstreamChannel | null> = [];
  limits: DecodeLimits = new DecodeLimits();
  /** One bridge call at a time per (cluster, topic). */
  lanes: UpstreamLanes = new UpstreamLanes();
  /** Bytes all connections of this VM hold, against max_buffered_bytes. */
  budget: MemoryBudget;
  /** Fetch read-ahead settings and the connections holding one. */
  readAheads!: FetchReadAheads;
  /** SASL users, ACLs and what security counts (docs/security.md). */
  security: MeshSecurity;
  /** The schema registry of the topic policies, with its cache; null without schema_registry. */
  schemas: SchemaRegistry | null = null;
  private waiters: Map<i32, Array<TicketWaiter>> = new Map();

  constructor(
    public config: MeshConfig,
    topicIdStore: TopicIdStore,
    public transport: UpstreamTransport,
    public metrics: MeshMetrics = new MeshMetrics(),
    producerIdSource: ProducerIdBlockSource = new InMemoryBlockSource(),
    streams: StreamTransport = new NoStreams(),
    random: RandomSource = new CountingRandom(),
    securityEvents: SecurityEvents = new SecurityEvents(),
  ) {
    this.security = new MeshSecurity(config.security, random, securityEvents);
    if (config.schemaRegistry !== null) this.schemas = new SchemaRegistry(config.schemaRegistry!, transport, metrics);
    this.budget = new MemoryBudget(config.maxBufferedBytes, config.closeBufferedBytes, metrics);
    const router = new Router(config);
    this.router = router;
    this.routing = new ConfigRouting(router, config);
    this.topics = new TopicDirectory(topicIdStore);
    this.producerIds = new ProducerIdAllocator(producerIdSource);
    for (let i = 0; i < config.clusters.length; i++) {
      const cluster = config.clusters[i];
      // Config validation admits only "native" and the names dialectFor knows.
      this.dialects.push(dialectFor(cluster.bridge.dialect));
      const native = cluster.bridge.dialect == NATIVE_DIALECT;
      const window = config.upstreamWindowBytes;
      this.channels.push(native ? new UpstreamChannel(cluster.name, cluster.bridge, streams, metrics, window, NATIVE_GRPC_METHOD) : null);
      this.forwardChannels.push(
        native ? new UpstreamChannel(cluster.name, cluster.bridge, streams, metrics, window, FORWARD_GRPC_METHOD) : null,
      );
    }
    this.readAheads = new FetchReadAheads(this.forwardChannels, this.budget, metrics, config.fetchReadAheadMs, config.upstreamTimeoutMs);
    this.limits.maxBatchBytes = config.maxFrameBytes;
    this.limits.maxDecompressedBytes = config.maxDecompressedBytes;
  }

  /** Once a second: channels whose bridge stopped answering are reset. */
  tick(nowMs: i64): void {
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i];
      if (c !== null) c.tick(nowMs);
      const f = this.forwardChannels[i];
      if (f !== null) f.tick(nowMs);
    }
    this.readAheads.tick();
  }

  /** Registers w to hear the outcome of the batch behind ticket. */
  waitFor(ticket: i32, w: TicketWaiter): void {
    if (!this.waiters.has(ticket)) this.waiters.set(ticket, []);
    this.waiters.get(ticket).push(w);
  }

  /** Hands a forwarded batch's outcome to the requests that waited for it. */
  resolve(ticket: i32, errorCode: i16, baseOffset: i64): void {
    if (!this.waiters.has(ticket)) return;
    const list = this.waiters.get(ticket);
    this.waiters.delete(ticket);
    for (let i = 0; i < list.length; i++) list[i].resolve(ticket, errorCode, baseOffset);
  }
}
