// Consumer groups through the mesh: FindCoordinator answered by the filter, the group APIs
// forwarded to the group's cluster (group_rules), DescribeGroups and ListGroups merged.
import { KafkaError } from "../../assembly/kafka/errors";
import { RECONNECT_MIN_MS } from "../../assembly/mesh/upstream_channel";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { DescribeGroupsRequest } from "../../assembly/kafka/messages/describe_groups_request";
import { DescribedGroup, DescribeGroupsResponse } from "../../assembly/kafka/messages/describe_groups_response";
import { FindCoordinatorRequest } from "../../assembly/kafka/messages/find_coordinator_request";
import { FindCoordinatorResponse } from "../../assembly/kafka/messages/find_coordinator_response";
import { HeartbeatRequest } from "../../assembly/kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../assembly/kafka/messages/heartbeat_response";
import { JoinGroupRequest, JoinGroupRequestProtocol } from "../../assembly/kafka/messages/join_group_request";
import { JoinGroupResponse } from "../../assembly/kafka/messages/join_group_response";
import { LeaveGroupRequest } from "../../assembly/kafka/messages/leave_group_request";
import { LeaveGroupResponse } from "../../assembly/kafka/messages/leave_group_response";
import { ListGroupsRequest } from "../../assembly/kafka/messages/list_groups_request";
import { ListedGroup, ListGroupsResponse } from "../../assembly/kafka/messages/list_groups_response";
import { SyncGroupRequest } from "../../assembly/kafka/messages/sync_group_request";
import { SyncGroupResponse } from "../../assembly/kafka/messages/sync_group_response";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { supportedApi } from "../../assembly/mesh/supported_apis";
import { toBytes } from "./helpers/wire";
import { C1, C2, ForwardStreams, groupsMesh } from "./forward_harness";
import { beginRequest, endRequest, newConnection, splitAnswers } from "./mesh_harness";

const COORDINATOR_NOT_AVAILABLE: i16 = 15;
const INVALID_GROUP_ID: i16 = 24;

function findCoordinator(version: i16, keyType: i8, keys: Array<string>): FindCoordinatorResponse {
  const c = newConnection(groupsMesh(new ForwardStreams()));
  const req = new FindCoordinatorRequest();
  req.key = keys[0];
  req.keyType = keyType;
  req.coordinatorKeys = keys;
  const w = new Writer();
  const start = beginRequest(w, ApiKey.FindCoordinator, version, 3);
  req.encode(w, version);
  endRequest(w, start);
  c.onData(toBytes(w));
  const a = splitAnswers(c.takeAnswers(), ApiKey.FindCoordinator, version);
  expect<i32>(a.length).toBe(1);
  expect<i32>(a[0].correlationId).toBe(3);
  const resp = FindCoordinatorResponse.decode(a[0].body, version);
  expect<bool>(a[0].body.failed).toBe(false);
  expect<i32>(a[0].body.remaining()).toBe(0);
  return resp;
}

