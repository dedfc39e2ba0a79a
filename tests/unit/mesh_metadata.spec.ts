import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { ApiVersionsRequest } from "../../assembly/kafka/messages/api_versions_request";
import { ApiVersionsResponse } from "../../assembly/kafka/messages/api_versions_response";
import { MetadataRequest, MetadataRequestTopic } from "../../assembly/kafka/messages/metadata_request";
import { MetadataResponse } from "../../assembly/kafka/messages/metadata_response";
import { Writer } from "../../assembly/kafka/wire";
import { toBytes } from "./helpers/wire";
import { topicIdFor } from "../../assembly/mesh/topics";
import { beginRequest, endRequest, newConnection, newMesh, splitAnswers } from "./mesh_harness";

const REFERENCE_LIMITED = `{
  "advertised_host": "h", "advertised_port": 1, "max_frame_bytes": 1024,
  "upstream_clusters": [{"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1"}}],
  "forwarding_rules": []
}`;

function apiVersionsFrame(w: Writer, version: i16, correlationId: i32): void {
  const start = beginRequest(w, ApiKey.ApiVersions, version, correlationId);
  const body = new ApiVersionsRequest();
  body.clientSoftwareName = "unit";
  body.clientSoftwareVersion = "1.0";
  if (version <= 4) body.encode(w, version);
  endRequest(w, start);
}

function metadataFrame(w: Writer, version: i16, correlationId: i32, names: Array<string> | null): void {
  const start = beginRequest(w, ApiKey.Metadata, version, correlationId);
  const body = new MetadataRequest();
  if (names === null) body.topics = null;
  else {
    const topics = new Array<MetadataRequestTopic>();
    for (let i = 0; i < names.length; i++) {
      const t = new MetadataRequestTopic();
      t.name = names[i];
      topics.push(t);
    }
    body.topics = topics;
  }
  body.encode(w, version);
  endRequest(w, start);
}

/** The correlation id of each answer in a run, read straight from the frame headers. */
function correlationIds(run: Uint8Array): Array<i32> {
  const ids = new Array<i32>();
  let pos = 0;
  while (pos + 8 <= run.length) {
    const size = (<i32>run[pos] << 24) | (<i32>run[pos + 1] << 16) | (<i32>run[pos + 2] << 8) | <i32>run[pos + 3];
    ids.push((<i32>run[pos + 4] << 24) | (<i32>run[pos + 5] << 16) | (<i32>run[pos + 6] << 8) | <i32>run[pos + 7]);
    pos += 4 + size;
  }
  return ids;
}

