// Producer id blocks drawn from one counter in proxy shared data, so that every worker VM of
// an Envoy hands out distinct producer ids. The counter is created (and raised to the
// wall-clock seed) when the plugin is configured, which Envoy does on the main thread
// before any worker VM starts; after that every change is a compare-and-swap.
import { ProducerIdBlockSource, seedBlockCounter } from "../mesh/producer_state";
import { getSharedData, setSharedData } from "./host";

const KEY = String.UTF8.encode("kafka_mesh.producer_id_block");
const value = new Uint8Array(8);
const MAX_ATTEMPTS = 100;

class Counter {
  found: bool = false;
  value: i64 = 0;
  cas: u32 = 0;
}

function readCounter(): Counter {
  const c = new Counter();
  const entry = getSharedData(KEY);
  if (entry !== null && entry.bytes.length == 8) {
    c.found = true;
    c.value = load<i64>(entry.bytes.dataStart);
    c.cas = entry.cas;
  }
  return c;
}

function writeCounter(v: i64, cas: u32): bool {
  store<i64>(value.dataStart, v);
  return setSharedData(KEY, value, cas);
}

export class SharedDataBlockSource extends ProducerIdBlockSource {
  /** Creates the counter if needed and raises it to the seed for this start. */
  static init(nowMs: i64): void {
    const seed = seedBlockCounter(nowMs);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const c = readCounter();
      if (!c.found) {
        if (writeCounter(seed, 0)) return;
        continue;
      }
      if (c.value >= seed || writeCounter(seed, c.cas)) return;
    }
  }

  nextBlock(): i64 {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const c = readCounter();
      // cas 0 would mean "unconditional"; a counter must exist and carry a real cas.
      if (!c.found || c.cas == 0) return -1;
      if (writeCounter(c.value + 1, c.cas)) return c.value;
    }
    return -1;
  }
}
