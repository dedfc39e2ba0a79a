// The generated codec against byte vectors written by Kafka's own Java classes
// (tests/fixtures/messages/vectors.ts, from codegen/vectors/MessageVectors.java).

import { Reader, Writer } from "../../assembly/kafka/wire";
import { toBytes } from "./helpers/wire";
import {
  API_KEYS,
  ApiKey,
  apiKeyInfo,
  requestHeaderVersion,
  responseHeaderVersion,
} from "../../assembly/kafka/messages/api_keys";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ProduceRequest } from "../../assembly/kafka/messages/produce_request";
import { MetadataRequest } from "../../assembly/kafka/messages/metadata_request";
import { ProduceResponse } from "../../assembly/kafka/messages/produce_response";
import { FetchResponse } from "../../assembly/kafka/messages/fetch_response";
import { MESSAGE_VECTORS, JAVA_API_KEYS, RECORDS_HEX } from "../fixtures/messages/vectors";
import {
  MESSAGE_NAMES,
  buildAndEncode,
  bytesToHex,
  decodeAndDiff,
  decodeAndEncode,
  hexToBytes,
  variantExists,
  variantsOf,
  versionRange,
} from "./messages.builders";

function label(i: i32): string {
  const v = MESSAGE_VECTORS[i];
  return v.message + " v" + v.version.toString() + " " + v.variant + " (" + v.description + ")";
}

describe("generated messages against Kafka's Java encoder", () => {
  it("has vectors for every version of every generated message", () => {
    for (let m = 0; m < MESSAGE_NAMES.length; m++) {
      const name = MESSAGE_NAMES[m];
      const range = versionRange(name);
      // RequestHeader v0 exists only for ControlledShutdown v0; Kafka's class starts at v1.
      const lo = name == "RequestHeader" ? 1 : range[0];
      for (let v = lo; v <= range[1]; v++) {
        let found = false;
        for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
          if (MESSAGE_VECTORS[i].message == name && MESSAGE_VECTORS[i].version == v) found = true;
        }
        expect<bool>(found).toBe(true, name + " v" + v.toString() + " has no vector");
      }
    }
  });

  it("decodes every vector to the values the Java program wrote", () => {
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const r = new Reader(hexToBytes(vec.hex));
      const diff = decodeAndDiff(vec.message, vec.variant, r, vec.version);
      expect<bool>(r.failed).toBe(false, label(i));
      expect<i32>(r.remaining()).toBe(0, label(i) + ": bytes left over");
      expect<string>(diff).toBe("", label(i));
    }
  });

  it("re-encodes every decoded vector to the same bytes", () => {
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const w = new Writer(16);
      decodeAndEncode(vec.message, new Reader(hexToBytes(vec.hex)), vec.version, w);
      expect<string>(bytesToHex(toBytes(w))).toBe(vec.reencodedHex, label(i));
    }
  });

  it("encodes messages built in AssemblyScript to exactly Kafka's bytes", () => {
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const w = new Writer(16);
      buildAndEncode(vec.message, vec.variant, vec.version, w);
      expect<string>(bytesToHex(toBytes(w))).toBe(vec.reencodedHex, label(i));
    }
  });

  it("skips unknown tagged fields", () => {
    let seen = 0;
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      if (vec.hex == vec.reencodedHex) continue;
      seen++;
      expect<i32>(vec.hex.length).toBeGreaterThan(vec.reencodedHex.length);
    }
    // ApiVersions request/response, Produce response, a request/response pair for each of
    // the eleven consumer-side APIs, a SaslAuthenticate request and response, and three
    // inside nested structs (Fetch request and response partitions, an OffsetFetch response topic).
    expect<i32>(seen).toBe(30);
  });

  it("carries records as opaque bytes", () => {
    let found = false;
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      if (vec.message != "ProduceRequest" || vec.variant != "full") continue;
      const req = ProduceRequest.decode(new Reader(hexToBytes(vec.hex)), vec.version);
      expect<string>(bytesToHex(req.topicData[0].partitionData[0].records!)).toBe(RECORDS_HEX);
      expect<bool>(req.topicData[0].partitionData[1].records === null).toBe(true);
      found = true;
    }
    expect<bool>(found).toBe(true);
  });

  it("carries fetched records as opaque bytes, null and empty kept apart", () => {
    let count = 0;
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      if (vec.message != "FetchResponse" || vec.variant != "full") continue;
      const r = new Reader(hexToBytes(vec.hex));
      const res = FetchResponse.decode(r, vec.version);
      expect<bool>(r.failed).toBe(false, label(i));
      const p0 = res.responses[0].partitions[0];
      expect<string>(bytesToHex(p0.records!)).toBe(RECORDS_HEX, label(i));
      expect<i32>(p0.abortedTransactions!.length).toBe(2, label(i));
      const p1 = res.responses[0].partitions[1];
      expect<bool>(p1.records === null).toBe(true, label(i));
      expect<bool>(p1.abortedTransactions === null).toBe(true, label(i));
      const p2 = res.responses[1].partitions[0];
      expect<bool>(p2.records !== null && p2.records!.length == 0).toBe(true, label(i));
      count++;
    }
    expect<i32>(count).toBe(17); // v4..v18, plus v12 and v16 with unknown tagged fields
  });
});

