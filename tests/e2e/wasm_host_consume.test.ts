// The consumer and group APIs of the built filter (docs/consumers.md) in the Node proxy-wasm host,
// on the native reference scenario (examples/reference.json: apple -> c1, a* -> c2, b* -> c3 with
// 5 partitions; no group_rules, so every group lives on c1), with the in-memory bridge answering
// the Forward streams (tests/wasm-host/native-bridge.ts). Run:
// node --import tsx --test tests/e2e/wasm_host_consume.test.ts (KAFKA_MESH_WASM=path runs another build)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type MeshConnection, MeshVm } from "../wasm-host/host.ts";
import * as k from "../lib/kafka/index.ts";
import {
  FORWARD_GRPC_METHOD, forwardAnswer, type ForwardAnswerOptions, type ForwardRequest, NATIVE_GRPC_SERVICE, readForward,
} from "../wasm-host/native-bridge.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WASM = process.env.KAFKA_MESH_WASM ? path.resolve(process.env.KAFKA_MESH_WASM) : path.join(ROOT, "build/kafka_mesh.wasm");
const CONFIG: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference.json"), "utf8"));

const NOT_LEADER_OR_FOLLOWER = 6;
const COORDINATOR_NOT_AVAILABLE = 15;

/** A Forward message the fake bridge received, with the cluster it went to. */
interface Forwarded extends ForwardRequest {
  cluster: string;
}

/** Answers every Forward message waiting on the VM's streams, well-formed; returns them. */
function serveForward(vm: MeshVm, o: ForwardAnswerOptions = {}): { got: Forwarded[]; delivered: Buffer } {
  const got: Forwarded[] = [];
  const out: Uint8Array[] = [];
  for (let round = 0; round < 4 && vm.unhandledGrpcMessages() > 0; round++) {
    for (const s of vm.grpcStreams) {
      if (s.method !== FORWARD_GRPC_METHOD) continue;
      assert.equal(s.service, NATIVE_GRPC_SERVICE);
      while (s.handled < s.messages.length) {
        const req = readForward(s.messages[s.handled++]);
        got.push({ ...req, cluster: s.cluster });
        const r = vm.answerGrpc(s.token, forwardAnswer(req, o));
        for (const d of r?.deliveries ?? []) out.push(d.delivered);
      }
    }
  }
  return { got, delivered: Buffer.concat(out) };
}

async function load(): Promise<MeshVm> {
  return MeshVm.load(WASM, CONFIG);
}

/** One request on `conn`, its Forward messages answered; the one response frame the client got. */
function exchange(vm: MeshVm, conn: MeshConnection, frame: Buffer, o: ForwardAnswerOptions = {}): { frame: Buffer; got: Forwarded[] } {
  const sent = conn.send(frame);
  const served = serveForward(vm, o);
  const frames = k.splitFrames(Buffer.concat([sent.delivered, served.delivered]));
  assert.equal(frames.length, 1, `one response (log: ${vm.log.slice(-3).map((l) => l.message).join(" | ")})`);
  return { frame: frames[0], got: served.got };
}

test("Fetch across two clusters: one response with every partition and the bridge's record batches byte for byte", async () => {
  const vm = await load();
  const conn = vm.connect();
  for (const v of [4, 11, 12]) {
    const batches = new Map<string, Buffer>();
    const records = (topic: string | null, partition: number, offset: bigint): Buffer => {
      const b = k.recordBatch(k.stringRecords([[`${topic}/${partition}`, `v${v} at ${offset}`]]), { baseTimestamp: 1_700_000_000_000 + partition });
      batches.set(`${topic}/${partition}`, b);
      return b;
    };
    const { frame, got } = exchange(vm, conn, k.fetchRequest(v, 100 + v, {
      replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [
        { topic: "apple", partitions: [{ partition: 0, fetchOffset: 5n, partitionMaxBytes: 1048576 }] },
        { topic: "b-orders", partitions: [0, 3, 4].map((p) => ({ partition: p, fetchOffset: BigInt(p), partitionMaxBytes: 1048576 })) },
      ],
      forgottenTopicsData: [],
    }), { records });
    assert.deepEqual(got.map((g) => [g.cluster, g.apiKey]).sort(), [["kafka_bridge_c1", 1], ["kafka_bridge_c3", 1]]);
    const res = k.readFetchResponse(frame, v);
    assert.equal(res.correlationId, 100 + v);
    const parts = res.responses.flatMap((t: k.Data) => t.partitions.map((p: k.Data) => [t.topic, p.partitionIndex, p.errorCode, Buffer.from(p.records ?? []).toString("hex")]));
    assert.deepEqual(parts, [
      ["apple", 0, 0, batches.get("apple/0")!.toString("hex")],
      ...[0, 3, 4].map((p) => ["b-orders", p, 0, batches.get(`b-orders/${p}`)!.toString("hex")]),
    ]);
  }
});

