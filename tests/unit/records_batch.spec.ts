import { decodeRecords, DecodeLimits, PartitionRecords, RecordBatch } from "../../assembly/records/batch";
import { crc32c } from "../../assembly/records/crc32c";
import { KafkaError } from "../../assembly/kafka/errors";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import * as javaNone from "../fixtures/produce/java_none";
import * as javaGzip from "../fixtures/produce/java_gzip";
import * as kafkajsNone from "../fixtures/produce/kafkajs_none";
import * as kafkajsGzip from "../fixtures/produce/kafkajs_gzip";
import * as rdNone from "../fixtures/produce/librdkafka_none";
import * as rdGzip from "../fixtures/produce/librdkafka_gzip";
import * as rdSnappy from "../fixtures/produce/librdkafka_snappy";
import * as rdLz4 from "../fixtures/produce/librdkafka_lz4";
import * as rdZstd from "../fixtures/produce/librdkafka_zstd";
import * as rdIdem from "../fixtures/produce/librdkafka_idempotent";
import * as rdMsgV1 from "../fixtures/produce/librdkafka_msgv1";

// What tests/fixture-gen/capture/records.json made every client send (topic b-capture, partition 2).
const KEYS: Array<string | null> = ["k1", null, "k3", "k4", "k5"];
const VALUES_TEXT: Array<string | null> = ["v1", "hello, kafka", null, null, "compressible ".repeat(64)];
const K4_VALUE: u8[] = [0x00, 0x01, 0x02, 0xfd, 0xfe, 0xff, 0x80, 0x80, 0x80];
const TIMESTAMPS: i64[] = [1700000000000, 1700000000001, 1700000000002, 1700000000123, 1700000000124];
const N: i32 = 5;

