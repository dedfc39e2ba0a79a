import {
  InMemoryBlockSource, ProducerIdAllocator, ProducerIdBlockSource, ProducerStateTable,
  SeqCheck, SeqDecision, seedBlockCounter, PRODUCER_ID_BLOCK_SIZE,
} from "../../assembly/mesh/producer_state";
import { KafkaError } from "../../assembly/kafka/errors";

class EmptySource extends ProducerIdBlockSource {
  nextBlock(): i64 {
    return -1;
  }
}

describe("ProducerIdAllocator", () => {
  it("hands out consecutive ids within a block and takes a new block when one runs out", () => {
    const src = new InMemoryBlockSource(7);
    const a = new ProducerIdAllocator(src, 3);
    expect<i64>(a.next()).toBe(21);
    expect<i64>(a.next()).toBe(22);
    expect<i64>(a.next()).toBe(23);
    expect<i64>(a.next()).toBe(24);
    expect<i64>(src.counter).toBe(9);
  });
  it("never repeats ids across allocators (VMs) sharing one source", () => {
    const src = new InMemoryBlockSource(0);
    const a = new ProducerIdAllocator(src, 4);
    const b = new ProducerIdAllocator(src, 4);
    const seen = new Set<i64>();
    for (let i = 0; i < 50; i++) {
      const x = a.next();
      const y = b.next();
      expect<bool>(seen.has(x)).toBe(false);
      seen.add(x);
      expect<bool>(seen.has(y)).toBe(false);
      seen.add(y);
    }
  });
  it("ids after a restart (seeded from a later clock) are above every id of the earlier run", () => {
    const t0: i64 = 1700000000000;
    const run1 = new ProducerIdAllocator(new InMemoryBlockSource(seedBlockCounter(t0)));
    let maxId: i64 = 0;
    // 5 seconds of life taking 3000 blocks (fewer than one per millisecond).
    for (let i = 0; i < 3000 * <i32>PRODUCER_ID_BLOCK_SIZE; i += <i32>PRODUCER_ID_BLOCK_SIZE) {
      for (let k: i64 = 0; k < PRODUCER_ID_BLOCK_SIZE; k++) maxId = run1.next();
    }
    const run2 = new ProducerIdAllocator(new InMemoryBlockSource(seedBlockCounter(t0 + 5000)));
    expect<bool>(run2.next() > maxId).toBe(true);
  });
  it("answers -1 when no block is available", () => {
    expect<i64>(new ProducerIdAllocator(new EmptySource()).next()).toBe(-1);
    expect<i64>(seedBlockCounter(-5)).toBe(0);
  });
});

function expectForward(c: SeqCheck): i32 {
  expect<i32>(c.decision).toBe(SeqDecision.FORWARD);
  return c.ticket;
}

