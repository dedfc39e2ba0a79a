// Test-only: what a Writer wrote, as bytes of their own (the Writer's view is reused).
import { Writer } from "../../../assembly/kafka/wire";

export function toBytes(w: Writer): Uint8Array {
  return w.view().slice();
}
