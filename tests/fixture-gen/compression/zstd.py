#!/usr/bin/env python3
"""Zstandard test vectors made by the reference library (python `zstandard`, libzstd).

Plain inputs are built from small deterministic recipes (xorshift32 PRNG) that
tests/fixtures/compression/support.ts reproduces in AssemblyScript, so only the
compressed frames and the xxHash64 of the expected output need embedding.

  zstd.py                 writes tests/fixtures/compression/zstd_small.ts (committed)
  zstd.py --large         writes tests/fixtures/compression/large/zstd_large.ts (git-ignored),
                          run by tests/compression/compression_zstd_large.spec.ts
  zstd.py --bench DIR     writes bench inputs to DIR and prints native decode speed as JSON
"""
import base64
import json
import os
import struct
import sys
import time

import xxhash
import zstandard as zstd

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
M32 = 0xFFFFFFFF


class Rng:
    """xorshift32; the seed is scrambled so that small seeds differ well."""

    def __init__(self, seed):
        self.x = ((seed * 2654435761) + 1) & M32 or 1

    def next(self):
        x = self.x
        x ^= (x << 13) & M32
        x ^= x >> 17
        x ^= (x << 5) & M32
        self.x = x
        return x


def vocab(r, count):
    words = []
    for _ in range(count):
        length = 2 + r.next() % 9
        words.append(bytes(97 + r.next() % 26 for _ in range(length)))
    return words


def gen_random(n, seed):
    r = Rng(seed)
    out = bytearray(n + 4)
    for i in range(0, n, 4):
        struct.pack_into("<I", out, i, r.next())
    return bytes(out[:n])


def gen_text(n, seed):
    r = Rng(seed)
    words = vocab(r, 256)
    out = bytearray()
    while len(out) < n:
        a = r.next() % 256
        b = r.next() % 256
        out += words[(a * b) >> 8]
        out += b"\n" if r.next() % 16 == 0 else b" "
    return bytes(out[:n])


def gen_records(n, seed):
    r = Rng(seed)
    words = vocab(r, 64)
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b'{"id":%d,"name":"%s","v":%d}\n' % (i, words[r.next() % 64], r.next() % 100000)
        i += 1
    return bytes(out[:n])


