import { FrameSplitter, FrameStatus } from "../../assembly/kafka/frames";

function frame(size: i32, fill: u8): Uint8Array {
  const f = new Uint8Array(4 + size);
  f[0] = <u8>(size >>> 24);
  f[1] = <u8>(size >>> 16);
  f[2] = <u8>(size >>> 8);
  f[3] = <u8>size;
  for (let i = 0; i < size; i++) f[4 + i] = fill + <u8>i;
  return f;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe("FrameSplitter", () => {
  it("returns many frames from one read", () => {
    const s = new FrameSplitter(1000);
    s.push(concat(concat(frame(3, 10), frame(0, 0)), frame(5, 20)));
    expect<i32>(s.next()).toBe(FrameStatus.FRAME);
    expect<i32>(s.frame.length).toBe(3);
    expect<u8>(s.frame[2]).toBe(12);
    expect<i32>(s.next()).toBe(FrameStatus.FRAME);
    expect<i32>(s.frame.length).toBe(0);
    expect<i32>(s.next()).toBe(FrameStatus.FRAME);
    expect<u8>(s.frame[4]).toBe(24);
    expect<i32>(s.next()).toBe(FrameStatus.NEED_MORE);
  });

  it("assembles a frame delivered one byte at a time, size prefix included", () => {
    const s = new FrameSplitter(1000);
    const all = concat(frame(7, 1), frame(2, 50));
    let frames = 0;
    for (let i = 0; i < all.length; i++) {
      s.push(all.subarray(i, i + 1));
      while (s.next() == FrameStatus.FRAME) {
        frames++;
        if (frames == 1) {
          expect<i32>(s.frame.length).toBe(7);
          expect<u8>(s.frame[6]).toBe(7);
        } else {
          expect<u8>(s.frame[1]).toBe(51);
        }
      }
    }
    expect<i32>(frames).toBe(2);
    expect<i32>(s.buffered()).toBe(0);
  });

  it("splits at every possible boundary", () => {
    const all = concat(concat(frame(9, 3), frame(1, 9)), frame(4, 7));
    for (let cut = 0; cut <= all.length; cut++) {
      const s = new FrameSplitter(64);
      let sizes = "";
      s.push(all.subarray(0, cut));
      while (s.next() == FrameStatus.FRAME) sizes += s.frame.length.toString() + ",";
      s.push(all.subarray(cut));
      while (s.next() == FrameStatus.FRAME) sizes += s.frame.length.toString() + ",";
      expect<string>(sizes).toBe("9,1,4,", cut.toString());
    }
  });

  it("refuses an oversized frame before buffering it", () => {
    const s = new FrameSplitter(100);
    s.push(frame(101, 0).subarray(0, 10));
    expect<i32>(s.next()).toBe(FrameStatus.INVALID_SIZE);
    expect<i32>(s.rejectedSize).toBe(101);
    expect<i32>(s.buffered()).toBe(0);
    s.push(frame(1, 0));
    expect<i32>(s.next()).toBe(FrameStatus.INVALID_SIZE);
  });

  it("refuses a negative size, even when it arrives split", () => {
    const s = new FrameSplitter(100);
    const neg = new Uint8Array(4);
    neg[0] = 0xff;
    neg[1] = 0xff;
    neg[2] = 0xff;
    neg[3] = 0xfe;
    s.push(neg.subarray(0, 2));
    expect<i32>(s.next()).toBe(FrameStatus.NEED_MORE);
    s.push(neg.subarray(2));
    expect<i32>(s.next()).toBe(FrameStatus.INVALID_SIZE);
    expect<i32>(s.rejectedSize).toBe(-2);
  });
});
