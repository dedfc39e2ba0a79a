// Frames on a byte stream (an int32 size, then that many bytes), and a raw client socket that
// collects whole response frames.
import net from "node:net";
import { asBuffer, type Bytes, int32 } from "./primitives.ts";

/** `payload` behind its size prefix. */
export function sizePrefixed(payload: Bytes): Buffer {
  return Buffer.concat([int32(payload.length), payload]);
}

/**
 * Cuts a byte stream into whole frames as bytes arrive. A negative size stops the cutting:
 * everything from there stays in `pending`.
 */
export class FrameSplitter {
  pending: Buffer = Buffer.alloc(0);

  /** Appends `chunk`; returns the frames it completed, size prefix included. */
  push(chunk: Bytes): Buffer[] {
    this.pending = this.pending.length === 0 ? asBuffer(chunk) : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let p = 0;
    while (this.pending.length - p >= 4) {
      const size = this.pending.readInt32BE(p);
      if (size < 0 || this.pending.length - p - 4 < size) break;
      frames.push(this.pending.subarray(p, p + 4 + size));
      p += 4 + size;
    }
    this.pending = this.pending.subarray(p);
    return frames;
  }
}

/** The frames of a whole stream, without their size prefixes; throws on a truncated tail. */
export function splitFrames(bytes: Bytes): Buffer[] {
  const s = new FrameSplitter();
  const frames = s.push(bytes).map((f) => f.subarray(4));
  if (s.pending.length > 0) throw new RangeError(`truncated frame: ${s.pending.length} bytes after the last whole one`);
  return frames;
}

/** A client connection that collects whole response frames (without their size prefixes). */
export interface FrameConnection {
  sock: net.Socket;
  frames: Buffer[];
  /** Bytes received after the last whole frame. */
  readonly buffered: Buffer;
  closed: boolean;
  error: Error | null;
  waiters: Array<() => void>;
}

export function connect(host: string, port: number): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const splitter = new FrameSplitter();
    const c: FrameConnection = {
      sock, frames: [], closed: false, error: null, waiters: [],
      get buffered() {
        return splitter.pending;
      },
    };
    const wake = () => {
      for (const w of c.waiters.splice(0)) w();
    };
    sock.on("data", (d) => {
      for (const f of splitter.push(d)) c.frames.push(f.subarray(4));
      wake();
    });
    sock.on("error", (e) => {
      c.error = e;
    });
    sock.on("close", () => {
      c.closed = true;
      wake();
    });
    sock.once("connect", () => resolve(c));
    sock.once("error", reject);
  });
}

/** Waits until `cond()` holds, re-checked on every arrival and at least every 200 ms. */
export async function waitFor(c: FrameConnection, cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`timed out after ${ms} ms waiting for ${what} (got ${c.frames.length} frames, ${c.buffered.length} loose bytes, closed=${c.closed})`);
    }
    await new Promise<void>((r) => {
      c.waiters.push(r);
      setTimeout(r, Math.min(left, 200));
    });
  }
}

/** One request on a fresh connection; resolves with the first response frame. */
export async function roundTrip(host: string, port: number, request: Bytes, ms = 5000): Promise<Buffer> {
  const c = await connect(host, port);
  try {
    c.sock.write(request);
    await waitFor(c, () => c.frames.length >= 1 || c.closed, ms, "one response");
    if (c.frames.length < 1) throw new Error(`connection closed without an answer${c.error ? `: ${c.error.message}` : ""}`);
    return c.frames[0];
  } finally {
    c.sock.destroy();
  }
}
