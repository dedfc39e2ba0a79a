// Producer id blocks drawn from one counter in proxy shared data, so that every worker VM of
// an Envoy hands out distinct producer ids. The counter is created (and raised to the
// wall-clock seed) when the plugin is configured, which Envoy does on the main thread
// before any worker VM starts; after that every change is a compare-and-swap.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";
import { ProducerIdBlockSource, seedBlockCounter } from "../mesh/producer_state";

const KEY = String.UTF8.encode("kafka_mesh.producer_id_block");
const refs = new Uint32Array(3);
const value = new Uint8Array(8);
const MAX_ATTEMPTS = 100;

class Counter {
  found: bool = false;
  value: i64 = 0;
  cas: u32 = 0;
}

function readCounter(): Counter {
  const c = new Counter();
  const base = changetype<usize>(refs.buffer);
  const r = imports.proxy_get_shared_data(changetype<usize>(KEY), KEY.byteLength, base, base + 4, base + 8);
  if (r != WasmResultValues.Ok) return c;
  const ptr = <usize>refs[0];
  if (refs[1] == 8) {
    c.found = true;
    c.value = load<i64>(ptr);
    c.cas = refs[2];
  }
  if (ptr != 0) free(ptr);
  return c;
}

function writeCounter(v: i64, cas: u32): bool {
  store<i64>(changetype<usize>(value.buffer), v);
  return imports.proxy_set_shared_data(changetype<usize>(KEY), KEY.byteLength, changetype<usize>(value.buffer), 8, cas) == WasmResultValues.Ok;
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
