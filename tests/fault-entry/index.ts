// A test-only entry: the production module (assembly/index.ts) with one fault added. A downstream
// read that contains the ASCII marker "kafka-mesh-test:trap" executes `unreachable`, so the VM
// traps as it would on a bug, and Envoy's failure_policy decides what happens next
// (tests/e2e/memory_attack.test.ts). Build: make fault-test-wasm (mk/memory.mk). Never shipped.
export * from "../../assembly/index";
import { proxy_on_downstream_data as productionOnDownstreamData } from "../../assembly/filter/exports";
import { BufferTypeValues, get_buffer_bytes } from "@solo-io/proxy-runtime/assembly/runtime";

const MARKER = "kafka-mesh-test:trap";

function containsMarker(data: Uint8Array): bool {
  const m = String.UTF8.encode(MARKER);
  const marker = Uint8Array.wrap(m);
  const n = marker.length;
  for (let i = 0; i + n <= data.length; i++) {
    let j = 0;
    while (j < n && data[i + j] == marker[j]) j++;
    if (j == n) return true;
  }
  return false;
}

export function proxy_on_downstream_data(context_id: u32, data_size: u32, end_of_stream: u32): u32 {
  if (data_size > 0 && containsMarker(Uint8Array.wrap(get_buffer_bytes(BufferTypeValues.NetworkDownstreamData, 0, data_size)))) {
    unreachable();
  }
  return productionOnDownstreamData(context_id, data_size, end_of_stream);
}
