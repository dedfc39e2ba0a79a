import {
  planProduce, PlanInput, PlanPartitionInput, PlanRouting, PlanTopicInput, PartitionState, ProducePlan,
} from "../../assembly/mesh/produce_plan";
import { ProducerStateTable } from "../../assembly/mesh/producer_state";
import { KafkaError } from "../../assembly/kafka/errors";
import { crc32c } from "../../assembly/records/crc32c";
import { StrimziDialect } from "../../assembly/upstream/strimzi";
import { UpstreamAnswer } from "../../assembly/upstream/dialect";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import * as javaNone from "../fixtures/produce/java_none";
import * as kafkajsNone from "../fixtures/produce/kafkajs_none";
import * as rdZstd from "../fixtures/produce/librdkafka_zstd";

// The reference scenario: app* -> c1 (1 partition), a* -> c2 (1), b* -> c3 (5).
class ScenarioRouting extends PlanRouting {
  clusterFor(topic: string): i32 {
    if (topic.startsWith("app")) return 0;
    if (topic.startsWith("a")) return 1;
    if (topic.startsWith("b")) return 2;
    return -1;
  }
  passThrough(cluster: i32): bool {
    return false;
  }
  partitionCount(cluster: i32, topic: string): i32 {
    return cluster == 2 ? 5 : 1;
  }
}
const routing = new ScenarioRouting();

function recordsOf(hex: string): Uint8Array {
  return readProduceFrame(hexToBytes(hex)).topics[0].partitions[0].records as Uint8Array;
}

function input(topics: Array<PlanTopicInput>): PlanInput {
  const i = new PlanInput();
  i.apiVersion = 9;
  i.acks = -1;
  i.topics = topics;
  return i;
}

function one(topic: string, partition: i32, records: Uint8Array | null): PlanTopicInput {
  return new PlanTopicInput(topic, [new PlanPartitionInput(partition, records)]);
}

function bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function okAnswer(plan: ProducePlan, g: i32, firstOffset: i64): UpstreamAnswer {
  const group = plan.groups[g];
  let json = '{"offsets":[';
  for (let i = 0; i < group.records.length; i++) {
    if (i > 0) json += ",";
    json += '{"partition":' + group.records[i].partition.toString() + ',"offset":' + (firstOffset + i).toString() + "}";
  }
  return new StrimziDialect().parseProduce(200, bytes(json + "]}"), group.records.length, plan.acks);
}

