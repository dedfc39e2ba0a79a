// Test-only: what a Writer wrote, as bytes of their own (the Writer's view is reused).
import { Writer } from "../../../assembly/kafka/wire";

export function toBytes(w: Writer): Uint8Array {
  return w.view().slice();
}

/** Pieces of output (Writer.pieces, Connection.takeAnswerPieces) joined into one array. */
export function joined(pieces: Array<Uint8Array>): Uint8Array {
  let n = 0;
  for (let i = 0; i < pieces.length; i++) n += pieces[i].length;
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    out.set(pieces[i], at);
    at += pieces[i].length;
  }
  return out;
}
