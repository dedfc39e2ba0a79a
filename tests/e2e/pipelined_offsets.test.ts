// Needs the stack (make up): one idempotent producer pipelines 5 Produce requests to one
// partition, as Kafka clients do (max.in.flight.requests.per.connection=5). Kafka appends
// each batch contiguously and in sequence order, and answers each with the offset of its
// first record; the client derives every record's offset as base + index.
//
// Through the mesh each batch becomes one bridge call (an HTTP request, or a message on the
// native dialect's gRPC stream). The filter keeps one call per (cluster, topic) in flight and
// the bridge writes one call's records back to back, so every batch lands contiguous, in
// order, at the offset the client was told.
//
// Run with: STACK_PORT_OFFSET=N node --import tsx --test tests/e2e/pipelined_offsets.test.ts
// (the stack's Envoy), or through tests/e2e/dialects.ts run (make test-e2e: once per dialect).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  connect, initProducerIdRequest, produceRequest, readInitProducerIdResponse, readProduceResponse, recordBatch, stringRecords, waitFor,
} from "../lib/kafka/index.ts";
import { stackPorts } from "./stack-ports.ts";

const ports = stackPorts();
const [host, port] = [ports.envoy.split(":")[0], Number(ports.envoy.split(":")[1])];
const ROUNDS = 4;
const IN_FLIGHT = 5;
const PER_BATCH = 50;

test(`[${ports.dialect}] pipelined batches of one producer land contiguously, in order, at the offsets answered`, async () => {
  const prefix = `repro-${Date.now()}`;
  const c = await connect(host, port);
  const answers: Array<{ corr: number; first: number; base?: number }> = [];
  try {
    c.sock.write(initProducerIdRequest(0, 1));
    await waitFor(c, () => c.frames.length >= 1, 5000, "InitProducerId");
    const pid = readInitProducerIdResponse(c.frames[0], 0);
    assert.equal(pid.errorCode, 0);
    let seq = 0;
    let corr = 10;
    for (let round = 0; round < ROUNDS; round++) {
      const reqs = [];
      for (let j = 0; j < IN_FLIGHT; j++) {
        const pairs = Array.from({ length: PER_BATCH }, (_, i): [string, string] => [`${prefix}-${seq + i}`, "v"]);
        const records = recordBatch(stringRecords(pairs), { producer: { id: pid.producerId, epoch: pid.producerEpoch, sequence: seq } });
        reqs.push(produceRequest(3, ++corr, { topics: [{ name: "apples", partitions: [{ index: 0, records }] }] }));
        answers.push({ corr, first: seq });
        seq += PER_BATCH;
      }
      c.sock.write(Buffer.concat(reqs));
      await waitFor(c, () => c.frames.length >= 1 + (round + 1) * IN_FLIGHT, 30000, "Produce answers");
    }
    for (const [i, f] of c.frames.slice(1).entries()) {
      const r = readProduceResponse(f, 3);
      assert.equal(r.correlationId, answers[i].corr);
      assert.equal(r.topics[0].partitions[0].errorCode, 0);
      answers[i].base = Number(r.topics[0].partitions[0].baseOffset);
    }
  } finally {
    c.sock.destroy();
  }
  const from = Math.min(...answers.map((a) => a.base ?? NaN));
  const total = ROUNDS * IN_FLIGHT * PER_BATCH;
  const { stdout } = await promisify(execFile)("kcat", ["-C", "-b", ports.clusters.c1.kafka, "-t", "apples", "-p", "0",
    "-o", String(from), "-e", "-q", "-f", "%o %k\\n"], { maxBuffer: 64 << 20, timeout: 60000 });
  const at = new Map();
  for (const line of stdout.split("\n")) {
    const [o, k] = line.split(" ");
    if (k?.startsWith(prefix + "-")) at.set(Number(k.slice(prefix.length + 1)), Number(o));
  }
  assert.equal(at.size, total, "records found");
  let wrongOffset = 0;
  for (const a of answers) for (let i = 0; i < PER_BATCH; i++) if (at.get(a.first + i) !== (a.base ?? NaN) + i) wrongOffset++;
  let outOfOrder = 0;
  for (let s = 1; s < total; s++) if ((at.get(s) ?? NaN) < (at.get(s - 1) ?? NaN)) outOfOrder++;
  assert.deepEqual({ wrongOffset, outOfOrder }, { wrongOffset: 0, outOfOrder: 0 });
});