describe("round trip of every version", () => {
  it("encodes, decodes to equal fields, and re-encodes to equal bytes", () => {
    let count = 0;
    for (let m = 0; m < MESSAGE_NAMES.length; m++) {
      const name = MESSAGE_NAMES[m];
      const range = versionRange(name);
      const variants = variantsOf(name);
      for (let v = <i16>range[0]; v <= <i16>range[1]; v++) {
        for (let k = 0; k < variants.length; k++) {
          if (!variantExists(name, variants[k], v)) continue;
          const what = name + " v" + v.toString() + " " + variants[k];
          const w = new Writer(16);
          buildAndEncode(name, variants[k], v, w);
          const bytes = toBytes(w);
          const r = new Reader(bytes);
          expect<string>(decodeAndDiff(name, variants[k], r, v)).toBe("", what);
          expect<bool>(r.failed).toBe(false, what);
          expect<i32>(r.remaining()).toBe(0, what);
          const w2 = new Writer(16);
          decodeAndEncode(name, new Reader(bytes), v, w2);
          expect<string>(bytesToHex(toBytes(w2))).toBe(bytesToHex(bytes), what);
          count++;
        }
      }
    }
    expect<i32>(count).toBeGreaterThan(100);
  });

  it("encodes request header v0 without a client id", () => {
    const h = new RequestHeader();
    h.requestApiKey = 7;
    h.requestApiVersion = 0;
    h.correlationId = 5;
    h.clientId = "ignored";
    const w = new Writer();
    h.encode(w, 0);
    expect<string>(bytesToHex(toBytes(w))).toBe("0007000000000005");
  });

  it("silently skips fields absent from the version being encoded", () => {
    const m = new MetadataRequest();
    m.topics = null; // not nullable in v0: written as an empty array
    m.allowAutoTopicCreation = false; // v4+
    const w = new Writer();
    m.encode(w, 0);
    expect<string>(bytesToHex(toBytes(w))).toBe("00000000");
  });

  it("leaves default tagged fields out", () => {
    const w = new Writer();
    new ProduceResponse().encode(w, 10);
    // empty responses, throttle 0, no tagged fields
    expect<string>(bytesToHex(toBytes(w))).toBe("010000000000");
  });
});

describe("API key table", () => {
  it("matches Kafka's ApiMessageType for every key", () => {
    expect<i32>(API_KEYS.length).toBe(JAVA_API_KEYS.length);
    for (let i = 0; i < JAVA_API_KEYS.length; i++) {
      const j = JAVA_API_KEYS[i];
      const info = apiKeyInfo(j.apiKey);
      expect<bool>(info !== null).toBe(true, j.name);
      const k = info!;
      expect<string>(k.name).toBe(j.name);
      expect<bool>(k.latestVersionUnstable).toBe(j.latestVersionUnstable, j.name);
      if (j.highest < j.lowest) {
        // No valid version left in this release (e.g. LeaderAndIsr).
        expect<i16>(k.minVersion).toBe(-1, j.name);
        expect<i16>(k.maxVersion).toBe(-1, j.name);
      } else {
        expect<i16>(k.minVersion).toBe(j.lowest, j.name);
        expect<i16>(k.maxVersion).toBe(j.highest, j.name);
      }
    }
  });

  it("gives Kafka's header versions for every valid version of every key", () => {
    let checked = 0;
    for (let i = 0; i < JAVA_API_KEYS.length; i++) {
      const j = JAVA_API_KEYS[i];
      const hv = j.headerVersions;
      for (let n = 0; n < hv.length / 2; n++) {
        const v = <i16>(j.lowest + n);
        const what = j.name + " v" + v.toString();
        expect<i16>(requestHeaderVersion(j.apiKey, v)).toBe(hv[2 * n], what + " request header");
        expect<i16>(responseHeaderVersion(j.apiKey, v)).toBe(hv[2 * n + 1], what + " response header");
        checked++;
      }
    }
    expect<i32>(checked).toBeGreaterThan(250);
  });

  it("handles the special cases and unknown keys", () => {
    expect<i16>(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect<i16>(requestHeaderVersion(ApiKey.ControlledShutdown, 1)).toBe(1);
    expect<i16>(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
    expect<i16>(requestHeaderVersion(ApiKey.ApiVersions, 4)).toBe(2);
    expect<i16>(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect<i16>(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect<i16>(responseHeaderVersion(ApiKey.Produce, 9)).toBe(1);
    expect<i16>(requestHeaderVersion(-1, 0)).toBe(-1);
    expect<i16>(requestHeaderVersion(9999, 0)).toBe(-1);
    expect<i16>(responseHeaderVersion(9999, 0)).toBe(-1);
    expect<bool>(apiKeyInfo(-5) === null).toBe(true);
  });
});
