// Splits the downstream byte stream into Kafka frames (int32 size + payload).
//
// Bytes arrive in arbitrary pieces: a frame may span many reads, and one read may hold
// many frames. Whole frames inside one read are returned as views (no copy); only a
// frame cut by a read boundary is assembled from chunks (4 KiB doubling to 64 KiB) allocated
// as its bytes arrive, never to the declared size up front: a client that announces a large frame
// and stalls holds only what it sent, and growing leaves no garbage behind. The chunks are
// joined once the frame is complete. An oversized or negative size is refused before
// anything is buffered for it.

export const enum FrameStatus {
  /** A frame is available from next(). */
  FRAME = 0,
  /** More bytes are needed. */
  NEED_MORE = 1,
  /** The declared size is negative or over the limit: the stream cannot continue. */
  INVALID_SIZE = 2,
}

/** Largest chunk a partial frame is assembled from, and its first one. */
const PARTIAL_CHUNK_BYTES: i32 = 64 * 1024;
const FIRST_CHUNK_BYTES: i32 = 4 * 1024;

export class FrameSplitter {
  /** The limit on a frame's payload size (Kafka's socket.request.max.bytes). */
  maxFrameBytes: i32;
  /** Size of the rejected frame after INVALID_SIZE, for logs. */
  rejectedSize: i32 = 0;

  private input: Uint8Array = new Uint8Array(0);
  private inputPos: i32 = 0;
  // A frame cut by a read boundary: its 4 size bytes, then its payload.
  private sizeBytes: Uint8Array = new Uint8Array(4);
  private sizeHave: i32 = 0;
  private partial: Array<Uint8Array> | null = null;
  /** The declared payload size of the partial frame. */
  private partialSize: i32 = 0;
  /** Bytes of the partial frame received, and the capacity of its chunks. */
  private partialHave: i32 = 0;
  private partialCapacity: i32 = 0;
  private invalid: bool = false;
  /** The frame last returned by next(). */
  frame: Uint8Array = new Uint8Array(0);

  constructor(maxFrameBytes: i32) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Hands a new read to the splitter; call next() until it stops returning FRAME. Bytes of
   * the previous read that next() was not asked for yet are kept ahead of the new ones.
   */
  push(data: Uint8Array): void {
    const left = this.unread();
    if (left > 0) {
      const joined = new Uint8Array(left + data.length);
      joined.set(this.input.subarray(this.inputPos));
      joined.set(data, left);
      data = joined;
    }
    this.input = data;
    this.inputPos = 0;
  }

  /** Bytes pushed that next() has not looked at yet (frames left unread on purpose). */
  unread(): i32 {
    return this.input.length - this.inputPos;
  }

  /** Bytes held for a frame not yet complete (for memory accounting). */
  buffered(): i32 {
    return this.sizeHave + (this.partial === null ? 0 : this.partialCapacity);
  }

  /** Bytes still missing from the frame being assembled (0 when none is). */
  missing(): i32 {
    return this.partial === null ? 0 : this.partialSize - this.partialHave;
  }

  next(): FrameStatus {
    if (this.invalid) return FrameStatus.INVALID_SIZE;
    const input = this.input;
    // Finish a frame begun in an earlier read.
    if (this.sizeHave > 0 || this.partial !== null) return this.continuePartial();
    const left = input.length - this.inputPos;
    if (left == 0) return FrameStatus.NEED_MORE;
    if (left < 4) {
      this.takeSizeBytes();
      return FrameStatus.NEED_MORE;
    }
    const p = this.inputPos;
    const size = <i32>(
      (<u32>input[p] << 24) | (<u32>input[p + 1] << 16) | (<u32>input[p + 2] << 8) | <u32>input[p + 3]
    );
    if (!this.sizeOk(size)) return FrameStatus.INVALID_SIZE;
    if (left - 4 >= size) {
      this.frame = input.subarray(p + 4, p + 4 + size);
      this.inputPos = p + 4 + size;
      return FrameStatus.FRAME;
    }
    this.sizeHave = 4;
    for (let i = 0; i < 4; i++) this.sizeBytes[i] = input[p + i];
    this.inputPos = p + 4;
    this.startPartial(size);
    return this.continuePartial();
  }

  private sizeOk(size: i32): bool {
    if (size < 0 || size > this.maxFrameBytes) {
      this.invalid = true;
      this.rejectedSize = size;
      return false;
    }
    return true;
  }

  private startPartial(size: i32): void {
    this.partialSize = size;
    this.partialHave = 0;
    this.partialCapacity = 0;
    this.partial = [];
  }

  /** Copies bytes into the partial frame's chunks, adding chunks as needed. */
  private append(bytes: Uint8Array): void {
    const chunks = this.partial!;
    let pos = 0;
    while (pos < bytes.length) {
      if (this.partialHave == this.partialCapacity) {
        // Chunks double from 4 KiB to 64 KiB: a small partial frame holds little more than
        // its bytes, a large one at most one chunk more.
        const size = min(min(PARTIAL_CHUNK_BYTES, max(FIRST_CHUNK_BYTES, this.partialCapacity)), this.partialSize - this.partialCapacity);
        chunks.push(new Uint8Array(size));
        this.partialCapacity += size;
      }
      const chunk = chunks[chunks.length - 1];
      const at = this.partialHave - (this.partialCapacity - chunk.length);
      const n = min(chunk.length - at, bytes.length - pos);
      chunk.set(bytes.subarray(pos, pos + n), at);
      pos += n;
      this.partialHave += n;
    }
  }

  /** The complete partial frame as one array (its only chunk, or the chunks joined). */
  private joined(): Uint8Array {
    const chunks = this.partial!;
    if (chunks.length == 1) return chunks[0];
    const out = new Uint8Array(this.partialSize);
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      out.set(chunks[i], at);
      at += chunks[i].length;
    }
    return out;
  }

  private takeSizeBytes(): void {
    const input = this.input;
    while (this.sizeHave < 4 && this.inputPos < input.length) {
      this.sizeBytes[this.sizeHave++] = input[this.inputPos++];
    }
  }

  private continuePartial(): FrameStatus {
    const input = this.input;
    if (this.partial === null) {
      this.takeSizeBytes();
      if (this.sizeHave < 4) return FrameStatus.NEED_MORE;
      const s = this.sizeBytes;
      const size = <i32>((<u32>s[0] << 24) | (<u32>s[1] << 16) | (<u32>s[2] << 8) | <u32>s[3]);
      if (!this.sizeOk(size)) return FrameStatus.INVALID_SIZE;
      this.startPartial(size);
    }
    const want = this.partialSize - this.partialHave;
    const take = min(want, input.length - this.inputPos);
    if (take > 0) {
      this.append(input.subarray(this.inputPos, this.inputPos + take));
      this.inputPos += take;
    }
    if (this.partialHave < this.partialSize) return FrameStatus.NEED_MORE;
    this.frame = this.partialSize == 0 ? new Uint8Array(0) : this.joined();
    this.partial = null;
    this.partialCapacity = 0;
    this.partialHave = 0;
    this.sizeHave = 0;
    return FrameStatus.FRAME;
  }
}