describe("planProduce", () => {
  it("answers at once for unroutable topics, partitions outside the count and invalid names", () => {
    const rec = recordsOf(kafkajsNone.FRAMES[0]);
    const plan = planProduce(input([one("cherries", 0, rec), one("b-x", 5, rec), one("b-x", -1, rec), one("bad/name", 0, rec)]), routing, null, 0);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(plan.topics[1].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(plan.topics[2].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(plan.topics[3].partitions[0].errorCode).toBe(KafkaError.INVALID_TOPIC_EXCEPTION);
    expect<i32>(plan.groups.length).toBe(0);
    expect<bool>(plan.isComplete()).toBe(true);
  });
  it("fails only the corrupt partition and forwards the others", () => {
    const good = recordsOf(kafkajsNone.FRAMES[0]);
    const bad = good.slice();
    bad[bad.length - 1] ^= 1;
    const plan = planProduce(input([new PlanTopicInput("b-x", [new PlanPartitionInput(0, bad), new PlanPartitionInput(1, good)])]), routing, null, 0);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.CORRUPT_MESSAGE);
    expect<i32>(plan.topics[0].partitions[1].state).toBe(PartitionState.FORWARDED);
    expect<i32>(plan.groups.length).toBe(1);
    expect<i32>(plan.groups[0].records.length).toBe(5);
  });
  it("groups per (cluster, topic, partition), keeps record order, fills base offsets", () => {
    const rec = recordsOf(kafkajsNone.FRAMES[0]);
    const plan = planProduce(input([
      new PlanTopicInput("b-x", [new PlanPartitionInput(3, rec), new PlanPartitionInput(1, rec)]),
      one("apple", 0, rec),
      one("avocado", 0, rec),
    ]), routing, null, 0);
    expect<i32>(plan.groups.length).toBe(4);
    expect<i32>(plan.groups[0].cluster).toBe(2);
    expect<string>(plan.groups[0].topic).toBe("b-x");
    expect<i32>(plan.groups[0].partition).toBe(3);
    expect<i32>(plan.groups[0].records.length).toBe(5);
    expect<i32>(plan.groups[1].partition).toBe(1);
    expect<i32>(plan.groups[2].cluster).toBe(0);
    expect<i32>(plan.groups[3].cluster).toBe(1);
    expect<i32>(plan.passThrough.length).toBe(0);
    for (let g = 0; g < 4; g++) plan.applyAnswer(g, okAnswer(plan, g, 1000 * (g + 1)), null);
    expect<bool>(plan.isComplete()).toBe(true);
    expect<i64>(plan.topics[0].partitions[0].baseOffset).toBe(1000);
    expect<i64>(plan.topics[0].partitions[1].baseOffset).toBe(2000);
    expect<i64>(plan.topics[1].partitions[0].baseOffset).toBe(3000);
    expect<i64>(plan.topics[0].partitions[0].logAppendTimeMs).toBe(-1);
  });
  it("fails a partition if any of its records failed, with record errors for INVALID_RECORD", () => {
    const rec = recordsOf(kafkajsNone.FRAMES[0]);
    const plan = planProduce(input([new PlanTopicInput("b-x", [new PlanPartitionInput(0, rec), new PlanPartitionInput(1, rec)])]), routing, null, 0);
    plan.applyAnswer(0, okAnswer(plan, 0, 1), null);
    const a = new StrimziDialect().parseProduce(200, bytes(
      '{"offsets":[{"partition":1,"offset":1},{"error_code":422,"message":"bad"},{"partition":1,"offset":3},{"partition":1,"offset":4},{"partition":1,"offset":5}]}'), 5, -1);
    plan.applyAnswer(1, a, null);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    const p1 = plan.topics[0].partitions[1];
    expect<i16>(p1.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i64>(p1.baseOffset).toBe(-1);
    expect<i32>(p1.recordErrors.length).toBe(1);
    expect<i32>(p1.recordErrors[0].batchIndex).toBe(1);
  });
  it("gives a partition its call's whole-call error, and only that partition", () => {
    const rec = recordsOf(kafkajsNone.FRAMES[0]);
    const plan = planProduce(input([new PlanTopicInput("b-x", [new PlanPartitionInput(0, rec), new PlanPartitionInput(1, rec)])]), routing, null, 0);
    plan.applyAnswer(0, new StrimziDialect().parseProduce(404, bytes('{"error_code":404,"message":"nope"}'), 5, -1), null);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i32>(plan.topics[0].partitions[1].state).toBe(PartitionState.FORWARDED);
    expect<bool>(plan.isComplete()).toBe(false);
    plan.applyAnswer(1, okAnswer(plan, 1, 7), null);
    expect<i64>(plan.topics[0].partitions[1].baseOffset).toBe(7);
    expect<bool>(plan.isComplete()).toBe(true);
  });
  it("refuses any transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition", () => {
    const i = input([one("b-x", 0, recordsOf(kafkajsNone.FRAMES[0])), one("cherries", 0, null)]);
    i.transactionalId = "tx";
    const plan = planProduce(i, routing, null, 0);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect<i16>(plan.topics[1].partitions[0].errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect<i32>(plan.groups.length).toBe(0);
  });
  it("refuses transactional batches without a transactional id on every partition", () => {
    const tx = recordsOf(kafkajsNone.FRAMES[0]).slice();
    tx[22] = tx[22] | 0x10;
    const c = crc32c(tx, 21, tx.length);
    tx[17] = <u8>(c >>> 24); tx[18] = <u8>(c >>> 16); tx[19] = <u8>(c >>> 8); tx[20] = <u8>c;
    const plan = planProduce(input([one("b-x", 0, tx), one("b-y", 1, recordsOf(kafkajsNone.FRAMES[0]))]), routing, null, 0);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect<i16>(plan.topics[1].partitions[0].errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
  it("refuses invalid acks and zstd below Produce v7", () => {
    const i = input([one("b-x", 0, recordsOf(kafkajsNone.FRAMES[0]))]);
    i.acks = 2;
    expect<i16>(planProduce(i, routing, null, 0).topics[0].partitions[0].errorCode).toBe(KafkaError.INVALID_REQUIRED_ACKS);
    const z = input([one("b-x", 0, recordsOf(rdZstd.FRAMES[0]))]);
    z.apiVersion = 6;
    expect<i16>(planProduce(z, routing, null, 0).topics[0].partitions[0].errorCode).toBe(KafkaError.UNSUPPORTED_COMPRESSION_TYPE);
  });
  it("acks=0: partitions succeed with offset -1", () => {
    const i = input([one("b-x", 0, recordsOf(kafkajsNone.FRAMES[0]))]);
    i.acks = 0;
    const plan = planProduce(i, routing, null, 0);
    expect<string>(new StrimziDialect().buildProduce("b-x", 0, plan.groups[0].records, 0).path).toBe("/topics/b-x?async=true");
    plan.applyAnswer(0, new StrimziDialect().parseProduce(204, null, 5, 0), null);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(plan.topics[0].partitions[0].baseOffset).toBe(-1);
  });
});

describe("planProduce with idempotent producers (Java producer batch, producer id 4242)", () => {
  it("answers a retried batch from the producer state without forwarding it", () => {
    const table = new ProducerStateTable();
    const rec = recordsOf(javaNone.FRAMES[0]);
    const first = planProduce(input([one("b-capture", 2, rec)]), routing, table, 0);
    expect<i32>(first.groups.length).toBe(1);
    first.applyAnswer(0, okAnswer(first, 0, 77), table);
    expect<i64>(first.topics[0].partitions[0].baseOffset).toBe(77);
    const retry = planProduce(input([one("b-capture", 2, rec)]), routing, table, 1);
    expect<i32>(retry.groups.length).toBe(0);
    expect<bool>(retry.isComplete()).toBe(true);
    expect<i16>(retry.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(retry.topics[0].partitions[0].baseOffset).toBe(77);
  });
  it("holds a retry of an in-flight batch and answers it with the original's outcome", () => {
    const table = new ProducerStateTable();
    const rec = recordsOf(javaNone.FRAMES[0]);
    const first = planProduce(input([one("b-capture", 2, rec)]), routing, table, 0);
    const retry = planProduce(input([one("b-capture", 2, rec)]), routing, table, 1);
    expect<i32>(retry.groups.length).toBe(0);
    expect<bool>(retry.isComplete()).toBe(false);
    first.applyAnswer(0, okAnswer(first, 0, 500), table);
    expect<i32>(first.outcomes.length).toBe(1);
    const o = first.outcomes[0];
    retry.resolveWaiting(o.ticket, o.errorCode, o.baseOffset);
    expect<bool>(retry.isComplete()).toBe(true);
    expect<i64>(retry.topics[0].partitions[0].baseOffset).toBe(500);
  });
  it("after an upstream failure the client's retry is forwarded again", () => {
    const table = new ProducerStateTable();
    const rec = recordsOf(javaNone.FRAMES[0]);
    const first = planProduce(input([one("b-capture", 2, rec)]), routing, table, 0);
    first.applyAnswer(0, UpstreamAnswer.fail(KafkaError.NETWORK_EXCEPTION, "down"), table);
    expect<i16>(first.topics[0].partitions[0].errorCode).toBe(KafkaError.NETWORK_EXCEPTION);
    const retry = planProduce(input([one("b-capture", 2, rec)]), routing, table, 1);
    expect<i32>(retry.groups.length).toBe(1);
    expect<i32>(table.pendingCount()).toBe(1);
  });
  it("refuses an out-of-order batch with OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
    const table = new ProducerStateTable();
    table.complete(table.check(4242, 0, "b-capture", 2, 0, 9, 0).ticket, 0);
    const plan = planProduce(input([one("b-capture", 2, recordsOf(javaNone.FRAMES[0]))]), routing, table, 0);
    expect<i16>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect<i32>(plan.groups.length).toBe(0);
  });
});