test("FindCoordinator names the advertised broker, one key (v0-3) or a batch of keys (v4+)", async () => {
  const vm = await load();
  const conn = vm.connect();
  for (const v of [0, 3]) {
    const { frame } = exchange(vm, conn, k.findCoordinatorRequest(v, v, { key: "g1", keyType: 0 }));
    const res = k.readFindCoordinatorResponse(frame, v);
    assert.deepEqual([res.errorCode, res.nodeId, res.host, res.port], [0, 0, "127.0.0.1", 19092]);
  }
  const { frame, got } = exchange(vm, conn, k.findCoordinatorRequest(6, 6, { keyType: 0, coordinatorKeys: ["g1", "billing-1"] }));
  assert.equal(got.length, 0, "answered by the mesh itself");
  const res = k.readFindCoordinatorResponse(frame, 6);
  assert.deepEqual(res.coordinators.map((c: k.Data) => [c.key, c.errorCode, c.nodeId, c.host, c.port]), [["g1", 0, 0, "127.0.0.1", 19092], ["billing-1", 0, 0, "127.0.0.1", 19092]]);
});

test("JoinGroup, SyncGroup, Heartbeat and LeaveGroup go whole to the group's cluster; answers come back under the client's correlation id", async () => {
  const vm = await load();
  const conn = vm.connect();
  const join = exchange(vm, conn, k.joinGroupRequest(9, 7001, {
    groupId: "g1", sessionTimeoutMs: 45000, rebalanceTimeoutMs: 300000, memberId: "", protocolType: "consumer", protocols: [{ name: "range", metadata: Buffer.from([0, 1, 2]) }],
  }), { memberId: "member-from-c1", generationId: 12 });
  assert.equal(join.got.length, 1);
  assert.equal(join.got[0].cluster, "kafka_bridge_c1");
  assert.deepEqual([join.got[0].apiKey, join.got[0].apiVersion, join.got[0].body.groupId], [k.ApiKey.JoinGroup, 9, "g1"]);
  const j = k.readJoinGroupResponse(join.frame, 9);
  assert.deepEqual([j.correlationId, j.errorCode, j.generationId, j.memberId], [7001, 0, 12, "member-from-c1"]);

  const sync = exchange(vm, conn, k.syncGroupRequest(5, 7002, { groupId: "g1", generationId: 12, memberId: "member-from-c1", protocolType: "consumer", protocolName: "range", assignments: [] }), { assignment: Buffer.from("assigned") });
  const s = k.readSyncGroupResponse(sync.frame, 5);
  assert.deepEqual([s.correlationId, s.errorCode, Buffer.from(s.assignment).toString()], [7002, 0, "assigned"]);

  const hb = exchange(vm, conn, k.heartbeatRequest(4, 7003, { groupId: "g1", generationId: 12, memberId: "member-from-c1" }), { error: () => 27 });
  assert.deepEqual([hb.got[0].cluster, k.readHeartbeatResponse(hb.frame, 4).correlationId, k.readHeartbeatResponse(hb.frame, 4).errorCode], ["kafka_bridge_c1", 7003, 27]);

  const leave = exchange(vm, conn, k.leaveGroupRequest(5, 7004, { groupId: "g1", members: [{ memberId: "member-from-c1", reason: "closing" }] }));
  const l = k.readLeaveGroupResponse(leave.frame, 5);
  assert.deepEqual([l.correlationId, l.errorCode, l.members.map((m: k.Data) => m.memberId)], [7004, 0, ["member-from-c1"]]);
});

