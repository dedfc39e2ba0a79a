// What every codec returns: the decompressed bytes, or why there are none.

export const enum DecodeError {
  NONE = 0,
  /** The input is not a valid stream of this codec (bad magic, checksum, truncation, ...). */
  MALFORMED = 1,
  /** The output would exceed the caller's cap. */
  TOO_LARGE = 2,
  /** The codec id is not one Kafka defines. */
  UNSUPPORTED = 3,
}

export class DecodeResult {
  constructor(public data: Uint8Array | null, public error: DecodeError) {}

  static ok(data: Uint8Array): DecodeResult {
    return new DecodeResult(data, DecodeError.NONE);
  }

  static fail(error: DecodeError): DecodeResult {
    return new DecodeResult(null, error);
  }
}