def gen_repeat(n, seed):
    unit = gen_random(100, seed)
    return (unit * (n // 100 + 1))[:n]


def gen_nibbles(n, seed):
    return bytes(b & 15 for b in gen_random(n, seed))


def gen_fixedrec(n, seed):
    """100-byte records differing in one byte: every sequence looks alike (RLE table modes)."""
    unit = bytearray(gen_random(100, seed))
    r = Rng(seed + 1)
    out = bytearray()
    while len(out) < n:
        unit[50] = r.next() & 255
        out += unit
    return bytes(out[:n])


RECIPES = {
    "nibbles": gen_nibbles,
    "fixedrec": gen_fixedrec,
    "random": gen_random,
    "text": gen_text,
    "records": gen_records,
    "repeat": gen_repeat,
    "zeros": lambda n, seed: bytes(n),
}


def plain(parts):
    """parts: "recipe:size:seed,..." (empty string = no bytes)."""
    out = b""
    for part in filter(None, parts.split(",")):
        name, size, seed = part.split(":")
        out += RECIPES[name](int(size), int(seed))
    return out


def compress(data, level=3, checksum=False, size=True, stream=False, window_log=0, ldm=False, flush_every=0):
    params = zstd.ZstdCompressionParameters.from_level(
        level, window_log=window_log, enable_ldm=ldm, write_checksum=checksum, write_content_size=size
    )
    cctx = zstd.ZstdCompressor(compression_params=params)
    if not stream:
        return cctx.compress(data)
    # Streaming like Kafka's Java client (zstd-jni ZstdOutputStream behind a 16 KiB buffer):
    # the frame header carries no content size.
    cobj = cctx.compressobj()
    out = b""
    chunk = flush_every or 16384
    for i in range(0, len(data), chunk):
        out += cobj.compress(data[i : i + chunk])
        if flush_every:
            # Ends a block here: many small blocks that reuse earlier tables.
            out += cobj.flush(zstd.COMPRESSOBJ_FLUSH_BLOCK)
    return out + cobj.flush()


def skippable(n, variant=3):
    return struct.pack("<II", 0x184D2A50 + variant, n) + bytes((i * 7) & 255 for i in range(n))


# Each fixture: name -> list of segments; a segment is ("frame", parts, options) or ("skip", n).
SMALL = {
    "empty-oneshot": [("frame", "", dict(checksum=True))],
    "empty-stream": [("frame", "", dict(stream=True))],
    "one-byte": [("frame", "text:1:1", dict())],
    "short-text": [("frame", "text:100:2", dict(checksum=True))],
    "text-l1": [("frame", "text:20000:3", dict(level=1))],
    "text-l3-checksum": [("frame", "text:20000:3", dict(level=3, checksum=True))],
    "text-l19": [("frame", "text:20000:3", dict(level=19, checksum=True))],
    "text-stream": [("frame", "text:20000:3", dict(level=3, stream=True))],
    "text-fast-neg5": [("frame", "text:30000:4", dict(level=-5))],
    "records-stream": [("frame", "records:50000:5", dict(level=3, stream=True))],
    "records-l19": [("frame", "records:50000:5", dict(level=19, checksum=True))],
    "random-raw": [("frame", "random:30000:6", dict(level=3, checksum=True))],
    "random-stream": [("frame", "random:1000:6", dict(level=3, stream=True))],
    "zeros-rle": [("frame", "zeros:300000:0", dict(level=3, checksum=True))],
    "zeros-stream": [("frame", "zeros:300000:0", dict(level=1, stream=True))],
    "repeat-100": [("frame", "repeat:200000:7", dict(level=3))],
    "mixed-small": [("frame", "text:5000:8,random:3000:9,records:5000:10,zeros:2000:0", dict(level=3, checksum=True))],
    "multi-frame": [
        ("frame", "text:3000:11", dict(level=3, checksum=True)),
        ("skip", 16),
        ("frame", "records:5000:12", dict(level=19, stream=True)),
        ("frame", "zeros:1000:0", dict(level=1)),
    ],
    "skippable-first": [("skip", 0), ("frame", "text:500:13", dict(level=3))],
    "skippable-only": [("skip", 32)],
    "nibbles-direct-weights": [("frame", "nibbles:20000:15", dict(level=3, checksum=True))],
    # Blocks after the first hold identical sequences: RLE table modes.
    "fixed-records-rle-modes": [("frame", "fixedrec:400000:16", dict(level=3, checksum=True))],
    # Small flushed blocks: Repeat table modes, treeless literals, single-stream Huffman.
    "records-small-blocks-l9": [
        ("frame", "records:60000:17", dict(level=9, stream=True, checksum=True, flush_every=2048))
    ],
    "records-small-blocks-l19": [
        ("frame", "records:60000:17", dict(level=19, stream=True, checksum=True, flush_every=2048))
    ],
    # Invalid on purpose: frames made against a raw-content dictionary, whose matches reach
    # before the start of the frame's output (the decoder supports no dictionaries).
    "bad-dict-no-id": [("dict", "text:3000:14", "text:2000:14", dict(level=3, dict_id=False))],
    "bad-dict-after-frame": [
        ("frame", "text:2000:14", dict(level=3)),
        ("dict", "text:3000:14", "text:2000:14", dict(level=3, dict_id=False)),
    ],
    "bad-dict-id": [("dict", "text:3000:14", "text:2000:14", dict(level=3, dict_id=True))],
}

LARGE = {
    "mixed4m-l3": [("frame", "@mixed4m", dict(level=3, checksum=True))],
    "mixed4m-l19-stream": [("frame", "@mixed4m", dict(level=19, stream=True, checksum=True))],
    "text1m-l19": [("frame", "text:1048576:21", dict(level=19, checksum=True))],
    "records2m-stream": [("frame", "records:2097152:22", dict(level=3, stream=True, checksum=True))],
    # Matches about 5 MiB back: needs the long window (window_log 27, long-distance matching).
    "far-window27": [
        ("frame", "random:524288:23,text:1048576:24,zeros:4194304:0,random:524288:23,text:262144:25",
         dict(level=3, stream=True, checksum=True, window_log=27, ldm=True))
    ],
}

ALIASES = {
    "@mixed4m": "text:1048576:31,records:1048576:32,random:262144:33,text:1048576:34,zeros:131072:0,records:655360:35",
}


def build(fixtures):
    rows = []
    for name, segments in fixtures.items():
        parts_all = []
        blob = b""
        expected = b""
        frames = 0
        checksums = 0
        for seg in segments:
            if seg[0] == "skip":
                blob += skippable(seg[1])
                continue
            if seg[0] == "dict":
                _, parts, dict_parts, opts = seg
                d = zstd.ZstdCompressionDict(plain(dict_parts), dict_type=zstd.DICT_TYPE_RAWCONTENT)
                data = plain(parts)
                cctx = zstd.ZstdCompressor(level=opts["level"], dict_data=d, write_dict_id=opts["dict_id"])
                frame = cctx.compress(data)
                assert zstd.ZstdDecompressor(dict_data=d).decompress(frame) == data, name
                blob += frame
                expected += data
                parts_all.append(parts)
                frames += 1
                continue
            _, parts, opts = seg
            parts = ALIASES.get(parts, parts)
            data = plain(parts)
            frame = compress(data, **opts)
            # The encoder's own decoder must agree before the vector is used.
            assert zstd.ZstdDecompressor().decompressobj().decompress(frame) == data, name
            blob += frame
            expected += data
            if parts:
                parts_all.append(parts)
            frames += 1
            checksums += 1 if opts.get("checksum", False) else 0
        # "checksum": every frame carries one, so a successful decode must be the original bytes.
        checksum = frames > 0 and checksums == frames
        rows.append((name, ",".join(parts_all), len(expected), xxhash.xxh64_intdigest(expected), checksum, blob))
    return rows


def ts_module(rows, header, support):
    lines = [
        "// Generated by tests/fixture-gen/compression/zstd.py with python zstandard "
        + zstd.__version__ + " (libzstd " + ".".join(map(str, zstd.ZSTD_VERSION)) + "). Do not edit.",
        header,
        'import { ZstdFixture } from "' + support + '";',
        "",
        "export const FIXTURES: ZstdFixture[] = [",
    ]
    for name, parts, size, digest, checksum, blob in rows:
        lines.append(
            '  new ZstdFixture("%s", "%s", %d, 0x%016x, %s, "%s"),'
            % (name, parts, size, digest, "true" if checksum else "false", base64.b64encode(blob).decode())
        )
    lines.append("];")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) > 1 and argv[1] == "--bench":
        return bench(argv[2])
    if len(argv) > 1 and argv[1] == "--large":
        large_dir = os.path.join(ROOT, "tests", "fixtures", "compression", "large")
        os.makedirs(large_dir, exist_ok=True)
        with open(os.path.join(large_dir, "zstd_large.ts"), "w") as f:
            f.write(ts_module(build(LARGE), "// Large vectors, regenerated at test time (git-ignored).", "../support"))
        return 0
    path = os.path.join(ROOT, "tests", "fixtures", "compression", "zstd_small.ts")
    with open(path, "w") as f:
        f.write(ts_module(build(SMALL), "// Small vectors, committed.", "./support"))
    return 0


def bench(out_dir):
    """Writes <name>.zst/<name>.bin pairs and prints native (libzstd) decode MB/s per input."""
    os.makedirs(out_dir, exist_ok=True)
    cases = {
        "mixed4m-l3": (ALIASES["@mixed4m"], dict(level=3)),
        "mixed4m-l19": (ALIASES["@mixed4m"], dict(level=19)),
        "records4m-stream-l3": ("records:4194304:41", dict(level=3, stream=True)),
        "text4m-l3": ("text:4194304:42", dict(level=3)),
    }
    report = {}
    dctx = zstd.ZstdDecompressor()
    for name, (parts, opts) in cases.items():
        data = plain(parts)
        frame = compress(data, **opts)
        with open(os.path.join(out_dir, name + ".zst"), "wb") as f:
            f.write(frame)
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(data)
        best = 1e9
        for _ in range(15):
            t = time.perf_counter()
            out = dctx.decompressobj().decompress(frame)
            best = min(best, time.perf_counter() - t)
        assert out == data
        report[name] = {"size": len(data), "compressed": len(frame), "native_mb_s": len(data) / best / 1e6}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
