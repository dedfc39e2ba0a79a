// Test-only reader of a captured Produce request frame: the request header and the Produce
// body (versions 3..12, topic names) down to each partition's records bytes. The filter itself
// uses the generated ProduceRequest codec; this exists so fixture tests do not depend on it.
import { Reader } from "../../../assembly/kafka/wire";

export class CapturedPartition {
  constructor(public index: i32, public records: Uint8Array | null) {}
}
export class CapturedTopic {
  name: string = "";
  partitions: Array<CapturedPartition> = [];
}
export class CapturedProduce {
  apiVersion: i16 = 0;
  clientId: string | null = null;
  transactionalId: string | null = null;
  acks: i16 = 0;
  timeoutMs: i32 = 0;
  topics: Array<CapturedTopic> = [];
  failed: bool = false;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function readProduceFrame(frame: Uint8Array): CapturedProduce {
  const out = new CapturedProduce();
  const r = new Reader(frame);
  const size = r.int32();
  if (size != frame.length - 4) out.failed = true;
  const key = r.int16();
  const version = r.int16();
  r.int32();
  out.apiVersion = version;
  out.clientId = r.nullableString(false);
  const flex = version >= 9;
  if (flex) r.skipTaggedFields();
  if (key != 0) out.failed = true;
  out.transactionalId = r.nullableString(flex);
  out.acks = r.int16();
  out.timeoutMs = r.int32();
  const nt = r.arrayLength(flex);
  for (let i = 0; i < nt && !r.failed; i++) {
    const t = new CapturedTopic();
    t.name = r.string(flex);
    const np = r.arrayLength(flex);
    for (let j = 0; j < np && !r.failed; j++) {
      const index = r.int32();
      const rec = r.nullableBytes(flex);
      if (flex) r.skipTaggedFields();
      t.partitions.push(new CapturedPartition(index, rec));
    }
    if (flex) r.skipTaggedFields();
    out.topics.push(t);
  }
  if (flex) r.skipTaggedFields();
  if (r.failed || r.remaining() != 0) out.failed = true;
  return out;
}