describe("FindCoordinator", () => {
  it("answers the advertised broker for a group a rule places, at every version 0-3", () => {
    for (let v: i16 = 0; v <= 3; v++) {
      const resp = findCoordinator(v, 0, ["g-orders"]);
      expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
      expect<i32>(resp.nodeId).toBe(7);
      expect<string>(resp.host).toBe("mesh.local");
      expect<i32>(resp.port).toBe(19092);
    }
  });
  it("refuses a group no rule places with INVALID_GROUP_ID naming it", () => {
    const resp = findCoordinator(2, 0, ["other"]);
    expect<i16>(resp.errorCode).toBe(INVALID_GROUP_ID);
    expect<i32>(resp.nodeId).toBe(-1);
    expect<bool>(resp.errorMessage!.includes("'other'")).toBe(true);
  });
  it("refuses transactional ids and unknown key types", () => {
    expect<i16>(findCoordinator(1, 1, ["tx"]).errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect<i16>(findCoordinator(3, 5, ["g"]).errorCode).toBe(KafkaError.INVALID_REQUEST);
  });
  it("answers every key of a batched request (v4-6) on its own", () => {
    for (let v: i16 = 4; v <= 6; v++) {
      const resp = findCoordinator(v, 0, ["g1", "nowhere", "billing-x"]);
      expect<i32>(resp.coordinators.length).toBe(3);
      expect<string>(resp.coordinators[0].key).toBe("g1");
      expect<i16>(resp.coordinators[0].errorCode).toBe(KafkaError.NONE);
      expect<i32>(resp.coordinators[0].nodeId).toBe(7);
      expect<i32>(resp.coordinators[0].port).toBe(19092);
      expect<i16>(resp.coordinators[1].errorCode).toBe(INVALID_GROUP_ID);
      expect<i16>(resp.coordinators[2].errorCode).toBe(KafkaError.NONE);
    }
    const tx = findCoordinator(4, 1, ["t1", "t2"]);
    expect<i16>(tx.coordinators[1].errorCode).toBe(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });
});

describe("advertised group APIs", () => {
  it("lists the classic group APIs with kafka-clients 4.1.1's stable ranges, and not ConsumerGroupHeartbeat", () => {
    const keys: i16[] = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch, ApiKey.DescribeGroups, ApiKey.ListGroups];
    const min: i16[] = [0, 0, 0, 0, 0, 2, 1, 0, 0];
    const max: i16[] = [6, 9, 5, 4, 5, 9, 9, 6, 5];
    for (let i = 0; i < keys.length; i++) {
      const api = supportedApi(keys[i])!;
      expect<bool>(api.served).toBe(true);
      expect<i16>(api.minVersion).toBe(min[i]);
      expect<i16>(api.maxVersion).toBe(max[i]);
    }
    expect<bool>(supportedApi(ApiKey.ConsumerGroupHeartbeat) === null).toBe(true);
    expect<bool>(supportedApi(ApiKey.OffsetForLeaderEpoch) === null).toBe(true);
  });
});

function joinFrame(w: Writer, version: i16, correlationId: i32, groupId: string): void {
  const req = new JoinGroupRequest();
  req.groupId = groupId;
  req.sessionTimeoutMs = 45000;
  req.rebalanceTimeoutMs = 60000;
  req.memberId = "";
  req.protocolType = "consumer";
  const p = new JoinGroupRequestProtocol();
  p.name = "range";
  p.metadata = Uint8Array.wrap(String.UTF8.encode("meta"));
  req.protocols.push(p);
  req.reason = "because";
  const start = beginRequest(w, ApiKey.JoinGroup, version, correlationId);
  req.encode(w, version);
  endRequest(w, start);
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("group requests forwarded to the group's cluster", () => {
  it("sends JoinGroup's body as the client wrote it, at its version, and passes the answer back", () => {
    for (let v: i16 = 0; v <= 9; v++) {
      const streams = new ForwardStreams();
      const c = newConnection(groupsMesh(streams));
      const w = new Writer();
      joinFrame(w, v, 40 + v, "billing-eu");
      const frame = toBytes(w);
      c.onData(frame);
      expect<i32>(streams.sent.length).toBe(1);
      const s = streams.sent[0];
      expect<string>(s.authority).toBe(C2);
      expect<i16>(s.apiKey).toBe(ApiKey.JoinGroup);
      expect<i16>(s.version).toBe(v);
      // The client's id too: the coordinator shows it as the member's client id.
      expect<string>(s.clientId!).toBe("unit-test");
      // The client's body, byte for byte, at the end of its frame.
      expect<bool>(sameBytes(s.body, frame.subarray(frame.length - s.body.length))).toBe(true);
      const decoded = JoinGroupRequest.decode(s.reader(), v);
      expect<string>(decoded.groupId).toBe("billing-eu");
      expect<bool>(c.takeAnswers() === null).toBe(true);

      const resp = new JoinGroupResponse();
      resp.generationId = 12;
      resp.memberId = "m-1";
      resp.leader = "m-1";
      resp.protocolName = "range";
      const rw = new Writer();
      resp.encode(rw, v);
      streams.respond(s, rw);
      const a = splitAnswers(c.takeAnswers(), ApiKey.JoinGroup, v);
      expect<i32>(a.length).toBe(1);
      expect<i32>(a[0].correlationId).toBe(40 + v);
      const back = JoinGroupResponse.decode(a[0].body, v);
      expect<i32>(back.generationId).toBe(12);
      expect<string>(back.memberId).toBe("m-1");
      expect<i32>(a[0].body.remaining()).toBe(0);
    }
  });
  it("gives a JoinGroup the rebalance timeout plus upstream_timeout_ms before its stream counts as lost", () => {
    const streams = new ForwardStreams();
    const mesh = groupsMesh(streams);
    const c = newConnection(mesh);
    const w = new Writer();
    joinFrame(w, 5, 1, "g1");
    c.onData(toBytes(w));
    // 60 s rebalance + 30 s upstream + 5 s grace.
    mesh.tick(mesh.metrics.nowMillis() + 94000);
    expect<i32>(streams.cancelled.length).toBe(0);
    mesh.tick(mesh.metrics.nowMillis() + 96000);
    expect<i32>(streams.cancelled.length).toBe(1);
    const a = splitAnswers(c.takeAnswers(), ApiKey.JoinGroup, 5);
    const back = JoinGroupResponse.decode(a[0].body, 5);
    expect<i16>(back.errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<i32>(back.generationId).toBe(-1);
  });
  it("forwards SyncGroup, Heartbeat and LeaveGroup to the group's cluster at every version", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    for (let v: i16 = 0; v <= 5; v++) {
      const w = new Writer();
      const sync = new SyncGroupRequest();
      sync.groupId = "g1";
      sync.generationId = 3;
      sync.memberId = "m";
      let start = beginRequest(w, ApiKey.SyncGroup, v, 100 + v);
      sync.encode(w, v);
      endRequest(w, start);
      const leave = new LeaveGroupRequest();
      leave.groupId = "billing-1";
      leave.memberId = "m";
      start = beginRequest(w, ApiKey.LeaveGroup, v, 200 + v);
      leave.encode(w, v);
      endRequest(w, start);
      c.onData(toBytes(w));
    }
    for (let v: i16 = 0; v <= 4; v++) {
      const w = new Writer();
      const hb = new HeartbeatRequest();
      hb.groupId = "g1";
      hb.generationId = 3;
      hb.memberId = "m";
      const start = beginRequest(w, ApiKey.Heartbeat, v, 300 + v);
      hb.encode(w, v);
      endRequest(w, start);
      c.onData(toBytes(w));
    }
    expect<i32>(streams.to(C1).length).toBe(6 + 5);
    expect<i32>(streams.to(C2).length).toBe(6);
    for (let i = 0; i < streams.sent.length; i++) {
      const s = streams.sent[i];
      const rw = new Writer();
      if (s.apiKey == ApiKey.SyncGroup) {
        const r = new SyncGroupResponse();
        r.assignment = Uint8Array.wrap(String.UTF8.encode("a"));
        r.encode(rw, s.version);
      } else if (s.apiKey == ApiKey.LeaveGroup) new LeaveGroupResponse().encode(rw, s.version);
      else {
        const r = new HeartbeatResponse();
        r.errorCode = 27;
        r.encode(rw, s.version);
      }
      streams.respond(s, rw);
    }
    const out = c.takeAnswers()!;
    const r = new Reader(out);
    let n = 0;
    while (r.remaining() > 0) {
      const size = r.int32();
      r.skip(size);
      n++;
    }
    expect<i32>(n).toBe(17);
  });
  it("answers a group no rule places with INVALID_GROUP_ID and sends nothing", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const w = new Writer();
    const hb = new HeartbeatRequest();
    hb.groupId = "other";
    const start = beginRequest(w, ApiKey.Heartbeat, 4, 9);
    hb.encode(w, 4);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(0);
    const a = splitAnswers(c.takeAnswers(), ApiKey.Heartbeat, 4);
    expect<i32>(a[0].correlationId).toBe(9);
    expect<i16>(HeartbeatResponse.decode(a[0].body, 4).errorCode).toBe(INVALID_GROUP_ID);
  });
  it("answers COORDINATOR_NOT_AVAILABLE when the stream is lost or the answer does not parse", () => {
    const streams = new ForwardStreams();
    const mesh = groupsMesh(streams);
    const c = newConnection(mesh);
    const w = new Writer();
    const sync = new SyncGroupRequest();
    sync.groupId = "g1";
    let start = beginRequest(w, ApiKey.SyncGroup, 5, 1);
    sync.encode(w, 5);
    endRequest(w, start);
    c.onData(toBytes(w));
    streams.close(streams.sent[0].stream, 14);
    let a = splitAnswers(c.takeAnswers(), ApiKey.SyncGroup, 5);
    const resp = SyncGroupResponse.decode(a[0].body, 5);
    expect<i16>(resp.errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<i32>(a[0].body.remaining()).toBe(0);

    mesh.tick(RECONNECT_MIN_MS); // the next stream opens once the reconnect delay passed
    const w2 = new Writer();
    start = beginRequest(w2, ApiKey.SyncGroup, 5, 2);
    sync.encode(w2, 5);
    endRequest(w2, start);
    c.onData(toBytes(w2));
    // The right correlation id, a body cut short.
    const bad = new Writer();
    bad.int32(0);
    bad.int16(0);
    streams.respond(streams.sent[1], bad);
    expect<i32>(streams.cancelled.length).toBe(1);
    a = splitAnswers(c.takeAnswers(), ApiKey.SyncGroup, 5);
    expect<i16>(SyncGroupResponse.decode(a[0].body, 5).errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
  });
  it("closes the connection on a malformed group request", () => {
    const c = newConnection(groupsMesh(new ForwardStreams()));
    const w = new Writer();
    const start = beginRequest(w, ApiKey.JoinGroup, 5, 1);
    w.int16(100);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(true);
  });
});

function described(id: string, state: string): DescribedGroup {
  const g = new DescribedGroup();
  g.groupId = id;
  g.groupState = state;
  g.protocolType = "consumer";
  return g;
}

describe("DescribeGroups", () => {
  it("asks each group's cluster for its groups and answers in request order", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new DescribeGroupsRequest();
    req.groups = ["g1", "billing-x", "other", "g2"];
    req.includeAuthorizedOperations = true;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.DescribeGroups, 5, 8);
    req.encode(w, 5);
    endRequest(w, start);
    c.onData(toBytes(w));
    const toC1 = streams.to(C1);
    const toC2 = streams.to(C2);
    expect<i32>(toC1.length).toBe(1);
    expect<i32>(toC2.length).toBe(1);
    const asked1 = DescribeGroupsRequest.decode(toC1[0].reader(), 5);
    expect<i32>(asked1.groups.length).toBe(2);
    expect<string>(asked1.groups[1]).toBe("g2");
    expect<bool>(asked1.includeAuthorizedOperations).toBe(true);

    const r2 = new DescribeGroupsResponse();
    r2.groups.push(described("billing-x", "Stable"));
    let rw = new Writer();
    r2.encode(rw, 5);
    streams.respond(toC2[0], rw);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    const r1 = new DescribeGroupsResponse();
    r1.throttleTimeMs = 5;
    r1.groups.push(described("g2", "Empty"));
    r1.groups.push(described("g1", "PreparingRebalance"));
    rw = new Writer();
    r1.encode(rw, 5);
    streams.respond(toC1[0], rw);
    const a = splitAnswers(c.takeAnswers(), ApiKey.DescribeGroups, 5);
    expect<i32>(a[0].correlationId).toBe(8);
    const resp = DescribeGroupsResponse.decode(a[0].body, 5);
    expect<i32>(resp.throttleTimeMs).toBe(5);
    expect<i32>(resp.groups.length).toBe(4);
    expect<string>(resp.groups[0].groupState).toBe("PreparingRebalance");
    expect<string>(resp.groups[1].groupState).toBe("Stable");
    expect<i16>(resp.groups[2].errorCode).toBe(INVALID_GROUP_ID);
    expect<string>(resp.groups[2].groupId).toBe("other");
    expect<string>(resp.groups[3].groupState).toBe("Empty");
  });
  it("answers COORDINATOR_NOT_AVAILABLE for the groups of a cluster whose stream is lost", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new DescribeGroupsRequest();
    req.groups = ["g1", "billing-x"];
    const w = new Writer();
    const start = beginRequest(w, ApiKey.DescribeGroups, 0, 8);
    req.encode(w, 0);
    endRequest(w, start);
    c.onData(toBytes(w));
    streams.close(streams.to(C1)[0].stream, 14);
    const r2 = new DescribeGroupsResponse();
    r2.groups.push(described("billing-x", "Stable"));
    const rw = new Writer();
    r2.encode(rw, 0);
    streams.respond(streams.to(C2)[0], rw);
    const resp = DescribeGroupsResponse.decode(splitAnswers(c.takeAnswers(), ApiKey.DescribeGroups, 0)[0].body, 0);
    expect<i16>(resp.groups[0].errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<string>(resp.groups[0].groupId).toBe("g1");
    expect<i16>(resp.groups[1].errorCode).toBe(KafkaError.NONE);
  });
});

function listed(id: string): ListedGroup {
  const g = new ListedGroup();
  g.groupId = id;
  g.protocolType = "consumer";
  g.groupState = "Stable";
  g.groupType = "classic";
  return g;
}

describe("ListGroups", () => {
  it("asks every cluster a group rule names and keeps from each the groups the rules place there", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new ListGroupsRequest();
    req.statesFilter = ["Stable"];
    const w = new Writer();
    const start = beginRequest(w, ApiKey.ListGroups, 4, 2);
    req.encode(w, 4);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(2);
    expect<string>(ListGroupsRequest.decode(streams.to(C2)[0].reader(), 4).statesFilter[0]).toBe("Stable");
    const r1 = new ListGroupsResponse();
    r1.groups = [listed("g1"), listed("billing-a"), listed("other")];
    let rw = new Writer();
    r1.encode(rw, 4);
    streams.respond(streams.to(C1)[0], rw);
    const r2 = new ListGroupsResponse();
    r2.groups = [listed("billing-a"), listed("g1")];
    rw = new Writer();
    r2.encode(rw, 4);
    streams.respond(streams.to(C2)[0], rw);
    const resp = ListGroupsResponse.decode(splitAnswers(c.takeAnswers(), ApiKey.ListGroups, 4)[0].body, 4);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.groups.length).toBe(2);
    expect<string>(resp.groups[0].groupId).toBe("g1");
    expect<string>(resp.groups[1].groupId).toBe("billing-a");
  });
  it("answers COORDINATOR_NOT_AVAILABLE when a cluster's stream is lost", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const w = new Writer();
    const start = beginRequest(w, ApiKey.ListGroups, 0, 2);
    new ListGroupsRequest().encode(w, 0);
    endRequest(w, start);
    c.onData(toBytes(w));
    const r1 = new ListGroupsResponse();
    r1.groups = [listed("g1")];
    const rw = new Writer();
    r1.encode(rw, 0);
    streams.respond(streams.to(C1)[0], rw);
    streams.close(streams.to(C2)[0].stream, 14);
    const resp = ListGroupsResponse.decode(splitAnswers(c.takeAnswers(), ApiKey.ListGroups, 0)[0].body, 0);
    expect<i16>(resp.errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
  });
});
