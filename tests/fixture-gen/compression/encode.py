"""Compresses fixture inputs with the native lz4 (LZ4F frames) and snappy encoders.

Usage: encode.py <dir> <job>...  where a job is "<codec>:<input name>:<output name>" and
codec is snappy-raw, or lz4 with dash-separated options:
  b64|b256|b1m|b4m  block size     linked   block_linked=True (default independent)
  bc  block checksums    cc  content checksum    cs  content size stored    hc  level 9
Inputs come from <dir>/in/<name>.bin, outputs go to <dir>/out/<name>.bin.
"""
import sys
from pathlib import Path

import cramjam
import lz4.frame

SIZES = {
    "b64": lz4.frame.BLOCKSIZE_MAX64KB,
    "b256": lz4.frame.BLOCKSIZE_MAX256KB,
    "b1m": lz4.frame.BLOCKSIZE_MAX1MB,
    "b4m": lz4.frame.BLOCKSIZE_MAX4MB,
}


def encode(codec: str, data: bytes) -> bytes:
    if codec == "snappy-raw":
        return bytes(cramjam.snappy.compress_raw(data))
    opts = codec.split("-")
    assert opts[0] == "lz4", codec
    size = next((SIZES[o] for o in opts if o in SIZES), lz4.frame.BLOCKSIZE_MAX64KB)
    return lz4.frame.compress(
        data,
        block_size=size,
        block_linked="linked" in opts,
        block_checksum="bc" in opts,
        content_checksum="cc" in opts,
        store_size="cs" in opts,
        compression_level=9 if "hc" in opts else 0,
    )


def main() -> None:
    root = Path(sys.argv[1])
    for job in sys.argv[2:]:
        codec, src, dst = job.split(":")
        data = (root / "in" / f"{src}.bin").read_bytes()
        (root / "out" / f"{dst}.bin").write_bytes(encode(codec, data))


if __name__ == "__main__":
    main()
