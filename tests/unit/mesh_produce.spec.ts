import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { InitProducerIdRequest } from "../../assembly/kafka/messages/init_producer_id_request";
import { InitProducerIdResponse } from "../../assembly/kafka/messages/init_producer_id_response";
import { PartitionProduceData, ProduceRequest, TopicProduceData } from "../../assembly/kafka/messages/produce_request";
import { ProduceResponse } from "../../assembly/kafka/messages/produce_response";
import { MetadataRequest, MetadataRequestTopic } from "../../assembly/kafka/messages/metadata_request";
import { topicIdFor } from "../../assembly/mesh/topics";
import { Writer } from "../../assembly/kafka/wire";
import { toBytes } from "./helpers/wire";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import { answer, beginRequest, callBody, endRequest, newConnection, newMesh, RecordingTransport, REFERENCE_CONFIG, splitAnswers } from "./mesh_harness";
import * as JAVA from "../fixtures/produce/java_none";
import * as KAFKAJS from "../fixtures/produce/kafkajs_none";
import * as RDKAFKA from "../fixtures/produce/librdkafka_none";

const OFFSETS_100 = '{"offsets":[{"partition":2,"offset":100},{"partition":2,"offset":101},{"partition":2,"offset":102},{"partition":2,"offset":103},{"partition":2,"offset":104}]}';

/** The records bytes of the first partition of a captured frame. */
function capturedRecords(hex: string): Uint8Array {
  const frame = hexToBytes(hex);
  return readProduceFrame(frame).topics[0].partitions[0].records!;
}

function produceFrame(w: Writer, version: i16, correlationId: i32, topic: string, partition: i32, records: Uint8Array | null, acks: i16, timeoutMs: i32 = 1500): void {
  const start = beginRequest(w, ApiKey.Produce, version, correlationId);
  const req = new ProduceRequest();
  req.acks = acks;
  req.timeoutMs = timeoutMs;
  const t = new TopicProduceData();
  t.name = topic;
  const p = new PartitionProduceData();
  p.index = partition;
  p.records = records;
  t.partitionData.push(p);
  req.topicData.push(t);
  req.encode(w, version);
  endRequest(w, start);
}

function produceAnswer(bytes: Uint8Array | null, version: i16): ProduceResponse {
  const answers = splitAnswers(bytes, ApiKey.Produce, version);
  expect<i32>(answers.length).toBe(1);
  const r = answers[0].body;
  const resp = ProduceResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  return resp;
}

