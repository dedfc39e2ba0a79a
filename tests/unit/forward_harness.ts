// In-memory Forward streams for the consumer-group handlers: tests read the messages the mesh
// sent to each cluster's bridge and answer them by hand.
import { requestHeaderVersion, responseHeaderVersion } from "../../assembly/kafka/messages/api_keys";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig, RestBridge } from "../../assembly/mesh/config";
import { MeshContext } from "../../assembly/mesh/context";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource } from "../../assembly/mesh/producer_state";
import { LocalTopicIdStore } from "../../assembly/mesh/topics";
import { StreamReceiver, StreamTransport } from "../../assembly/mesh/upstream_transport";
import { RecordingTransport } from "./mesh_harness";

/** c1 and c2 native, c3 strimzi; groups "g*" on c1, "billing-*" on c2, others nowhere. */
export const GROUPS_CONFIG = `{
  "advertised_host": "mesh.local", "advertised_port": 19092, "broker_id": 7,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8180", "dialect": "native"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2", "authority": "127.0.0.1:8181", "dialect": "native"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8082"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "a", "target_cluster": "c2"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ],
  "group_rules": [
    {"group_prefix": "g", "target_cluster": "c1"},
    {"group_prefix": "billing-", "target_cluster": "c2"}
  ]
}`;

/** One message the mesh sent: its header fields and its body. */
export class Sent {
  constructor(
    public authority: string,
    public apiKey: i16,
    public version: i16,
    public correlationId: i32,
    public clientId: string | null,
    public body: Uint8Array,
    public stream: u32,
  ) {}
  reader(): Reader {
    return new Reader(this.body);
  }
}

export class ForwardStreams extends StreamTransport {
  sent: Array<Sent> = [];
  receivers: Map<u32, StreamReceiver> = new Map();
  authorities: Map<u32, string> = new Map();
  cancelled: Array<u32> = [];
  private next: u32 = 1;

  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    expect<string>(service + "/" + method).toBe("kafka.mesh.v1.Bridge/Forward");
    const id = this.next++;
    this.receivers.set(id, receiver);
    this.authorities.set(id, bridge.authority);
    return id;
  }
  send(stream: u32, message: Uint8Array): bool {
    if (!this.receivers.has(stream)) return false;
    const bytes = message.slice();
    const peek = new Reader(bytes);
    const apiKey = peek.int16();
    const version = peek.int16();
    const r = new Reader(bytes);
    const h = RequestHeader.decode(r, requestHeaderVersion(apiKey, version));
    expect<bool>(r.failed).toBe(false);
    this.sent.push(new Sent(this.authorities.get(stream), apiKey, version, h.correlationId, h.clientId, bytes.slice(r.pos), stream));
    return true;
  }
  cancel(stream: u32): void {
    this.cancelled.push(stream);
    this.receivers.delete(stream);
  }
  /** Messages sent to the bridge at this authority (c1 8180, c2 8181). */
  to(authority: string): Array<Sent> {
    const out = new Array<Sent>();
    for (let i = 0; i < this.sent.length; i++) if (this.sent[i].authority == authority) out.push(this.sent[i]);
    return out;
  }
  /** Answers s with the response body w wrote, under s's correlation id. */
  respond(s: Sent, w: Writer): void {
    const out = new Writer();
    const h = new ResponseHeader();
    h.correlationId = s.correlationId;
    h.encode(out, responseHeaderVersion(s.apiKey, s.version));
    out.bytes(w.view());
    this.raw(s.stream, out.view().slice());
  }
  raw(stream: u32, bytes: Uint8Array): void {
    if (this.receivers.has(stream)) this.receivers.get(stream).onStreamMessage(stream, bytes);
  }
  close(stream: u32, status: u32): void {
    if (!this.receivers.has(stream)) return;
    const r = this.receivers.get(stream);
    this.receivers.delete(stream);
    r.onStreamClosed(stream, status);
  }
}

export const C1 = "127.0.0.1:8180";
export const C2 = "127.0.0.1:8181";

export function groupsMesh(streams: ForwardStreams, config: string = GROUPS_CONFIG): MeshContext {
  return new MeshContext(
    parseConfig(config).config!,
    new LocalTopicIdStore(),
    new RecordingTransport(),
    new MeshMetrics(),
    new InMemoryBlockSource(),
    streams,
  );
}