describe("ProducerStateTable", () => {
  it("accepts an in-sequence stream and answers a retry of a completed batch with its original offset", () => {
    const t = new ProducerStateTable();
    const a = expectForward(t.check(1, 0, "b", 0, 0, 4, 0));
    t.complete(a, 100);
    const b = expectForward(t.check(1, 0, "b", 0, 5, 9, 1));
    t.complete(b, 105);
    const dup = t.check(1, 0, "b", 0, 0, 4, 2);
    expect<i32>(dup.decision).toBe(SeqDecision.DUPLICATE);
    expect<i64>(dup.baseOffset).toBe(100);
    expect<i64>(t.check(1, 0, "b", 0, 5, 9, 2).baseOffset).toBe(105);
    expect<i32>(t.pendingCount()).toBe(0);
  });
  it("remembers only the last 5 batches, as Kafka", () => {
    const t = new ProducerStateTable();
    for (let i = 0; i < 6; i++) t.complete(expectForward(t.check(1, 0, "b", 0, i * 2, i * 2 + 1, 0)), 10 * i);
    expect<i32>(t.check(1, 0, "b", 0, 2, 3, 0).decision).toBe(SeqDecision.DUPLICATE);
    // The first batch is forgotten: its retry is now out of order.
    const old = t.check(1, 0, "b", 0, 0, 1, 0);
    expect<i32>(old.decision).toBe(SeqDecision.ERROR);
    expect<i16>(old.errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });
  it("refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 0, 0)), 0);
    const gap = t.check(1, 0, "b", 0, 2, 2, 0);
    expect<i32>(gap.decision).toBe(SeqDecision.ERROR);
    expect<i16>(gap.errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });
  it("refuses an older epoch with INVALID_PRODUCER_EPOCH", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 3, "b", 0, 0, 0, 0)), 0);
    const c = t.check(1, 2, "b", 0, 1, 1, 0);
    expect<i16>(c.errorCode).toBe(KafkaError.INVALID_PRODUCER_EPOCH);
  });
  it("requires sequence 0 for a new epoch and forgets the old batches on the bump", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 4, 0)), 50);
    expect<i16>(t.check(1, 1, "b", 0, 5, 5, 0).errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    t.complete(expectForward(t.check(1, 1, "b", 0, 0, 4, 0)), 60);
    // Same range again, new epoch: a duplicate of the new-epoch batch, with its offset.
    expect<i64>(t.check(1, 1, "b", 0, 0, 4, 0).baseOffset).toBe(60);
  });
  it("starts tracking an unknown producer at any sequence (its state may be on another VM)", () => {
    const t = new ProducerStateTable();
    expectForward(t.check(9, 0, "b", 0, 37, 40, 0));
    expect<i16>(t.check(9, 0, "b", 0, 42, 42, 0).errorCode).toBe(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expectForward(t.check(9, 0, "b", 0, 41, 41, 0));
  });
  it("keeps partitions and topics apart", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 0, 0)), 1);
    t.complete(expectForward(t.check(1, 0, "b", 1, 0, 0, 0)), 2);
    t.complete(expectForward(t.check(1, 0, "c", 0, 0, 0, 0)), 3);
    expect<i64>(t.check(1, 0, "b", 1, 0, 0, 0).baseOffset).toBe(2);
    expect<i64>(t.check(1, 0, "c", 0, 0, 0, 0).baseOffset).toBe(3);
  });
  it("wraps sequences past Int32.MAX_VALUE to 0", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 0, "b", 0, i32.MAX_VALUE - 1, i32.MAX_VALUE, 0)), 0);
    expectForward(t.check(1, 0, "b", 0, 0, 3, 0));
  });
  it("reports a retry of a batch still in flight as IN_FLIGHT with the original's ticket", () => {
    const t = new ProducerStateTable();
    const a = expectForward(t.check(1, 0, "b", 0, 0, 4, 0));
    const retry = t.check(1, 0, "b", 0, 0, 4, 0);
    expect<i32>(retry.decision).toBe(SeqDecision.IN_FLIGHT);
    expect<i32>(retry.ticket).toBe(a);
    // Pipelined next batch is accepted while the first is in flight.
    const b = expectForward(t.check(1, 0, "b", 0, 5, 9, 0));
    t.complete(a, 0);
    t.complete(b, 5);
    expect<i32>(t.check(1, 0, "b", 0, 0, 4, 0).decision).toBe(SeqDecision.DUPLICATE);
  });
  it("rewinds after a failed forward so the client's retry is accepted", () => {
    const t = new ProducerStateTable();
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 4, 0)), 0);
    const b = expectForward(t.check(1, 0, "b", 0, 5, 9, 0));
    t.fail(b);
    const retry = expectForward(t.check(1, 0, "b", 0, 5, 9, 0));
    t.complete(retry, 5);
    expectForward(t.check(1, 0, "b", 0, 10, 10, 0));
  });
  it("accepts the retry of a failed batch that had later batches in flight", () => {
    const t = new ProducerStateTable();
    const a = expectForward(t.check(1, 0, "b", 0, 0, 4, 0));
    const b = expectForward(t.check(1, 0, "b", 0, 5, 9, 0));
    t.fail(a);
    t.complete(b, 5);
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 4, 0)), 10);
    expectForward(t.check(1, 0, "b", 0, 10, 10, 0));
    // The retried range is accepted only once.
    expect<i32>(t.check(1, 0, "b", 0, 0, 4, 0).decision).toBe(SeqDecision.DUPLICATE);
  });
  it("caps the number of producers, evicting the least recently used", () => {
    const t = new ProducerStateTable(3);
    for (let p: i64 = 1; p <= 3; p++) t.complete(expectForward(t.check(p, 0, "b", 0, 0, 0, 0)), p);
    t.check(1, 0, "b", 0, 0, 0, 0); // touch 1
    t.complete(expectForward(t.check(4, 0, "b", 0, 0, 0, 0)), 4);
    expect<i32>(t.size()).toBe(3);
    // 2 was least recently used: forgotten, so its old batch is accepted afresh.
    expect<i32>(t.check(2, 0, "b", 0, 0, 0, 0).decision).toBe(SeqDecision.FORWARD);
    expect<i32>(t.check(1, 0, "b", 0, 0, 0, 0).decision).toBe(SeqDecision.DUPLICATE);
  });
  it("expires producers idle longer than the expiration time", () => {
    const t = new ProducerStateTable(100, 1000);
    t.complete(expectForward(t.check(1, 0, "b", 0, 0, 0, 0)), 0);
    t.check(2, 0, "b", 0, 0, 0, 500);
    expect<i32>(t.size()).toBe(2);
    t.check(3, 0, "b", 0, 0, 0, 1200);
    expect<i32>(t.size()).toBe(2);
    expect<i32>(t.check(1, 0, "b", 0, 5, 5, 1300).decision).toBe(SeqDecision.FORWARD);
  });
  it("ignores unknown tickets", () => {
    const t = new ProducerStateTable();
    t.complete(12345, 0);
    t.fail(12345);
    expect<i32>(t.pendingCount()).toBe(0);
  });
});