describe("Produce", () => {
  it("forwards captured Java, kafkajs and librdkafka batches to the routed bridge and answers with its offsets", () => {
    const hexes: string[] = [JAVA.FRAMES[0], KAFKAJS.FRAMES[0], RDKAFKA.FRAMES[0]];
    const versions: i16[] = [JAVA.API_VERSIONS[0], KAFKAJS.API_VERSIONS[0], RDKAFKA.API_VERSIONS[0]];
    for (let i = 0; i < hexes.length; i++) {
      const t = new RecordingTransport();
      const c = newConnection(newMesh(REFERENCE_CONFIG, t));
      c.onData(hexToBytes(hexes[i]));
      expect<i32>(t.calls.length).toBe(1);
      expect<string>(t.bridges[0].envoyCluster).toBe("b3");
      expect<string>(t.calls[0].path).toBe("/topics/b-capture");
      const body = callBody(t, 0);
      expect<bool>(body.includes('"partition":2')).toBe(true);
      expect<bool>(body.includes('"key":"azE="')).toBe(true); // base64("k1")
      expect<bool>(c.takeAnswers() === null).toBe(true);
      answer(t, 0, 200, OFFSETS_100);
      const resp = produceAnswer(c.takeAnswers(), versions[i]);
      const part = resp.responses[0].partitionResponses[0];
      expect<string>(resp.responses[0].name).toBe("b-capture");
      expect<i32>(part.index).toBe(2);
      expect<i16>(part.errorCode).toBe(KafkaError.NONE);
      expect<i64>(part.baseOffset).toBe(100);
    }
  });

  it("bounds the bridge call by the client's produce timeout", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const w = new Writer();
    produceFrame(w, 9, 1, "bananas", 0, capturedRecords(RDKAFKA.FRAMES[0]), -1);
    c.onData(toBytes(w));
    // 1500 ms less a tenth: the call ends before the client's own request timeout.
    expect<u32>(t.timeouts[0]).toBe(1350);
  });

  it("ends the bridge call at most 2 s before a long client timeout, within the configured limit", () => {
    const timeouts: i32[] = [30000, 120000, 5];
    const expected: u32[] = [28000, 30000, 5];
    for (let i = 0; i < timeouts.length; i++) {
      const t = new RecordingTransport();
      const c = newConnection(newMesh(REFERENCE_CONFIG, t));
      const w = new Writer();
      produceFrame(w, 9, 1, "bananas", 0, capturedRecords(RDKAFKA.FRAMES[0]), -1, timeouts[i]);
      c.onData(toBytes(w));
      expect<u32>(t.timeouts[0]).toBe(expected[i]);
    }
  });

  it("answers an unroutable topic and an unknown partition without calling upstream, and stays usable", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 9, 1, "cherries", 0, records, -1);
    produceFrame(w, 9, 2, "bananas", 5, records, -1);
    c.onData(toBytes(w));
    expect<i32>(t.calls.length).toBe(0);
    const answers = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(answers.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      const resp = ProduceResponse.decode(answers[i].body, 9);
      expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
      expect<i64>(resp.responses[0].partitionResponses[0].baseOffset).toBe(-1);
    }
    expect<bool>(c.wantsClose()).toBe(false);
  });

  it("maps bridge failures to errors clients retry", () => {
    const statuses: i32[] = [503, 0, 504];
    // librdkafka, whose batch this is, retries REQUEST_TIMED_OUT but fails NETWORK_EXCEPTION for good.
    const codes: i16[] = [KafkaError.REQUEST_TIMED_OUT, KafkaError.REQUEST_TIMED_OUT, KafkaError.REQUEST_TIMED_OUT];
    for (let i = 0; i < statuses.length; i++) {
      const t = new RecordingTransport();
      const c = newConnection(newMesh(REFERENCE_CONFIG, t));
      const w = new Writer();
      produceFrame(w, 9, 1, "apples", 0, capturedRecords(RDKAFKA.FRAMES[0]), -1);
      c.onData(toBytes(w));
      answer(t, 0, statuses[i], null);
      const resp = produceAnswer(c.takeAnswers(), 9);
      expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(codes[i]);
    }
  });

  it("answers at once when the bridge cannot be called", () => {
    const t = new RecordingTransport();
    t.refuse = true;
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const w = new Writer();
    produceFrame(w, 9, 1, "apples", 0, capturedRecords(RDKAFKA.FRAMES[0]), -1);
    c.onData(toBytes(w));
    const resp = produceAnswer(c.takeAnswers(), 9);
    expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
  });

  it("keeps one bridge call in flight per partition, so batches land contiguous and in order", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 9, 1, "bananas", 0, records, -1);
    produceFrame(w, 9, 2, "bananas", 0, records, -1);
    produceFrame(w, 9, 3, "bananas", 1, records, -1);
    produceFrame(w, 9, 4, "apples", 0, records, -1);
    c.onData(toBytes(w));
    // bananas-0's second batch waits; bananas-1 and apples-0 have lanes of their own.
    expect<i32>(t.calls.length).toBe(3);
    expect<string>(t.calls[0].path).toBe("/topics/bananas");
    expect<string>(t.calls[1].path).toBe("/topics/bananas");
    expect<string>(t.calls[2].path).toBe("/topics/apples");
    expect<bool>(callBody(t, 1).includes('"partition":1')).toBe(true);
    expect<bool>(callBody(t, 1).includes('"partition":0')).toBe(false);
    answer(t, 2, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":0').replaceAll('"offset":10', '"offset":50'));
    answer(t, 1, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":1').replaceAll('"offset":10', '"offset":40'));
    expect<i32>(t.calls.length).toBe(3);
    answer(t, 0, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":0'));
    expect<i32>(t.calls.length).toBe(4);
    expect<string>(t.calls[3].path).toBe("/topics/bananas");
    answer(t, 3, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":0').replaceAll('"offset":10', '"offset":20'));
    const all = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(all.length).toBe(4);
    expect<i64>(ProduceResponse.decode(all[0].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(100);
    expect<i64>(ProduceResponse.decode(all[1].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(200);
    expect<i64>(ProduceResponse.decode(all[2].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(400);
    expect<i64>(ProduceResponse.decode(all[3].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(500);
  });

  it("sends the batches queued behind a call together, and splits the answer back", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    for (let i = 0; i < 3; i++) produceFrame(w, 9, i + 1, "bananas", 0, records, -1);
    c.onData(toBytes(w));
    expect<i32>(t.calls.length).toBe(1);
    answer(t, 0, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":0'));
    expect<i32>(t.calls.length).toBe(2);
    let offsets = '{"offsets":[';
    for (let i = 0; i < 10; i++) offsets += (i > 0 ? "," : "") + '{"partition":0,"offset":' + (300 + i).toString() + "}";
    answer(t, 1, 200, offsets + "]}");
    const all = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(all.length).toBe(3);
    expect<i64>(ProduceResponse.decode(all[1].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(300);
    expect<i64>(ProduceResponse.decode(all[2].body, 9).responses[0].partitionResponses[0].baseOffset).toBe(305);
  });

  it("fails the batches queued behind a call that could not be sent with an error clients retry", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    // Three calls on one lane; different acks keep the queued two from going out together.
    produceFrame(w, 9, 1, "bananas", 0, records, -1);
    produceFrame(w, 9, 2, "bananas", 0, records, 1);
    produceFrame(w, 9, 3, "bananas", 0, records, -1);
    c.onData(toBytes(w));
    expect<i32>(t.calls.length).toBe(1);
    // The first call succeeds; the bridge cannot be called for the second.
    t.refuse = true;
    answer(t, 0, 200, '{"offsets":[{"partition":0,"offset":7},{"partition":0,"offset":8},{"partition":0,"offset":9},{"partition":0,"offset":10},{"partition":0,"offset":11}]}');
    const all = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(all.length).toBe(3);
    expect<i16>(ProduceResponse.decode(all[0].body, 9).responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    for (let i = 1; i < 3; i++) {
      expect<i16>(ProduceResponse.decode(all[i].body, 9).responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    }
  });

  it("fails the batches queued behind a failed call without sending them", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 9, 1, "bananas", 0, records, -1);
    produceFrame(w, 9, 2, "bananas", 0, records, -1);
    c.onData(toBytes(w));
    answer(t, 0, 504, null);
    expect<i32>(t.calls.length).toBe(1);
    const all = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(all.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect<i16>(ProduceResponse.decode(all[i].body, 9).responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    }
    // The lane is free again: the client's retry goes out.
    const retry = new Writer();
    produceFrame(retry, 9, 3, "bananas", 0, records, -1);
    c.onData(toBytes(retry));
    expect<i32>(t.calls.length).toBe(2);
  });

  it("sends acks=0 fire-and-forget with no answer, without holding back later answers", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const w = new Writer();
    produceFrame(w, 9, 1, "apples", 0, capturedRecords(RDKAFKA.FRAMES[0]), 0);
    const start = beginRequest(w, ApiKey.InitProducerId, 4, 2);
    const init = new InitProducerIdRequest();
    init.transactionalId = null;
    init.encode(w, 4);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<string>(t.calls[0].path).toBe("/topics/apples?async=true");
    const answers = splitAnswers(c.takeAnswers(), ApiKey.InitProducerId, 4);
    expect<i32>(answers.length).toBe(1);
    expect<i32>(answers[0].correlationId).toBe(2);
  });

  it("keeps answers in request order behind a pending Produce", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const w = new Writer();
    produceFrame(w, 9, 1, "apples", 0, capturedRecords(RDKAFKA.FRAMES[0]), 1);
    produceFrame(w, 9, 2, "cherries", 0, capturedRecords(RDKAFKA.FRAMES[0]), 1);
    c.onData(toBytes(w));
    expect<bool>(c.takeAnswers() === null).toBe(true);
    answer(t, 0, 200, OFFSETS_100);
    const answers = splitAnswers(c.takeAnswers(), ApiKey.Produce, 9);
    expect<i32>(answers.length).toBe(2);
    expect<i32>(answers[0].correlationId).toBe(1);
    expect<i32>(answers[1].correlationId).toBe(2);
  });

  it("answers an idempotent retry from producer state without forwarding it again", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    c.onData(hexToBytes(JAVA.FRAMES[0]));
    answer(t, 0, 200, OFFSETS_100);
    produceAnswer(c.takeAnswers(), 12);
    c.onData(hexToBytes(JAVA.FRAMES[0]));
    expect<i32>(t.calls.length).toBe(1);
    const resp = produceAnswer(c.takeAnswers(), 12);
    expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.responses[0].partitionResponses[0].baseOffset).toBe(100);
  });

  it("answers a retry that arrives while the original is in flight, on another connection, once the original is done", () => {
    const t = new RecordingTransport();
    const mesh = newMesh(REFERENCE_CONFIG, t);
    const first = newConnection(mesh);
    const second = newConnection(mesh);
    first.onData(hexToBytes(JAVA.FRAMES[0]));
    second.onData(hexToBytes(JAVA.FRAMES[0]));
    expect<i32>(t.calls.length).toBe(1);
    first.onClose(); // the client gave up on the first connection
    answer(t, 0, 200, OFFSETS_100);
    const resp = produceAnswer(second.takeAnswers(), 12);
    expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.responses[0].partitionResponses[0].baseOffset).toBe(100);
  });

  it("lets the client's retry through after the bridge failed", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    c.onData(hexToBytes(JAVA.FRAMES[0]));
    answer(t, 0, 503, null);
    produceAnswer(c.takeAnswers(), 12);
    c.onData(hexToBytes(JAVA.FRAMES[0]));
    expect<i32>(t.calls.length).toBe(2);
  });

  it("answers a corrupt batch with CORRUPT_MESSAGE for that partition only", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const good = capturedRecords(RDKAFKA.FRAMES[0]);
    const bad = good.slice();
    bad[bad.length - 1] ^= 0x40;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.Produce, 9, 1);
    const req = new ProduceRequest();
    req.acks = -1;
    req.timeoutMs = 1000;
    const topic = new TopicProduceData();
    topic.name = "bananas";
    const p0 = new PartitionProduceData();
    p0.index = 0;
    p0.records = bad;
    const p1 = new PartitionProduceData();
    p1.index = 1;
    p1.records = good;
    topic.partitionData = [p0, p1];
    req.topicData.push(topic);
    req.encode(w, 9);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<i32>(t.calls.length).toBe(1);
    answer(t, 0, 200, '{"offsets":[{"partition":1,"offset":7},{"partition":1,"offset":8},{"partition":1,"offset":9},{"partition":1,"offset":10},{"partition":1,"offset":11}]}');
    const resp = produceAnswer(c.takeAnswers(), 9);
    expect<i16>(resp.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.CORRUPT_MESSAGE);
    expect<i16>(resp.responses[0].partitionResponses[1].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.responses[0].partitionResponses[1].baseOffset).toBe(7);
  });
});

describe("InitProducerId", () => {
  it("hands out distinct ids and refuses transactional ids", () => {
    const c = newConnection(newMesh());
    const w = new Writer();
    for (let i = 0; i < 3; i++) {
      const start = beginRequest(w, ApiKey.InitProducerId, <i16>(i + 2), i);
      const init = new InitProducerIdRequest();
      init.transactionalId = i == 2 ? "tx-1" : null;
      init.encode(w, <i16>(i + 2));
      endRequest(w, start);
    }
    c.onData(toBytes(w));
    const out = c.takeAnswers();
    const a = splitAnswers(out, ApiKey.InitProducerId, 2);
    expect<i32>(a.length).toBe(3);
    const r0 = InitProducerIdResponse.decode(a[0].body, 2);
    const r1 = InitProducerIdResponse.decode(a[1].body, 3);
    const r2 = InitProducerIdResponse.decode(a[2].body, 4);
    expect<i16>(r0.errorCode).toBe(0);
    expect<i16>(r1.errorCode).toBe(0);
    expect<bool>(r0.producerId >= 0).toBe(true);
    expect<bool>(r0.producerId != r1.producerId).toBe(true);
    expect<i16>(r1.producerEpoch).toBe(0);
    expect<i16>(r2.errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
});

describe("Produce v13 (topic ids)", () => {
  it("resolves ids handed out in Metadata and refuses unknown ones with UNKNOWN_TOPIC_ID", () => {
    const t = new RecordingTransport();
    const c = newConnection(newMesh(REFERENCE_CONFIG, t));
    const w = new Writer();
    // Metadata first: the client learns bananas' id from it.
    const ms = beginRequest(w, ApiKey.Metadata, 13, 1);
    const meta = new MetadataRequest();
    const mt = new MetadataRequestTopic();
    mt.name = "bananas";
    meta.topics = [mt];
    meta.encode(w, 13);
    endRequest(w, ms);
    const records = capturedRecords(RDKAFKA.FRAMES[0]);
    for (let i = 0; i < 2; i++) {
      const start = beginRequest(w, ApiKey.Produce, 13, 2 + i);
      const req = new ProduceRequest();
      req.acks = -1;
      req.timeoutMs = 1000;
      const topic = new TopicProduceData();
      topic.topicId = i == 0 ? topicIdFor("bananas") : topicIdFor("never-seen");
      const p = new PartitionProduceData();
      p.index = 4;
      p.records = records;
      topic.partitionData.push(p);
      req.topicData.push(topic);
      req.encode(w, 13);
      endRequest(w, start);
    }
    c.onData(toBytes(w));
    expect<i32>(t.calls.length).toBe(1);
    expect<string>(t.calls[0].path).toBe("/topics/bananas");
    answer(t, 0, 200, OFFSETS_100.replaceAll('"partition":2', '"partition":4'));
    const out = c.takeAnswers();
    const all = splitAnswers(out, ApiKey.Produce, 13);
    expect<i32>(all.length).toBe(3);
    const ok = ProduceResponse.decode(all[1].body, 13);
    expect<i16>(ok.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(ok.responses[0].partitionResponses[0].baseOffset).toBe(100);
    expect<u8>(ok.responses[0].topicId[0]).toBe(topicIdFor("bananas")[0]);
    const unknown = ProduceResponse.decode(all[2].body, 13);
    expect<i16>(unknown.responses[0].partitionResponses[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_ID);
  });
});
