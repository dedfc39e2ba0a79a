// HTTP load client for a Strimzi-API bridge, batching records the way the mesh does: one
// POST /topics/{topic} per batch of records, with the body the filter writes (partition,
// Base64 value, timestamp per record). Records arrive at a fixed rate (or as fast as the
// batches are taken, for max-rate runs); a batch leaves when it is full or its first record
// has waited `linger` ms, on a free keep-alive socket (connections x inflight sockets).
// Latency per record: answer time - arrival time. Prints one JSON line.
//
// node --import tsx bridge-load.ts --url http://127.0.0.1:8080 --topic apples --record-size 1024
//   --num-records 100000 --batch 15 --connections 1 --inflight 5 --linger 5 [--rate 10000] [--max-seconds 30]
import http from "node:http";
import { payload } from "./payload.ts";

const args: Record<string, string | undefined> = Object.fromEntries(
  process.argv.slice(2).reduce<Array<[string, string | undefined]>>((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const url = new URL(String(args.url));
const topic = String(args.topic);
const size = Number(args["record-size"] ?? 1024);
const total = Number(args["num-records"] ?? 10000);
const batchMax = Math.max(1, Math.round(Number(args.batch ?? 15)));
const sockets = Number(args.connections ?? 1) * Number(args.inflight ?? 5);
const linger = Number(args.linger ?? 5);
const rate = Number(args.rate ?? 0); // records/s; 0 = max
const maxSeconds = Number(args["max-seconds"] ?? 60);

const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
const value = payload(size).toString("base64");
const latencies = new Float64Array(total);
let arrived = 0; // records that have arrived so far
let sent = 0; // records handed to a request
let done = 0;
let failed = 0;
let retries = 0; // requests sent again after the connection was reset before any answer
let firstError: string | null = null; // what the first failed request got, for the report
let busy = 0;
let firstAt = 0;
const start = performance.now();
const arrivals = rate > 0 ? new Float64Array(total) : null;

function body(n: number): string {
  const ts = Date.now();
  let s = '{"records":[';
  for (let i = 0; i < n; i++) s += (i ? "," : "") + '{"partition":0,"value":"' + value + '","timestamp":' + ts + "}";
  return s + "]}";
}

function post(from: number, n: number, arrivedAt: number, attempt = 0): void {
  if (attempt === 0) busy++;
  const data = body(n);
  const req = http.request(
    {
      agent,
      host: url.hostname,
      port: url.port,
      method: "POST",
      path: "/topics/" + topic,
      headers: { "content-type": "application/vnd.kafka.binary.v2+json", accept: "application/vnd.kafka.v2+json", "content-length": Buffer.byteLength(data) },
    },
    (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const now = performance.now();
        let ok = res.statusCode === 200;
        if (ok) {
          ok = offsetsOk(JSON.parse(Buffer.concat(chunks).toString()) as unknown, n);
        }
        if (!ok) {
          failed += n;
          firstError ??= `HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`;
        }
        for (let i = 0; i < n; i++) latencies[from + i] = now - (arrivals ? arrivals[from + i] : arrivedAt);
        done += n;
        busy--;
        pump();
      });
    },
  );
  req.on("error", (e: NodeJS.ErrnoException) => {
    // A keep-alive socket the server dropped: send once more on another socket, as an HTTP
    // client pool does for an idempotent retry; counted in the output.
    if (attempt === 0 && (e.code === "ECONNRESET" || /socket hang up/.test(String(e)))) {
      retries++;
      post(from, n, arrivedAt, 1);
      return;
    }
    failed += n;
    firstError ??= String(e);
    done += n;
    busy--;
    pump();
  });
  req.end(data);
}

function pump(): void {
  const now = performance.now();
  if (arrivals) { // rate > 0
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
    for (; arrived < due; arrived++) arrivals[arrived] = start + (arrived / rate) * 1000;
  } else {
    arrived = total; // every record is waiting: batches are as full as they can be
  }
  while (busy < sockets && sent < arrived) {
    const waiting = arrived - sent;
    const oldest = arrivals ? arrivals[sent] : now;
    if (waiting < batchMax && arrived < total && now - oldest < linger) break;
    const n = Math.min(batchMax, waiting);
    if (!firstAt) firstAt = now;
    post(sent, n, now);
    sent += n;
  }
  if (done >= total || now - start > maxSeconds * 1000) finish();
}

/** The bridge's answer holds one offset (>= 0) per record sent. */
function offsetsOk(answer: unknown, n: number): boolean {
  if (typeof answer !== "object" || answer === null || !("offsets" in answer) || !Array.isArray(answer.offsets)) return false;
  const offsets: unknown[] = answer.offsets;
  return offsets.length === n && offsets.every((o) => typeof o === "object" && o !== null && "offset" in o && typeof o.offset === "number" && o.offset >= 0);
}

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  clearInterval(tick);
  const elapsed = (performance.now() - firstAt) / 1000;
  const lat = Array.from(latencies.subarray(0, done)).sort((a, b) => a - b);
  const q = (p: number): number | null => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
  console.log(
    JSON.stringify({
      records: done,
      failed,
      retries,
      first_error: firstError,
      seconds: elapsed,
      records_per_s: done / elapsed,
      mb_per_s: (done * size) / elapsed / 1048576,
      latency_ms: { avg: lat.reduce((a, b) => a + b, 0) / (lat.length || 1), p50: q(0.5), p95: q(0.95), p99: q(0.99), p999: q(0.999), max: lat[lat.length - 1] ?? null },
    }),
  );
  agent.destroy();
  process.exit(0);
}

const tick = setInterval(pump, 1);
pump();
