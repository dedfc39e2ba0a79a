// Messages of the bridge's Forward stream (docs/consumers.md): a consumer or group request as a
// broker reads it (request header + body, no size prefix), answered by the response header and
// body of the same api and version, matched by correlation id.
import { Reader, Writer } from "../kafka/wire";
import { requestHeaderVersion, responseHeaderVersion } from "../kafka/messages/api_keys";
import { RequestHeader } from "../kafka/messages/request_header";
import { ResponseHeader } from "../kafka/messages/response_header";

const CLIENT_ID = "kafka-mesh";

/**
 * Starts a Forward message: the request header for (apiKey, version) under correlationId, naming
 * clientId (the mesh's unless a client's is passed on).
 */
export function beginForward(apiKey: i16, version: i16, correlationId: i32, sizeHint: i32, clientId: string = CLIENT_ID): Writer {
  const header = new RequestHeader();
  header.requestApiKey = apiKey;
  header.requestApiVersion = version;
  header.correlationId = correlationId;
  header.clientId = clientId;
  const w = new Writer(sizeHint + 32);
  header.encode(w, requestHeaderVersion(apiKey, version));
  return w;
}

/**
 * A Forward answer's body, positioned after its response header (the channel matched the
 * correlation id already); null when the header does not parse.
 */
export function forwardAnswerBody(bytes: Uint8Array, apiKey: i16, version: i16): Reader | null {
  const r = new Reader(bytes);
  ResponseHeader.decode(r, responseHeaderVersion(apiKey, version));
  if (r.failed) return null;
  return r;
}

/**
 * Replaces the correlation id at the start of a forwarded answer (its response header) with the
 * client's, so the bridge's answer can be passed to the client as it is.
 */
export function withCorrelationId(answer: Uint8Array, correlationId: i32): void {
  answer[0] = <u8>(correlationId >>> 24);
  answer[1] = <u8>(correlationId >>> 16);
  answer[2] = <u8>(correlationId >>> 8);
  answer[3] = <u8>correlationId;
}
