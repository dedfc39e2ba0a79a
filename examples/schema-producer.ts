// An Avro producer through the mesh (docs/schemas.md): registers the value schema of
// `apples-avro-orders` in the stack's schema registry, encodes each record in the Confluent wire
// format (magic byte 0, the 4-byte schema id, the Avro binary) and produces the records through
// Envoy with kafkajs. Envoy's filter checks them against the registry (topic_policies: the
// `apples-avro` prefix wants AVRO values that decode against their schema) before they reach c1.
//
//   node --import tsx examples/schema-producer.ts [--count N] [--invalid]
//
// --invalid then sends two records the policy refuses, one at a time: a value without the
// framing, and one whose Avro payload does not match its schema (a valid one cut short). The
// mesh answers each with INVALID_RECORD and writes nothing of it; the exit status is 1 when one
// was accepted.
// Runs against the stack `make up` starts (examples/reference.json; STACK_CONFIG and
// STACK_PORT_OFFSET as for the stack).
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import kafkajs from "kafkajs";
import { field } from "../tests/e2e/json.ts";
import { stackPorts } from "../tests/e2e/stack-ports.ts";

const { Kafka, logLevel } = kafkajs;

const TOPIC = "apples-avro-orders";
/** topic_policies' default subject strategy (topic_name): <topic>-value. */
const SUBJECT = `${TOPIC}-value`;

/** The value schema: an order, with a logical type and an enum the filter decodes too. */
export const ORDER_SCHEMA = {
  type: "record",
  name: "Order",
  namespace: "mesh.examples",
  fields: [
    { name: "id", type: "string" },
    { name: "customer", type: "string" },
    { name: "amount_cents", type: "long" },
    { name: "currency", type: { type: "enum", name: "Currency", symbols: ["EUR", "USD", "GBP"] } },
    { name: "created", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "note", type: ["null", "string"], default: null },
  ],
} as const;

function usage(): never {
  console.error("usage: node --import tsx examples/schema-producer.ts [--count N] [--invalid]");
  process.exit(2);
}

const args = process.argv.slice(2);
let count = 5;
let invalid = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--count") count = Number(args[++i]);
  else if (args[i] === "--invalid") invalid = true;
  else usage();
}
if (!Number.isInteger(count) || count < 1 || count > 100000) usage();

const ports = stackPorts();
if (ports.registry === null) {
  console.error(`the plugin config has no schema_registry section: nothing checks schemas (docs/schemas.md)`);
  process.exit(1);
}

// The registry directly (the filter reaches it through Envoy's schema_registry cluster).
const registry = new SchemaRegistry({ host: ports.registry, clientId: "kafka-mesh-schema-producer" });
const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER_SCHEMA) }, { subject: SUBJECT });
console.log(`registry ${ports.registry}: subject ${SUBJECT} -> schema id ${id}`);

const kafka = new Kafka({ clientId: "kafka-mesh-schema-producer", brokers: [ports.envoy], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 200 } });
const producer = kafka.producer();
await producer.connect();
console.log(`kafkajs producer -> Envoy ${ports.envoy} (its only broker), topic ${TOPIC}\n`);

const now = Date.now();
const messages = [];
for (let n = 0; n < count; n++) {
  const order = { id: `order-${now}-${n}`, customer: `customer-${n % 3}`, amount_cents: 1999 + n, currency: (["EUR", "USD", "GBP"] as const)[n % 3], created: now + n, note: n % 2 ? null : "gift wrap" };
  messages.push({ key: order.id, value: await registry.encode(id, order) });
}
const framing = (b: Buffer) => `${b.subarray(0, 5).toString("hex")} + ${b.length - 5} bytes of Avro`;
const [told] = await producer.send({ topic: TOPIC, acks: -1, messages });
console.log(`${count} record(s) accepted: partition ${told.partition}, offsets ${told.baseOffset}..${Number(told.baseOffset) + count - 1}`);
console.log(`  first value: ${framing(messages[0].value)} (magic 0, schema id ${id})`);

let allRefused = true;
if (invalid) {
  const cases = [
    // No Confluent framing at all: the policy requires it.
    { what: "a value without framing (JSON text)", value: Buffer.from(JSON.stringify({ id: "order-unframed", amount_cents: 1 })) },
    // The framing names the schema, but the payload is the first record's cut short by 3
    // bytes: its last field (the note "gift wrap") ends early, so it does not decode.
    { what: "a payload cut short", value: messages[0].value.subarray(0, messages[0].value.length - 3) },
  ];
  console.log("");
  for (const c of cases) {
    try {
      const [m] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: "invalid", value: c.value }] });
      allRefused = false;
      console.log(`invalid record, ${c.what}: ACCEPTED at partition ${m.partition} offset ${m.baseOffset} (this Envoy does not check it)`);
    } catch (e) {
      const err = field(e, "type") ? e : field(e, "cause") ?? e;
      console.log(`invalid record, ${c.what}: refused with ${String(field(err, "type") ?? field(err, "name"))} (error code ${String(field(err, "code") ?? "?")}): ${String(field(err, "message"))}`);
    }
  }
}
await producer.disconnect();
process.exit(allRefused ? 0 : 1);
