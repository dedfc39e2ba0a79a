"""Native decode speed for the benchmark: lz4.frame (liblz4) and cramjam snappy (raw blocks;
xerial streams are split into chunks here and each chunk decoded natively).

Usage: native.py <seconds> <codec>:<file>...   prints one JSON object {file: MB/s}.
"""
import json
import struct
import sys
import time

import cramjam
import lz4.frame


def unxerial(data: bytes) -> bytes:
    out = []
    pos = 16
    while pos < len(data):
        (n,) = struct.unpack_from(">i", data, pos)
        out.append(bytes(cramjam.snappy.decompress_raw(data[pos + 4 : pos + 4 + n])))
        pos += 4 + n
    return b"".join(out)


def decoder(codec: str, data: bytes):
    if codec == "lz4":
        return lambda: lz4.frame.decompress(data)
    if data[:8] == b"\x82SNAPPY\x00":
        return lambda: unxerial(data)
    return lambda: bytes(cramjam.snappy.decompress_raw(data))


def main() -> None:
    budget = float(sys.argv[1])
    result = {}
    for job in sys.argv[2:]:
        codec, path = job.split(":", 1)
        data = open(path, "rb").read()
        fn = decoder(codec, data)
        size = len(fn())
        # Best single decode after a warm-up, as the wasm side measures.
        best = float("inf")
        for phase in (min(0.5, budget / 2), budget):
            start = time.perf_counter()
            while time.perf_counter() - start < phase:
                t = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t)
        result[path] = size / best / 1e6
    print(json.dumps(result))


if __name__ == "__main__":
    main()
