// Writes the consumer and group seeds of the fuzz corpus (tests/fixtures/corpus/lib-<key>v<version>-<n>.bin):
// requests built with the wire library (tests/lib/kafka) at the versions real clients use, for
// what the capture (capture-corpus.sh) does not reach: kcat's consumers stop at the first request
// the mesh does not serve yet, and no client sends every version. Topic ids (Fetch v13+) are the
// ones the build's Metadata answers give. Usage: node --import tsx tests/fuzz/seed-consumer.ts <outDir>
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as k from "../lib/kafka/index.ts";
import { MeshVm } from "../wasm-host/host.ts";
import { learnTopicIds } from "./cases.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = path.resolve(process.argv[2] ?? path.join(ROOT, "tests/fixtures/corpus"));
const config = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference.json"), "utf8"));
const ids = learnTopicIds(await MeshVm.load(path.join(ROOT, "build/kafka_mesh.wasm"), config));
const id = (name: string): string => ids.get(name) ?? "0".repeat(31) + "1";

const fetch = (v: number) => ({
  replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [
    { topic: "apple", topicId: id("apple"), partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576 }] },
    { topic: "b-orders", topicId: id("b-orders"), partitions: [0, 1, 2, 3, 4].map((p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: BigInt(p * 10), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576 })) },
  ].slice(0, v % 2 === 0 ? 2 : 1),
  forgottenTopicsData: [], rackId: "",
});
const group = "corpus-group";
const seeds: Array<[number, number[], (v: number) => k.Data]> = [
  [k.ApiKey.Fetch, [4, 12, 13, 18], fetch],
  [k.ApiKey.ListOffsets, [1, 7], () => ({ replicaId: -1, isolationLevel: 1, topics: [{ name: "apple", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }, { name: "b-orders", partitions: [{ partitionIndex: 3, timestamp: -1n }] }], timeoutMs: 30000 })],
  [k.ApiKey.FindCoordinator, [3, 4], () => ({ key: group, keyType: 0, coordinatorKeys: [group, "billing-1"] })],
  [k.ApiKey.JoinGroup, [5, 9], () => ({ groupId: group, sessionTimeoutMs: 45000, rebalanceTimeoutMs: 300000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: Buffer.from("0000000000010005" + "6170706c65" + "ffffffff", "hex") }, { name: "cooperative-sticky", metadata: Buffer.from([0, 3, 0, 0, 0, 0]) }], reason: null })],
  [k.ApiKey.SyncGroup, [5], () => ({ groupId: group, generationId: 1, memberId: "corpus-1", groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId: "corpus-1", assignment: Buffer.from([0, 3, 0, 0, 0, 1, 0, 5, 97, 112, 112, 108, 101, 0, 0, 0, 1, 0, 0, 0, 0, 255, 255, 255, 255]) }] })],
  [k.ApiKey.Heartbeat, [4], () => ({ groupId: group, generationId: 1, memberId: "corpus-1", groupInstanceId: null })],
  [k.ApiKey.LeaveGroup, [5], () => ({ groupId: group, memberId: "corpus-1", members: [{ memberId: "corpus-1", groupInstanceId: null, reason: "the consumer is being closed" }] })],
  [k.ApiKey.OffsetCommit, [8], () => ({ groupId: group, generationIdOrMemberEpoch: 1, memberId: "corpus-1", groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: "apple", partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: 0, committedMetadata: "" }] }, { name: "b-orders", partitions: [{ partitionIndex: 2, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }] })],
  [k.ApiKey.OffsetFetch, [7, 8], (v) => ({ groupId: group, topics: v === 7 ? null : [{ name: "apple", partitionIndexes: [0] }, { name: "b-orders", partitionIndexes: [0, 2] }], groups: [{ groupId: group, memberId: v >= 9 ? "corpus-1" : null, memberEpoch: -1, topics: v === 8 ? null : [{ name: "apple", partitionIndexes: [0] }] }, { groupId: "billing-1", topics: null }], requireStable: true })],
  [k.ApiKey.DescribeGroups, [5], () => ({ groups: [group, "billing-1"], includeAuthorizedOperations: false })],
  [k.ApiKey.ListGroups, [4], (v) => ({ statesFilter: v >= 4 ? ["Stable"] : [], typesFilter: [] })],
];
fs.mkdirSync(out, { recursive: true });
let n = 0;
for (const [key, versions, body] of seeds) {
  for (const v of versions) {
    fs.writeFileSync(path.join(out, `lib-${key}v${v}-0.bin`), k.consumerRequest(key, v, 1, body(v), "corpus-lib"));
    n++;
  }
}
console.log(`seed-consumer: ${n} frames in ${out}`);
