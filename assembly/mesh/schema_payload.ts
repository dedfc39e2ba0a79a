// What a record's bytes say about their schema (docs/schemas.md): the Confluent wire format's
// schema id, and whether the payload decodes against the id's schema (schema/ decodes).
import { AvroSchema, avroValidate, parseAvroSchema } from "../schema/avro";
import { protobufPayloadStart, readFraming } from "../schema/framing";
import { JsonSchema, jsonSchemaValidate, parseJsonSchema } from "../schema/json_schema";
import { SCHEMA_AVRO, SCHEMA_JSON, SCHEMA_PROTOBUF } from "./schema_config";
import { SchemaEntry } from "./schema_registry";

/** readSchemaId of a framed key or value whose id is negative (no registry hands those out). */
export const FRAMED_NEGATIVE_ID: i32 = -2;

/**
 * The schema id of a key or value in the Confluent wire format, -1 when it is not framed so,
 * FRAMED_NEGATIVE_ID when framed with a negative id.
 */
export function readSchemaId(bytes: Uint8Array): i32 {
  const f = readFraming(bytes);
  if (!f.ok()) return -1;
  return f.schemaId >= 0 ? f.schemaId : FRAMED_NEGATIVE_ID;
}

/** The entry's schema parsed once (kept on the entry); its error in entry.parseError. */
function parsed(entry: SchemaEntry): Object | null {
  if (entry.parsed !== null || entry.parseError.length > 0) return entry.parsed;
  if (entry.schemaType == SCHEMA_AVRO) {
    const s = parseAvroSchema(entry.text);
    if (s.ok()) entry.parsed = s;
    else entry.parseError = s.error;
  } else if (entry.schemaType == SCHEMA_JSON) {
    const s = parseJsonSchema(entry.text);
    if (s.ok()) entry.parsed = s;
    else entry.parseError = s.error;
  }
  return entry.parsed;
}

/** The schema's record name for RecordNameStrategy: Avro's full name, JSON Schema's title; "" when none. */
export function recordNameOf(entry: SchemaEntry): string {
  const s = parsed(entry);
  if (s === null) return "";
  if (s instanceof AvroSchema) return (<AvroSchema>s).fullName();
  if (s instanceof JsonSchema) return (<JsonSchema>s).title;
  return "";
}

/** "" when the framed payload of `bytes` decodes against the entry's schema, else why not. */
export function checkPayload(entry: SchemaEntry, bytes: Uint8Array): string {
  if (entry.schemaType == SCHEMA_PROTOBUF) {
    // Protobuf: the message indexes after the id must be well formed (the payload is not decoded).
    return protobufPayloadStart(bytes) < 0 ? "malformed Protobuf message indexes" : "";
  }
  const f = readFraming(bytes);
  const s = parsed(entry);
  if (s === null) {
    // A schema built from references is not fetched whole: its payloads pass unchecked (docs/schemas.md).
    if (entry.hasReferences) return "";
    if (entry.parseError.length > 0) return "the registered schema cannot be used: " + entry.parseError;
    return "payload checks are not available for schema type " + entry.schemaType;
  }
  if (s instanceof AvroSchema) return avroValidate(<AvroSchema>s, bytes, f.payloadStart, bytes.length);
  return jsonSchemaValidate(<JsonSchema>s, bytes, f.payloadStart, bytes.length);
}
