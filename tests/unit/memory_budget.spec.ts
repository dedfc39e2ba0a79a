// The VM's memory budget: partial frames hold only what arrived, heavy connections are held
// at max_buffered_bytes, the oldest partial frames are closed past close_buffered_bytes, and
// decompression stops where the budget would be passed.
import { FrameSplitter, FrameStatus } from "../../assembly/kafka/frames";
import { KafkaError } from "../../assembly/kafka/errors";
import { parseConfig } from "../../assembly/mesh/config";
import { BudgetMember, MemoryBudget } from "../../assembly/mesh/memory_budget";
import { planProduce, PlanInput, PlanPartitionInput, PlanRouting, PlanTopicInput } from "../../assembly/mesh/produce_plan";
import { Connection } from "../../assembly/mesh/connection";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { MeshRequestDecoder } from "../../assembly/mesh/request_decoder";
import { DEFAULT_LIMITS } from "../../assembly/records/batch";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import { newMesh, REFERENCE_CONFIG } from "./mesh_harness";
import * as rdZstd from "../fixtures/produce/librdkafka_zstd";

const MiB: i64 = 1 << 20;

/** Metrics whose clock the test sets. */
class Clock extends MeshMetrics {
  now: i64 = 0;
  nowMillis(): i64 {
    return this.now;
  }
}

class TestMember extends BudgetMember {
  resumed: i32 = 0;
  closedWhy: string = "";
  resume(): void {
    this.resumed++;
  }
  closeForMemory(reason: string): void {
    this.closedWhy = reason;
  }
}

function sizePrefix(size: i32): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = <u8>(size >>> 24);
  b[1] = <u8>(size >>> 16);
  b[2] = <u8>(size >>> 8);
  b[3] = <u8>size;
  return b;
}

