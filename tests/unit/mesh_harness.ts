// Helpers for driving a Connection with real request frames in unit tests.
import { requestHeaderVersion, responseHeaderVersion } from "../../assembly/kafka/messages/api_keys";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig } from "../../assembly/mesh/config";
import { Connection } from "../../assembly/mesh/connection";
import { MeshContext } from "../../assembly/mesh/context";
import { MeshRequestDecoder } from "../../assembly/mesh/request_decoder";
import { LocalTopicIdStore } from "../../assembly/mesh/topics";
import { UpstreamReceiver, UpstreamTransport } from "../../assembly/mesh/upstream_transport";
import { RestBridge } from "../../assembly/mesh/config";
import { HttpCall } from "../../assembly/upstream/dialect";

export const REFERENCE_CONFIG = `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092, "broker_id": 7,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8080"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2", "authority": "127.0.0.1:8081"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8082"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "a", "target_cluster": "c2"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ]
}`;

/** An upstream that records calls; tests answer them by hand. */
export class RecordingTransport extends UpstreamTransport {
  calls: Array<HttpCall> = [];
  bridges: Array<RestBridge> = [];
  timeouts: Array<u32> = [];
  receivers: Array<UpstreamReceiver> = [];
  parts: Array<i32> = [];
  refuse: bool = false;

  send(bridge: RestBridge, call: HttpCall, timeoutMs: u32, receiver: UpstreamReceiver, part: i32): bool {
    if (this.refuse) return false;
    this.calls.push(call);
    this.bridges.push(bridge);
    this.timeouts.push(timeoutMs);
    this.receivers.push(receiver);
    this.parts.push(part);
    return true;
  }
}

export function newMesh(configText: string = REFERENCE_CONFIG, transport: UpstreamTransport = new RecordingTransport()): MeshContext {
  return new MeshContext(parseConfig(configText).config!, new LocalTopicIdStore(), transport);
}

export function newConnection(mesh: MeshContext): Connection {
  return new Connection(new MeshRequestDecoder(mesh), mesh.config.maxFrameBytes, mesh.config.maxInflightRequests);
}

/** Starts a request frame: size placeholder and header. Returns the frame's start. */
export function beginRequest(w: Writer, apiKey: i16, version: i16, correlationId: i32): i32 {
  const start = w.pos;
  w.int32(0);
  const h = new RequestHeader();
  h.requestApiKey = apiKey;
  h.requestApiVersion = version;
  h.correlationId = correlationId;
  h.clientId = "unit-test";
  h.encode(w, requestHeaderVersion(apiKey, version));
  return start;
}

export function endRequest(w: Writer, start: i32): void {
  w.patchInt32(start, w.pos - start - 4);
}

/** One answer frame split off a run of answers. */
export class Answer {
  correlationId: i32 = 0;
  body: Reader = new Reader(new Uint8Array(0));
}

/** Splits answers, reading each header with the version a client would expect. */
export function splitAnswers(bytes: Uint8Array | null, apiKey: i16, version: i16): Array<Answer> {
  const out = new Array<Answer>();
  if (bytes === null) return out;
  const r = new Reader(bytes!);
  while (r.remaining() > 0) {
    const size = r.int32();
    const end = r.pos + size;
    const a = new Answer();
    a.correlationId = r.int32();
    if (responseHeaderVersion(apiKey, version) >= 1) r.skipTaggedFields();
    a.body = new Reader(bytes!, r.pos, end);
    r.pos = end;
    out.push(a);
  }
  return out;
}

/** Answers call i with an HTTP status and a body. */
export function answer(t: RecordingTransport, i: i32, status: i32, body: string | null): void {
  let bytes: Uint8Array | null = null;
  if (body !== null) bytes = Uint8Array.wrap(String.UTF8.encode(body!));
  t.receivers[i].onUpstreamAnswer(t.parts[i], status, bytes);
}

/** The body of call i as text. */
export function callBody(t: RecordingTransport, i: i32): string {
  const b = t.calls[i].body;
  return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}