function utf8(b: Uint8Array | null): string | null {
  if (b === null) return null;
  return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function capturedRecords(hex: string): Uint8Array {
  const req = readProduceFrame(hexToBytes(hex));
  expect<bool>(req.failed).toBe(false);
  expect<i32>(req.topics.length).toBe(1);
  expect<string>(req.topics[0].name).toBe("b-capture");
  expect<i32>(req.topics[0].partitions.length).toBe(1);
  expect<i32>(req.topics[0].partitions[0].index).toBe(2);
  return req.topics[0].partitions[0].records as Uint8Array;
}

function checkCaptured(p: PartitionRecords): RecordBatch {
  expect<i16>(p.error).toBe(KafkaError.NONE);
  expect<i32>(p.batches.length).toBe(1);
  const b = p.batches[0];
  expect<i8>(b.magic).toBe(2);
  expect<bool>(b.isControl()).toBe(false);
  expect<bool>(b.isTransactional()).toBe(false);
  expect<i32>(b.recordCount).toBe(N);
  expect<i32>(b.records.length).toBe(N);
  for (let i = 0; i < N; i++) {
    const r = b.records[i];
    expect<string | null>(utf8(r.key)).toBe(KEYS[i]);
    expect<i64>(r.timestamp).toBe(TIMESTAMPS[i]);
    expect<i32>(r.offsetDelta).toBe(i);
    if (i != 3) expect<string | null>(utf8(r.value)).toBe(VALUES_TEXT[i]);
  }
  expect<bool>(b.records[2].value === null).toBe(true);
  const v4 = b.records[3].value as Uint8Array;
  expect<i32>(v4.length).toBe(K4_VALUE.length);
  for (let i = 0; i < K4_VALUE.length; i++) expect<u8>(v4[i]).toBe(K4_VALUE[i]);
  // Headers: r0 h1="x", h2="yz"; r1 none; r2 t=""; r3 none; r4 h5="ab"x8.
  expect<i32>(b.records[0].headers.length).toBe(2);
  expect<string | null>(utf8(b.records[0].headers[0].key)).toBe("h1");
  expect<string | null>(utf8(b.records[0].headers[0].value)).toBe("x");
  expect<string | null>(utf8(b.records[0].headers[1].key)).toBe("h2");
  expect<string | null>(utf8(b.records[0].headers[1].value)).toBe("yz");
  expect<i32>(b.records[1].headers.length).toBe(0);
  expect<i32>(b.records[2].headers.length).toBe(1);
  expect<string | null>(utf8(b.records[2].headers[0].key)).toBe("t");
  expect<i32>((b.records[2].headers[0].value as Uint8Array).length).toBe(0);
  expect<i32>(b.records[3].headers.length).toBe(0);
  expect<i32>(b.records[4].headers.length).toBe(1);
  expect<string | null>(utf8(b.records[4].headers[0].key)).toBe("h5");
  expect<string | null>(utf8(b.records[4].headers[0].value)).toBe("abababababababab");
  expect<i64>(b.baseTimestamp).toBe(TIMESTAMPS[0]);
  expect<i64>(b.maxTimestamp).toBe(TIMESTAMPS[4]);
  return b;
}

/** A compressed fixture decodes to the same records as the uncompressed ones. */
function checkCompressed(hex: string, codec: i32): void {
  const b = checkCaptured(decodeRecords(capturedRecords(hex)));
  expect<i32>(b.compression()).toBe(codec);
}

describe("decodeRecords on batches captured from real clients", () => {
  it("Java producer 4.1.1, uncompressed, idempotent by default (Produce v12)", () => {
    expect<i16>(javaNone.API_VERSIONS[0]).toBe(12);
    const b = checkCaptured(decodeRecords(capturedRecords(javaNone.FRAMES[0])));
    expect<i32>(b.compression()).toBe(0);
    // The capture server's InitProducerId answer: producer id 4242, epoch 0; first batch seq 0.
    expect<i64>(b.producerId).toBe(4242);
    expect<i16>(b.producerEpoch).toBe(0);
    expect<i32>(b.baseSequence).toBe(0);
    expect<i32>(b.lastSequence()).toBe(4);
  });
  it("kafkajs 2.2.4, uncompressed (Produce v7)", () => {
    expect<i16>(kafkajsNone.API_VERSIONS[0]).toBe(7);
    const b = checkCaptured(decodeRecords(capturedRecords(kafkajsNone.FRAMES[0])));
    expect<bool>(b.hasProducerId()).toBe(false);
  });
  it("librdkafka, uncompressed (Produce v10)", () => {
    const b = checkCaptured(decodeRecords(capturedRecords(rdNone.FRAMES[0])));
    expect<bool>(b.hasProducerId()).toBe(false);
  });
  it("librdkafka falling back to magic 1 message sets: INVALID_RECORD, as Kafka 4.1 answers", () => {
    expect<i16>(decodeRecords(capturedRecords(rdMsgV1.FRAMES[0])).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("librdkafka, idempotent", () => {
    const b = checkCaptured(decodeRecords(capturedRecords(rdIdem.FRAMES[0])));
    expect<i64>(b.producerId).toBe(4242);
    expect<i32>(b.baseSequence).toBe(0);
  });
  it("compressed batches: gzip (Java, kafkajs, librdkafka), snappy, lz4, zstd", () => {
    checkCompressed(javaGzip.FRAMES[0], 1);
    checkCompressed(kafkajsGzip.FRAMES[0], 1);
    checkCompressed(rdGzip.FRAMES[0], 1);
    checkCompressed(rdSnappy.FRAMES[0], 2);
    checkCompressed(rdLz4.FRAMES[0], 3);
    checkCompressed(rdZstd.FRAMES[0], 4);
  });
  it("keeps keys and values as views into the input, not copies", () => {
    const bytes = capturedRecords(javaNone.FRAMES[0]);
    const b = decodeRecords(bytes).batches[0];
    expect<usize>(changetype<usize>(b.records[0].key!.buffer)).toBe(changetype<usize>(bytes.buffer));
  });
});

function fresh(): Uint8Array {
  return capturedRecords(javaNone.FRAMES[0]).slice();
}

function refreshCrc(b: Uint8Array): void {
  const c = crc32c(b, 21, b.length);
  b[17] = <u8>(c >>> 24);
  b[18] = <u8>(c >>> 16);
  b[19] = <u8>(c >>> 8);
  b[20] = <u8>c;
}

describe("decodeRecords on damaged input (never traps)", () => {
  it("answers CORRUPT_MESSAGE for every single-bit flip in the CRC-covered part or the crc", () => {
    const base = fresh();
    for (let i = 17; i < base.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = base.slice();
        b[i] = b[i] ^ <u8>(<i32>1 << bit);
        expect<i16>(decodeRecords(b).error).toBe(KafkaError.CORRUPT_MESSAGE);
      }
    }
  });
  it("ignores baseOffset and partitionLeaderEpoch, which the broker overwrites", () => {
    const b = fresh();
    b[3] = b[3] ^ 0x10;
    b[13] = b[13] ^ 0x01;
    expect<i16>(decodeRecords(b).error).toBe(KafkaError.NONE);
  });
  it("refuses a flipped magic or batch length", () => {
    for (let bit = 0; bit < 8; bit++) {
      const b = fresh();
      b[16] = b[16] ^ <u8>(<i32>1 << bit);
      const e = decodeRecords(b).error;
      expect<bool>(e == KafkaError.CORRUPT_MESSAGE || e == KafkaError.INVALID_RECORD).toBe(true);
    }
    for (let i = 8; i < 12; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = fresh();
        b[i] = b[i] ^ <u8>(<i32>1 << bit);
        const e = decodeRecords(b).error;
        expect<bool>(e == KafkaError.CORRUPT_MESSAGE || e == KafkaError.INVALID_RECORD).toBe(true);
      }
    }
  });
  it("refuses every truncation (no complete batch -> INVALID_RECORD, as Kafka's batch iterator)", () => {
    const base = fresh();
    for (let n = 0; n < base.length; n++) {
      const e = decodeRecords(base.subarray(0, n)).error;
      expect<bool>(e == KafkaError.INVALID_RECORD || e == KafkaError.CORRUPT_MESSAGE).toBe(true);
    }
  });
  it("refuses null records and an empty records field", () => {
    expect<i16>(decodeRecords(null).error).toBe(KafkaError.INVALID_RECORD);
    expect<i16>(decodeRecords(new Uint8Array(0)).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("refuses two batches in one partition (INVALID_RECORD)", () => {
    const one = fresh();
    const two = new Uint8Array(one.length * 2);
    two.set(one, 0);
    two.set(one, one.length);
    expect<i16>(decodeRecords(two).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("ignores trailing bytes too short to be a batch, as Kafka does", () => {
    const one = fresh();
    const longer = new Uint8Array(one.length + 5);
    longer.set(one, 0);
    expect<i16>(decodeRecords(longer).error).toBe(KafkaError.NONE);
  });
  it("refuses magic 0 and 1 message sets (INVALID_RECORD), magic 3 as corrupt", () => {
    for (let m = 0; m < 2; m++) {
      const b = fresh();
      b[16] = <u8>m;
      expect<i16>(decodeRecords(b).error).toBe(KafkaError.INVALID_RECORD);
    }
    const b = fresh();
    b[16] = 3;
    expect<i16>(decodeRecords(b).error).toBe(KafkaError.CORRUPT_MESSAGE);
  });
  it("refuses a record count that disagrees with lastOffsetDelta, even with a valid crc", () => {
    const b = fresh();
    b[60] = 6; // records count 5 -> 6
    refreshCrc(b);
    expect<i16>(decodeRecords(b).error).toBe(KafkaError.INVALID_RECORD);
    const c = fresh();
    c[26] = 5; // lastOffsetDelta 4 -> 5
    c[60] = 6;
    refreshCrc(c);
    expect<i16>(decodeRecords(c).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("refuses control batches from clients (INVALID_RECORD)", () => {
    const b = fresh();
    b[22] = b[22] | 0x20;
    refreshCrc(b);
    expect<i16>(decodeRecords(b).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("exposes the transactional flag for the caller to judge", () => {
    const b = fresh();
    b[22] = b[22] | 0x10;
    refreshCrc(b);
    const p = decodeRecords(b);
    expect<i16>(p.error).toBe(KafkaError.NONE);
    expect<bool>(p.batches[0].isTransactional()).toBe(true);
  });
  it("answers UNSUPPORTED_COMPRESSION_TYPE for codec ids Kafka does not define", () => {
    const b = fresh();
    b[22] = b[22] | 0x07;
    refreshCrc(b);
    expect<i16>(decodeRecords(b).error).toBe(KafkaError.UNSUPPORTED_COMPRESSION_TYPE);
  });
  it("enforces the record count and batch size limits before allocating", () => {
    const limits = new DecodeLimits();
    limits.maxRecordsPerBatch = 4;
    expect<i16>(decodeRecords(fresh(), limits).error).toBe(KafkaError.MESSAGE_TOO_LARGE);
    const small = new DecodeLimits();
    small.maxBatchBytes = 100;
    expect<i16>(decodeRecords(fresh(), small).error).toBe(KafkaError.MESSAGE_TOO_LARGE);
  });
  it("refuses a forged huge record count with a valid crc without allocating for it", () => {
    const b = fresh();
    // count = lastOffsetDelta + 1 = 0x7fffffff
    b[23] = 0x7f; b[24] = 0xff; b[25] = 0xff; b[26] = 0xfe;
    b[57] = 0x7f; b[58] = 0xff; b[59] = 0xff; b[60] = 0xff;
    refreshCrc(b);
    const limits = new DecodeLimits();
    limits.maxRecordsPerBatch = i32.MAX_VALUE;
    expect<i16>(decodeRecords(b, limits).error).toBe(KafkaError.INVALID_RECORD);
  });
  it("refuses records whose inner lengths do not add up, with a valid crc", () => {
    const base = fresh();
    // Corrupt every byte of the records section in turn, keeping the crc valid: any outcome
    // is acceptable except a trap, and a success must still hold 5 records.
    for (let i = 61; i < base.length; i++) {
      const b = base.slice();
      b[i] = 0xff;
      refreshCrc(b);
      const p = decodeRecords(b);
      if (p.error == KafkaError.NONE) expect<i32>(p.batches[0].records.length).toBe(N);
      else expect<i16>(p.error).toBe(KafkaError.INVALID_RECORD);
    }
  });
});