describe("FrameSplitter memory", () => {
  it("holds only the bytes that arrived of a frame declared near the limit", () => {
    const s = new FrameSplitter(100 * 1024 * 1024);
    s.push(sizePrefix(100 * 1024 * 1024 - 1));
    s.push(new Uint8Array(1024));
    expect<i32>(s.next()).toBe(FrameStatus.NEED_MORE);
    expect<i32>(s.buffered()).toBe(4 + 4096, "buffer sized from the declared size, not the bytes received");
    expect<i32>(s.missing()).toBe(100 * 1024 * 1024 - 1 - 1024);
  });

  it("grows in chunks as bytes arrive and returns the frame intact", () => {
    const size = 300000;
    const s = new FrameSplitter(1 << 20);
    s.push(sizePrefix(size));
    let sent = 0;
    let maxBuffered = 0;
    while (sent < size) {
      const n = min(7000, size - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = <u8>((sent + i) % 251);
      s.push(chunk);
      sent += n;
      const st = s.next();
      if (sent < size) {
        expect<i32>(st).toBe(FrameStatus.NEED_MORE);
        // What arrived plus at most one chunk (4 KiB doubling to 64 KiB), and the size bytes.
        expect<bool>(s.buffered() >= sent + 4 && s.buffered() <= 4 + min(size, max(2 * sent, sent + 65536))).toBe(true);
        maxBuffered = max(maxBuffered, s.buffered());
      } else expect<i32>(st).toBe(FrameStatus.FRAME);
    }
    expect<i32>(s.frame.length).toBe(size);
    for (let i = 0; i < size; i += 997) expect<u8>(s.frame[i]).toBe(<u8>(i % 251));
    expect<i32>(s.buffered()).toBe(0);
  });
});

describe("MemoryBudget", () => {
  it("admits everything under max_buffered_bytes", () => {
    const b = new MemoryBudget(10 * MiB, 15 * MiB);
    const m = new TestMember();
    b.join(m);
    expect<bool>(b.admit(m, 4 * MiB)).toBe(true);
    b.report(m, 4 * MiB, 4 * MiB, 0);
    expect<bool>(b.admit(m, 6 * MiB)).toBe(true);
    expect<i64>(b.total).toBe(4 * MiB);
  });

  it("holds heavy connections at the budget while light ones go on, then resumes them first held first", () => {
    const b = new MemoryBudget(16 * MiB, 24 * MiB);
    const heavy1 = new TestMember();
    const heavy2 = new TestMember();
    const light = new TestMember();
    b.join(heavy1);
    b.join(heavy2);
    b.join(light);
    b.report(heavy1, 9 * MiB, 9 * MiB, 1000);
    b.report(heavy2, 7 * MiB, 7 * MiB, 2000);
    expect<bool>(b.admit(heavy1, 64 * 1024)).toBe(false);
    expect<bool>(b.admit(heavy2, 64 * 1024)).toBe(false);
    expect<bool>(heavy1.held && heavy2.held).toBe(true);
    // A light connection (well under max_buffered_bytes / 16) is still read.
    expect<bool>(b.admit(light, 16 * 1024)).toBe(true);
    b.report(light, 1 * MiB, 0, 2500);
    expect<i64>(b.holds).toBe(2);
    b.settle();
    expect<i32>(heavy1.resumed + heavy2.resumed).toBe(0);
    // heavy2's frame is done and answered: memory frees, heavy1 (held first) resumes first.
    b.report(heavy2, 0, 0, 3000);
    b.settle();
    expect<i32>(heavy1.resumed).toBe(1);
    expect<i32>(heavy2.resumed).toBe(1);
    expect<bool>(heavy1.held || heavy2.held).toBe(false);
  });

  it("stops resuming as soon as the budget is reached again", () => {
    const b = new MemoryBudget(16 * MiB, 24 * MiB);
    const a = new TestMember();
    const c = new TestMember();
    const other = new TestMember();
    b.join(a);
    b.join(c);
    b.join(other);
    b.report(other, 16 * MiB, 0, 0);
    b.report(a, 2 * MiB, 2 * MiB, 0);
    expect<bool>(b.admit(a, 1 * MiB)).toBe(false);
    b.report(c, 2 * MiB, 2 * MiB, 0);
    expect<bool>(b.admit(c, 1 * MiB)).toBe(false);
    b.report(other, 13 * MiB, 0, 0);
    b.settle();
    // 17 MiB held: still over the budget, nobody resumes.
    expect<i32>(a.resumed + c.resumed).toBe(0);
    b.report(other, 0, 0, 0);
    b.settle();
    expect<i32>(a.resumed).toBe(1);
    expect<i32>(c.resumed).toBe(1);
  });

  it("closes the connections holding the oldest partial frames, largest first, past close_buffered_bytes", () => {
    const b = new MemoryBudget(16 * MiB, 24 * MiB);
    const old = new TestMember();
    const oldBig = new TestMember();
    const young = new TestMember();
    const inflight = new TestMember();
    b.join(old);
    b.join(oldBig);
    b.join(young);
    b.join(inflight);
    b.report(old, 3 * MiB, 3 * MiB, 1000);
    b.report(oldBig, 6 * MiB, 6 * MiB, 1500);
    b.report(young, 8 * MiB, 8 * MiB, 9000);
    b.report(inflight, 8 * MiB, 0, 9000);
    b.settle();
    // 25 MiB: past 24. oldBig (same second as old, larger) goes first, then old: 16 MiB left, done.
    expect<bool>(oldBig.closedWhy.length > 0).toBe(true);
    expect<bool>(old.closedWhy.length > 0).toBe(true);
    expect<bool>(young.closedWhy.length == 0).toBe(true);
    expect<bool>(inflight.closedWhy.length == 0).toBe(true);
    expect<i64>(b.total).toBe(16 * MiB);
    expect<i64>(b.evictions).toBe(2);
    expect<bool>(oldBig.closedWhy.includes("close_buffered_bytes")).toBe(true);
    // A closed member's later reports no longer count.
    b.report(old, 5 * MiB, 5 * MiB, 20000);
    expect<i64>(b.total).toBe(16 * MiB);
  });

  it("closes the oldest partial frame when held partial frames are all that holds the budget", () => {
    const b = new MemoryBudget(16 * MiB, 24 * MiB);
    const first = new TestMember();
    const second = new TestMember();
    b.join(first);
    b.join(second);
    b.report(first, 9 * MiB, 9 * MiB, 1000);
    b.report(second, 7 * MiB, 7 * MiB, 5000);
    expect<bool>(b.admit(first, 1 * MiB)).toBe(false);
    expect<bool>(b.admit(second, 1 * MiB)).toBe(false);
    b.settle();
    // Nothing in flight would ever free memory: the oldest goes, the other resumes.
    expect<bool>(first.closedWhy.length > 0).toBe(true);
    expect<bool>(second.closedWhy.length == 0).toBe(true);
    expect<i32>(second.resumed).toBe(1);
    expect<i64>(b.total).toBe(7 * MiB);
  });

  it("closes the oldest partial frames once a newcomer has waited a second while light partial frames fill the VM short of the close threshold", () => {
    const clock = new Clock();
    const b = new MemoryBudget(16 * MiB, 24 * MiB, clock);
    const lights = new Array<TestMember>();
    for (let i = 0; i < 46; i++) {
      const m = new TestMember();
      b.join(m);
      expect<bool>(b.admit(m, MiB / 2)).toBe(true);
      b.report(m, MiB / 2, MiB / 2, <i64>i * 1000);
      lights.push(m);
    }
    b.settle();
    expect<i64>(b.evictions).toBe(0);
    // 23 MiB held, 1 MiB short of the close threshold: a 2 MiB request cannot be taken.
    const late = new TestMember();
    b.join(late);
    expect<bool>(b.admit(late, 2 * MiB)).toBe(false);
    b.settle();
    // The light connections may still complete their frames: wait a while first.
    expect<i64>(b.evictions).toBe(0);
    clock.now = 999;
    b.settle(true);
    expect<i64>(b.evictions).toBe(0);
    // Nothing in flight would free memory: the oldest partial frames go until the 2 MiB fit
    // within the budget (23 - 18 x 0.5 = 14 MiB).
    clock.now = 1000;
    b.settle(true);
    expect<i64>(b.evictions).toBe(18);
    expect<bool>(lights[0].closedWhy.length > 0 && lights[17].closedWhy.length > 0).toBe(true);
    expect<bool>(lights[18].closedWhy.length == 0).toBe(true);
    expect<i32>(late.resumed).toBe(1);
  });

  it("waits for requests in flight rather than closing partial frames", () => {
    const clock = new Clock();
    const b = new MemoryBudget(8 * MiB, 12 * MiB, clock);
    const partial = new TestMember();
    const busy = new TestMember();
    const late = new TestMember();
    b.join(partial);
    b.join(busy);
    b.join(late);
    b.report(partial, 5 * MiB, 5 * MiB, 0);
    b.report(busy, 4 * MiB, 0, 0);
    expect<bool>(b.admit(late, 2 * MiB)).toBe(false);
    clock.now = 60000;
    b.settle(true);
    expect<i64>(b.evictions).toBe(0);
    b.report(busy, 0, 0, 0);
    b.settle();
    expect<i32>(late.resumed).toBe(1);
    expect<i64>(b.evictions).toBe(0);
  });

  it("releases everything a member held when it leaves", () => {
    const b = new MemoryBudget(16 * MiB, 24 * MiB);
    const m = new TestMember();
    b.join(m);
    b.report(m, 5 * MiB, 2 * MiB, 0);
    b.leave(m);
    expect<i64>(b.total).toBe(0);
    expect<i64>(b.buffered).toBe(0);
  });
});

describe("Connection in the budget", () => {
  it("counts a partial frame's received bytes and releases them on close", () => {
    const mesh = newMesh();
    const c = new Connection(new MeshRequestDecoder(mesh), mesh.config.maxFrameBytes, mesh.config.maxInflightRequests);
    const m = new TestMember();
    c.joinBudget(mesh.budget, m);
    expect<bool>(c.admit(5000)).toBe(true);
    c.onData(sizePrefix(50 * 1024 * 1024));
    c.onData(new Uint8Array(5000));
    // The size bytes and chunks of 4 KiB then 8 KiB holding the 5000 bytes, not the 50 MiB declared.
    expect<i64>(mesh.budget.total).toBe(4 + 4096 + 4096);
    expect<i64>(mesh.budget.buffered).toBe(mesh.budget.total);
    c.onClose();
    expect<i64>(mesh.budget.total).toBe(0);
  });

  it("reads no frame while held and reads them once resumed", () => {
    const mesh = newMesh();
    const c = new Connection(new MeshRequestDecoder(mesh), mesh.config.maxFrameBytes, mesh.config.maxInflightRequests);
    const m = new TestMember();
    c.joinBudget(mesh.budget, m);
    m.held = true;
    // An ApiVersions v0 request: header only.
    const req = new Uint8Array(4 + 10);
    const body = req.subarray(4);
    req[3] = 10;
    body[1] = 18; // api key 18
    body[7] = 9; // correlation id 9
    c.onData(req);
    expect<i32>(c.inflight()).toBe(0);
    expect<bool>(c.paused()).toBe(true);
    m.held = false;
    c.readOn();
    expect<i32>(c.inflight() + (c.takeAnswers() !== null ? 1 : 0)).toBeGreaterThan(0);
  });
});

class OneCluster extends PlanRouting {
  clusterFor(topic: string): i32 {
    return 0;
  }
  passThrough(cluster: i32): bool {
    return false;
  }
  partitionCount(cluster: i32, topic: string): i32 {
    return 1;
  }
}

function zstdInput(): PlanInput {
  const rec = readProduceFrame(hexToBytes(rdZstd.FRAMES[0])).topics[0].partitions[0].records as Uint8Array;
  const i = new PlanInput();
  i.apiVersion = 9;
  i.acks = -1;
  i.topics = [new PlanTopicInput("apples", [new PlanPartitionInput(0, rec)])];
  return i;
}

describe("Decompression within the budget", () => {
  it("counts decompressed bytes against the request", () => {
    const plan = planProduce(zstdInput(), new OneCluster(), null, 0);
    expect<i32>(plan.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<bool>(plan.decodedBytes > 0).toBe(true);
  });

  it("answers REQUEST_TIMED_OUT (retriable) instead of decompressing past the budget", () => {
    const full = planProduce(zstdInput(), new OneCluster(), null, 0);
    const tight = planProduce(zstdInput(), new OneCluster(), null, 0, DEFAULT_LIMITS, full.decodedBytes - 1);
    expect<i32>(tight.topics[0].partitions[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i32>(tight.groups.length).toBe(0);
    const none = planProduce(zstdInput(), new OneCluster(), null, 0, DEFAULT_LIMITS, 0);
    expect<i32>(none.topics[0].partitions[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
  });
});

describe("Budget configuration", () => {
  it("defaults to 128 MiB, closes at 1.5x, and refuses a budget below max_frame_bytes", () => {
    const c = parseConfig(REFERENCE_CONFIG).config!;
    expect<i32>(c.maxBufferedBytes).toBe(128 * 1024 * 1024);
    expect<i32>(c.closeBufferedBytes).toBe(192 * 1024 * 1024);
    const bad = parseConfig(REFERENCE_CONFIG.replace('"broker_id": 7,', '"broker_id": 7, "max_buffered_bytes": 1048576,'));
    expect<bool>(bad.config === null).toBe(true);
    expect<bool>(bad.error.startsWith("max_buffered_bytes")).toBe(true, bad.error);
    const small = parseConfig(REFERENCE_CONFIG.replace('"broker_id": 7,', '"broker_id": 7, "max_frame_bytes": 1048576, "max_buffered_bytes": 8388608,'));
    expect<i32>(small.config!.closeBufferedBytes).toBe(12582912);
    const closeLow = parseConfig(REFERENCE_CONFIG.replace('"broker_id": 7,', '"broker_id": 7, "max_frame_bytes": 1048576, "max_buffered_bytes": 8388608, "close_buffered_bytes": 4194304,'));
    expect<bool>(closeLow.config === null).toBe(true);
  });
});