describe("ApiVersions", () => {
  it("advertises exactly the implemented APIs in every version", () => {
    for (let v: i16 = 0; v <= 4; v++) {
      const c = newConnection(newMesh());
      const w = new Writer();
      apiVersionsFrame(w, v, 100 + v);
      c.onData(toBytes(w));
      const answers = splitAnswers(c.takeAnswers(), ApiKey.ApiVersions, v);
      expect<i32>(answers.length).toBe(1);
      expect<i32>(answers[0].correlationId).toBe(100 + v);
      const r = answers[0].body;
      const resp = ApiVersionsResponse.decode(r, v);
      expect<bool>(r.failed).toBe(false);
      expect<i32>(r.remaining()).toBe(0);
      expect<i16>(resp.errorCode).toBe(0);
      let seen = "";
      for (let i = 0; i < resp.apiKeys.length; i++) {
        const k = resp.apiKeys[i];
        seen += k.apiKey.toString() + ":" + k.minVersion.toString() + "-" + k.maxVersion.toString() + " ";
      }
      expect<string>(seen).toBe("0:3-13 1:4-18 2:1-10 3:0-13 8:2-9 9:1-9 10:0-6 11:0-9 12:0-4 13:0-5 14:0-5 15:0-6 16:0-5 18:0-4 22:0-5 ");
    }
  });

  it("answers a newer version with UNSUPPORTED_VERSION in a v0 body", () => {
    const c = newConnection(newMesh());
    const w = new Writer();
    apiVersionsFrame(w, 9, 5);
    c.onData(toBytes(w));
    const answers = splitAnswers(c.takeAnswers(), ApiKey.ApiVersions, 0);
    const resp = ApiVersionsResponse.decode(answers[0].body, 0);
    expect<i16>(resp.errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect<i32>(resp.apiKeys.length).toBe(1);
    expect<i16>(resp.apiKeys[0].apiKey).toBe(ApiKey.ApiVersions);
    expect<i16>(resp.apiKeys[0].maxVersion).toBe(4);
    expect<bool>(c.wantsClose()).toBe(false);
  });
});

describe("Metadata", () => {
  it("presents the mesh as the one broker leading every routed partition, in every version", () => {
    for (let v: i16 = 0; v <= 13; v++) {
      const c = newConnection(newMesh());
      const w = new Writer();
      metadataFrame(w, v, 42, ["apples", "app-something", "apricots", "analogue", "bananas", "cherries", "bad/name"]);
      c.onData(toBytes(w));
      const answers = splitAnswers(c.takeAnswers(), ApiKey.Metadata, v);
      expect<i32>(answers.length).toBe(1);
      expect<i32>(answers[0].correlationId).toBe(42);
      const r = answers[0].body;
      const resp = MetadataResponse.decode(r, v);
      expect<bool>(r.failed).toBe(false, "v" + v.toString());
      expect<i32>(r.remaining()).toBe(0);
      expect<i32>(resp.brokers.length).toBe(1);
      expect<i32>(resp.brokers[0].nodeId).toBe(7);
      expect<string>(resp.brokers[0].host).toBe("127.0.0.1");
      expect<i32>(resp.brokers[0].port).toBe(19092);
      if (v >= 1) expect<i32>(resp.controllerId).toBe(7);
      expect<i32>(resp.topics.length).toBe(7);
      const counts: i32[] = [1, 1, 1, 1, 5, 0, 0];
      const errors: i16[] = [0, 0, 0, 0, 0, KafkaError.UNKNOWN_TOPIC_OR_PARTITION, KafkaError.INVALID_TOPIC_EXCEPTION];
      for (let i = 0; i < 7; i++) {
        const t = resp.topics[i];
        expect<i16>(t.errorCode).toBe(errors[i]);
        expect<i32>(t.partitions.length).toBe(counts[i]);
        for (let p = 0; p < t.partitions.length; p++) {
          expect<i32>(t.partitions[p].partitionIndex).toBe(p);
          expect<i32>(t.partitions[p].leaderId).toBe(7);
          expect<i32>(t.partitions[p].replicaNodes[0]).toBe(7);
          expect<i32>(t.partitions[p].isrNodes[0]).toBe(7);
        }
      }
      if (v >= 10) {
        const id = topicIdFor("bananas");
        for (let b = 0; b < 16; b++) expect<u8>(resp.topics[4].topicId[b]).toBe(id[b]);
      }
    }
  });

  it("gives every name its own stable, non-reserved topic id", () => {
    const a = topicIdFor("apples");
    const b = topicIdFor("apricots");
    let same = true;
    let zero = true;
    for (let i = 0; i < 16; i++) {
      if (a[i] != b[i]) same = false;
      if (a[i] != 0) zero = false;
      expect<u8>(topicIdFor("apples")[i]).toBe(a[i]);
    }
    expect<bool>(same).toBe(false);
    expect<bool>(zero).toBe(false);
  });

  it("answers an all-topics request with the routed topics seen so far", () => {
    const c = newConnection(newMesh());
    const w = new Writer();
    metadataFrame(w, 12, 1, ["bananas", "cherries"]);
    metadataFrame(w, 12, 2, null);
    metadataFrame(w, 0, 3, []);
    c.onData(toBytes(w));
    const answers = splitAnswers(c.takeAnswers(), ApiKey.Metadata, 12);
    expect<i32>(answers.length).toBe(3);
    const all = MetadataResponse.decode(answers[1].body, 12);
    expect<i32>(all.topics.length).toBe(1);
    expect<string>(all.topics[0].name!).toBe("bananas");
  });
});

describe("Connection", () => {
  it("answers 200 pipelined requests in order, across arbitrary read boundaries", () => {
    const c = newConnection(newMesh());
    const w = new Writer();
    for (let i = 0; i < 200; i++) {
      if (i % 2 == 0) apiVersionsFrame(w, 3, i);
      else metadataFrame(w, 9, i, ["apples"]);
    }
    const bytes = toBytes(w);
    let seen = 0;
    let inOrder = true;
    for (let off = 0; off < bytes.length; off += 97) {
      c.onData(bytes.subarray(off, min(off + 97, bytes.length)));
      const out = c.takeAnswers();
      if (out === null) continue;
      // ApiVersions (header v0) and Metadata v9 (header v1) alternate.
      const ids = correlationIds(out);
      for (let i = 0; i < ids.length; i++) if (ids[i] != seen + i) inOrder = false;
      seen += ids.length;
    }
    expect<i32>(seen).toBe(200);
    expect<bool>(inOrder).toBe(true);
    expect<i32>(c.inflight()).toBe(0);
  });

  it("closes on an unknown API key, an API it does not serve, an unsupported version, or a malformed body", () => {
    const cases: Array<Uint8Array> = [];
    let w = new Writer();
    let s = w.pos;
    w.int32(0);
    w.int16(999);
    w.int16(0);
    w.int32(1);
    w.int16(-1);
    endRequest(w, s);
    cases.push(toBytes(w));
    w = new Writer();
    s = beginRequest(w, ApiKey.Fetch, 12, 1);
    w.int32(0);
    endRequest(w, s);
    cases.push(toBytes(w));
    w = new Writer();
    metadataFrame(w, 14, 1, ["apples"]);
    cases.push(toBytes(w));
    w = new Writer();
    s = beginRequest(w, ApiKey.Metadata, 1, 1);
    w.int32(1000); // topic count far beyond the bytes that follow
    endRequest(w, s);
    cases.push(toBytes(w));
    for (let i = 0; i < cases.length; i++) {
      const c = newConnection(newMesh());
      c.onData(cases[i]);
      expect<bool>(c.wantsClose()).toBe(true, i.toString());
      expect<bool>(c.takeAnswers() === null).toBe(true);
    }
  });

  it("still answers requests that came before a frame it refuses", () => {
    const c = newConnection(newMesh());
    const w = new Writer();
    apiVersionsFrame(w, 3, 1);
    w.int32(-5);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(splitAnswers(c.takeAnswers(), ApiKey.ApiVersions, 3).length).toBe(1);
  });

  it("with answer flow control, reads no further frame while the answers on their way exceed the bound", () => {
    const c = newConnection(newMesh());
    c.enableAnswerFlowControl(1024);
    const w = new Writer();
    for (let i = 0; i < 40; i++) apiVersionsFrame(w, 3, i);
    c.onData(toBytes(w));
    // Every answer is about 150 bytes: the first run stops once 1024 bytes are written.
    const first = splitAnswers(c.takeAnswers(), ApiKey.ApiVersions, 3);
    expect<i32>(first.length).toBeGreaterThan(0);
    expect<i32>(first.length).toBeLessThan(40);
    expect<bool>(c.paused()).toBe(true);
    // Nothing more until those answers have passed on the write side.
    expect<bool>(c.takeAnswers() === null).toBe(true);
    let seen = first.length;
    let inOrder = true;
    for (let i = 0; i < first.length; i++) if (first[i].correlationId != i) inOrder = false;
    let rounds = 1;
    while (c.paused() || seen < 40) {
      c.answersPassed(1024 * 1024);
      const run = c.takeAnswers();
      if (run === null) break;
      const more = splitAnswers(run, ApiKey.ApiVersions, 3);
      for (let i = 0; i < more.length; i++) if (more[i].correlationId != seen + i) inOrder = false;
      seen += more.length;
      rounds++;
    }
    expect<i32>(seen).toBe(40);
    expect<bool>(inOrder).toBe(true);
    expect<i32>(rounds).toBeGreaterThan(2);
    expect<bool>(c.paused()).toBe(false);
    expect<bool>(c.wantsClose()).toBe(false);
  });

  it("with answer flow control, frames that arrive while paused wait behind the unread ones", () => {
    const c = newConnection(newMesh());
    c.enableAnswerFlowControl(1024);
    let w = new Writer();
    for (let i = 0; i < 20; i++) apiVersionsFrame(w, 3, i);
    c.onData(toBytes(w));
    let seen = splitAnswers(c.takeAnswers(), ApiKey.ApiVersions, 3).length;
    w = new Writer();
    for (let i = 20; i < 30; i++) metadataFrame(w, 9, i, ["apples"]);
    c.onData(toBytes(w));
    expect<bool>(c.takeAnswers() === null).toBe(true);
    const order = new Array<i32>();
    for (let round = 0; round < 100 && seen + order.length < 30; round++) {
      c.answersPassed(1024 * 1024);
      const run = c.takeAnswers();
      if (run === null) continue;
      const ids = correlationIds(run);
      for (let i = 0; i < ids.length; i++) order.push(ids[i]);
    }
    expect<i32>(seen + order.length).toBe(30);
    for (let i = 0; i < order.length; i++) expect<i32>(order[i]).toBe(seen + i);
  });

  it("with answer flow control, closes a client that sends more than a frame's worth while paused", () => {
    const c = newConnection(newMesh(REFERENCE_LIMITED));
    c.enableAnswerFlowControl(1024);
    const w = new Writer();
    for (let i = 0; i < 40; i++) apiVersionsFrame(w, 3, i);
    c.onData(toBytes(w));
    expect<bool>(c.paused()).toBe(true);
    c.takeAnswers();
    c.onData(new Uint8Array(2048));
    expect<bool>(c.wantsClose()).toBe(true);
    expect<string>(c.closeReason).toBe("more than 1024 bytes sent while answers wait to be read");
  });

  it("refuses a frame over the size limit before buffering it", () => {
    const c = newConnection(newMesh(REFERENCE_LIMITED));
    const w = new Writer();
    w.int32(2048);
    w.int32(0);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(true);
    expect<string>(c.closeReason).toBe("frame size 2048 is negative or over the limit");
  });
});