test("ListOffsets is split by topic to each cluster and merged in request order", async () => {
  const vm = await load();
  const conn = vm.connect();
  const offsets: Record<string, bigint> = { apple: 77n, "b-orders": 900n };
  const { frame, got } = exchange(vm, conn, k.listOffsetsRequest(7, 9, {
    replicaId: -1, isolationLevel: 0,
    topics: [{ name: "b-orders", partitions: [{ partitionIndex: 2, timestamp: -1n }] }, { name: "apple", partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
  }), { offset: (t, p) => offsets[t!] + BigInt(p) });
  assert.deepEqual(got.map((g) => g.cluster).sort(), ["kafka_bridge_c1", "kafka_bridge_c3"]);
  const res = k.readListOffsetsResponse(frame, 7);
  assert.deepEqual(res.topics.map((t: k.Data) => [t.name, t.partitions.map((p: k.Data) => [p.partitionIndex, p.errorCode, p.offset])]), [
    ["b-orders", [[2, 0, 902n]]], ["apple", [[0, 0, 77n]]],
  ]);
});

test("OffsetCommit on the group's own cluster carries the member's generation; OffsetFetch reads committed offsets back", async () => {
  const vm = await load();
  const conn = vm.connect();
  const commit = exchange(vm, conn, k.offsetCommitRequest(8, 21, {
    groupId: "g1", generationIdOrMemberEpoch: 3, memberId: "m1", topics: [{ name: "apple", partitions: [{ partitionIndex: 0, committedOffset: 10n, committedMetadata: "" }] }],
  }));
  const c1 = commit.got.filter((g) => g.apiKey === k.ApiKey.OffsetCommit);
  assert.deepEqual(c1.map((g) => [g.cluster, g.body.generationIdOrMemberEpoch, g.body.memberId]), [["kafka_bridge_c1", 3, "m1"]]);
  const cr = k.readOffsetCommitResponse(commit.frame, 8);
  assert.deepEqual([cr.correlationId, cr.topics.map((t: k.Data) => [t.name, t.partitions.map((p: k.Data) => [p.partitionIndex, p.errorCode])])], [21, [["apple", [[0, 0]]]]]);

  const fetched = exchange(vm, conn, k.offsetFetchRequest(8, 22, { groups: [{ groupId: "g1", topics: [{ name: "apple", partitionIndexes: [0] }, { name: "b-orders", partitionIndexes: [1] }] }] }), { offset: (t) => (t === "apple" ? 10n : 20n) });
  const fr = k.readOffsetFetchResponse(fetched.frame, 8);
  assert.equal(fr.correlationId, 22);
  const parts = fr.groups.flatMap((g: k.Data) => g.topics.flatMap((t: k.Data) => t.partitions.map((p: k.Data) => [g.groupId, t.name, p.partitionIndex, p.committedOffset, p.errorCode])));
  assert.deepEqual(parts.sort(), [["g1", "apple", 0, 10n, 0], ["g1", "b-orders", 1, 20n, 0]]);
});

test("DescribeGroups and ListGroups are answered from the groups' cluster", async () => {
  const vm = await load();
  const conn = vm.connect();
  const d = exchange(vm, conn, k.describeGroupsRequest(5, 31, { groups: ["g1", "g2"], includeAuthorizedOperations: false }));
  assert.ok(d.got.every((g) => g.cluster === "kafka_bridge_c1"));
  const dr = k.readDescribeGroupsResponse(d.frame, 5);
  assert.deepEqual([dr.correlationId, dr.groups.map((g: k.Data) => [g.groupId, g.errorCode, g.groupState])], [31, [["g1", 0, "Stable"], ["g2", 0, "Stable"]]]);
  const l = exchange(vm, conn, k.listGroupsRequest(4, 32, { statesFilter: [] }), { groups: ["g1", "other"] });
  const lr = k.readListGroupsResponse(l.frame, 4);
  assert.equal(lr.correlationId, 32);
  assert.deepEqual(lr.groups.map((g: k.Data) => g.groupId).sort(), ["g1", "other"]);
});

test("a Forward stream closed mid-request: Fetch partitions NOT_LEADER_OR_FOLLOWER, a JoinGroup COORDINATOR_NOT_AVAILABLE", async () => {
  const vm = await load();
  const conn = vm.connect();
  const closeForward = (): Buffer => {
    const out: Uint8Array[] = [];
    for (const s of vm.grpcStreams) {
      if (s.method !== FORWARD_GRPC_METHOD || s.messages.length === s.handled) continue;
      s.handled = s.messages.length;
      for (const d of vm.closeGrpc(s.token, 14)?.deliveries ?? []) out.push(d.delivered);
    }
    return Buffer.concat(out);
  };
  const sent = conn.send(k.fetchRequest(12, 41, {
    maxWaitMs: 500, minBytes: 1, topics: [{ topic: "apple", partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1048576 }] }],
  }));
  assert.equal(sent.delivered.length, 0, "waits for the bridge");
  const [f] = k.splitFrames(closeForward());
  const fr = k.readFetchResponse(f, 12);
  assert.equal(fr.correlationId, 41);
  assert.deepEqual(fr.responses.flatMap((t: k.Data) => t.partitions.map((p: k.Data) => [t.topic, p.partitionIndex, p.errorCode])), [["apple", 0, NOT_LEADER_OR_FOLLOWER]]);

  vm.advanceTime(50); // past the filter's reconnect delay after a lost stream
  const joined = conn.send(k.joinGroupRequest(7, 42, { groupId: "g1", sessionTimeoutMs: 45000, rebalanceTimeoutMs: 300000, memberId: "", protocolType: "consumer", protocols: [] }));
  assert.equal(joined.delivered.length, 0);
  const [j] = k.splitFrames(closeForward());
  const jr = k.readJoinGroupResponse(j, 7);
  assert.deepEqual([jr.correlationId, jr.errorCode], [42, COORDINATOR_NOT_AVAILABLE]);
  assert.equal(vm.metric("kafka_mesh.pending_requests"), 0);
});
