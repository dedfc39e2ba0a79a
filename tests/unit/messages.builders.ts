// Builds, with the AssemblyScript codec, the same messages codegen/vectors/MessageVectors.java
// builds with Kafka's Java classes (same variant names, same values, same version
// conditions), and compares decoded messages field by field.

import { Reader, Writer } from "../../assembly/kafka/wire";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { ApiVersionsRequest } from "../../assembly/kafka/messages/api_versions_request";
import {
  ApiVersionsResponse,
  ApiVersion,
  SupportedFeatureKey,
  FinalizedFeatureKey,
} from "../../assembly/kafka/messages/api_versions_response";
import { MetadataRequest, MetadataRequestTopic } from "../../assembly/kafka/messages/metadata_request";
import {
  MetadataResponse,
  MetadataResponseBroker,
  MetadataResponseTopic,
  MetadataResponsePartition,
} from "../../assembly/kafka/messages/metadata_response";
import {
  ProduceRequest,
  TopicProduceData,
  PartitionProduceData,
} from "../../assembly/kafka/messages/produce_request";
import {
  ProduceResponse,
  TopicProduceResponse,
  PartitionProduceResponse,
  BatchIndexAndErrorMessage,
  LeaderIdAndEpoch,
  NodeEndpoint,
} from "../../assembly/kafka/messages/produce_response";
import { InitProducerIdRequest } from "../../assembly/kafka/messages/init_producer_id_request";
import { InitProducerIdResponse } from "../../assembly/kafka/messages/init_producer_id_response";
import {
  FetchRequest,
  FetchTopic,
  FetchPartition,
  ForgottenTopic,
} from "../../assembly/kafka/messages/fetch_request";
import {
  FetchResponse,
  FetchableTopicResponse,
  PartitionData,
  AbortedTransaction,
  NodeEndpoint as FetchNodeEndpoint,
} from "../../assembly/kafka/messages/fetch_response";
import { ListOffsetsRequest, ListOffsetsTopic, ListOffsetsPartition } from "../../assembly/kafka/messages/list_offsets_request";
import {
  ListOffsetsResponse,
  ListOffsetsTopicResponse,
  ListOffsetsPartitionResponse,
} from "../../assembly/kafka/messages/list_offsets_response";
import { FindCoordinatorRequest } from "../../assembly/kafka/messages/find_coordinator_request";
import { FindCoordinatorResponse, Coordinator } from "../../assembly/kafka/messages/find_coordinator_response";
import {
  OffsetCommitRequest,
  OffsetCommitRequestTopic,
  OffsetCommitRequestPartition,
} from "../../assembly/kafka/messages/offset_commit_request";
import {
  OffsetCommitResponse,
  OffsetCommitResponseTopic,
  OffsetCommitResponsePartition,
} from "../../assembly/kafka/messages/offset_commit_response";
import {
  OffsetFetchRequest,
  OffsetFetchRequestTopic,
  OffsetFetchRequestGroup,
  OffsetFetchRequestTopics,
} from "../../assembly/kafka/messages/offset_fetch_request";
import {
  OffsetFetchResponse,
  OffsetFetchResponseTopic,
  OffsetFetchResponsePartition,
  OffsetFetchResponseGroup,
  OffsetFetchResponseTopics,
  OffsetFetchResponsePartitions,
} from "../../assembly/kafka/messages/offset_fetch_response";
import { JoinGroupRequest, JoinGroupRequestProtocol } from "../../assembly/kafka/messages/join_group_request";
import { JoinGroupResponse, JoinGroupResponseMember } from "../../assembly/kafka/messages/join_group_response";
import { SyncGroupRequest, SyncGroupRequestAssignment } from "../../assembly/kafka/messages/sync_group_request";
import { SyncGroupResponse } from "../../assembly/kafka/messages/sync_group_response";
import { HeartbeatRequest } from "../../assembly/kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../assembly/kafka/messages/heartbeat_response";
import { LeaveGroupRequest, MemberIdentity } from "../../assembly/kafka/messages/leave_group_request";
import { LeaveGroupResponse, MemberResponse } from "../../assembly/kafka/messages/leave_group_response";
import { DescribeGroupsRequest } from "../../assembly/kafka/messages/describe_groups_request";
import {
  DescribeGroupsResponse,
  DescribedGroup,
  DescribedGroupMember,
} from "../../assembly/kafka/messages/describe_groups_response";
import { ListGroupsRequest } from "../../assembly/kafka/messages/list_groups_request";
import { ListGroupsResponse, ListedGroup } from "../../assembly/kafka/messages/list_groups_response";
import { SaslHandshakeRequest } from "../../assembly/kafka/messages/sasl_handshake_request";
import { SaslHandshakeResponse } from "../../assembly/kafka/messages/sasl_handshake_response";
import { SaslAuthenticateRequest } from "../../assembly/kafka/messages/sasl_authenticate_request";
import { SaslAuthenticateResponse } from "../../assembly/kafka/messages/sasl_authenticate_response";
import { RECORDS_HEX } from "../fixtures/messages/vectors";

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

const HEX = "0123456789abcdef";
export function bytesToHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX.charAt(b[i] >> 4) + HEX.charAt(b[i] & 15);
  return s;
}

function uuid(hex: string): Uint8Array {
  return hexToBytes(hex);
}
const TOPIC_ID_1 = "0102030405060708090a0b0c0d0e0f10";
const TOPIC_ID_2 = "f0e0d0c0b0a090807060504030201000";

// ---------------------------------------------------------------------------
// Builders (mirror MessageVectors.java)

export function buildRequestHeader(v: i16, variant: string): RequestHeader {
  const h = new RequestHeader();
  h.requestApiKey = 0;
  h.requestApiVersion = 11;
  h.correlationId = 123456789;
  if (v >= 1) h.clientId = variant == "null-client" ? null : "producer-é漢";
  return h;
}

export function buildResponseHeader(v: i16, variant: string): ResponseHeader {
  const h = new ResponseHeader();
  h.correlationId = -7;
  return h;
}

export function buildApiVersionsRequest(v: i16, variant: string): ApiVersionsRequest {
  const d = new ApiVersionsRequest();
  if (v >= 3) {
    d.clientSoftwareName = "librdkafka-ü";
    d.clientSoftwareVersion = "2.3.0";
  }
  return d;
}

function apiVersion(key: i16, min: i16, max: i16): ApiVersion {
  const a = new ApiVersion();
  a.apiKey = key;
  a.minVersion = min;
  a.maxVersion = max;
  return a;
}

export function buildApiVersionsResponse(v: i16, variant: string): ApiVersionsResponse {
  const d = new ApiVersionsResponse();
  d.apiKeys = [apiVersion(0, 3, 13), apiVersion(3, 0, 13), apiVersion(18, 0, 4)];
  if (variant != "full") return d;
  d.errorCode = 35;
  if (v >= 1) d.throttleTimeMs = 250;
  if (v >= 3) {
    const f1 = new SupportedFeatureKey();
    f1.name = "metadata.version";
    f1.minVersion = 1;
    f1.maxVersion = 27;
    const f2 = new SupportedFeatureKey();
    f2.name = "kraft.version";
    f2.minVersion = 0;
    f2.maxVersion = 1;
    d.supportedFeatures = [f1, f2];
    d.finalizedFeaturesEpoch = 77;
    const ff = new FinalizedFeatureKey();
    ff.name = "metadata.version";
    ff.maxVersionLevel = 27;
    ff.minVersionLevel = 26;
    d.finalizedFeatures = [ff];
    d.zkMigrationReady = true;
  }
  return d;
}

export function buildMetadataRequest(v: i16, variant: string): MetadataRequest {
  const d = new MetadataRequest();
  if (variant == "all-topics") {
    d.topics = null;
  } else if (variant == "null-name") {
    const t = new MetadataRequestTopic();
    t.topicId = uuid(TOPIC_ID_1);
    t.name = null;
    d.topics = [t];
  } else {
    const a = new MetadataRequestTopic();
    a.name = "app-orders";
    if (v >= 10) a.topicId = uuid(TOPIC_ID_1);
    const b = new MetadataRequestTopic();
    b.name = "b-ünicøde-😀";
    d.topics = [a, b];
    if (v >= 4) d.allowAutoTopicCreation = false;
    if (v >= 8 && v <= 10) d.includeClusterAuthorizedOperations = true;
    if (v >= 8) d.includeTopicAuthorizedOperations = true;
  }
  return d;
}

function partition(err: i16, index: i32, leader: i32, replicas: i32[], isr: i32[]): MetadataResponsePartition {
  const p = new MetadataResponsePartition();
  p.errorCode = err;
  p.partitionIndex = index;
  p.leaderId = leader;
  p.replicaNodes = replicas;
  p.isrNodes = isr;
  return p;
}

export function buildMetadataResponse(v: i16, variant: string): MetadataResponse {
  const d = new MetadataResponse();
  if (variant == "empty") return d;
  if (v >= 3) d.throttleTimeMs = 100;
  const b1 = new MetadataResponseBroker();
  b1.nodeId = 1;
  b1.host = "127.0.0.1";
  b1.port = 19092;
  if (v >= 1) b1.rack = "rack-å";
  const b2 = new MetadataResponseBroker();
  b2.nodeId = 2;
  b2.host = "envoy.local";
  b2.port = 19093;
  b2.rack = null;
  d.brokers = [b1, b2];
  if (v >= 2) d.clusterId = "mesh-cluster";
  if (v >= 1) d.controllerId = 1;
  const t1 = new MetadataResponseTopic();
  t1.errorCode = 0;
  t1.name = "app-orders";
  if (v >= 10) t1.topicId = uuid(TOPIC_ID_1);
  const p0 = partition(0, 0, 1, [1, 2], [1]);
  if (v >= 7) p0.leaderEpoch = 7;
  if (v >= 5) p0.offlineReplicas = [2];
  const p1 = partition(9, 1, -1, [], []);
  t1.partitions = [p0, p1];
  if (v >= 8) t1.topicAuthorizedOperations = 0x0ff8;
  const t2 = new MetadataResponseTopic();
  t2.errorCode = 3;
  t2.name = "cherries";
  if (v >= 1) t2.isInternal = true;
  d.topics = [t1, t2];
  if (variant == "null-name") {
    const t3 = new MetadataResponseTopic();
    t3.errorCode = 100;
    t3.name = null;
    t3.topicId = uuid(TOPIC_ID_2);
    d.topics.push(t3);
  }
  if (v >= 8 && v <= 10) d.clusterAuthorizedOperations = 1234;
  if (v >= 13) d.errorCode = 41;
  return d;
}

function partitionData(index: i32, records: Uint8Array | null): PartitionProduceData {
  const p = new PartitionProduceData();
  p.index = index;
  p.records = records;
  return p;
}

export function buildProduceRequest(v: i16, variant: string): ProduceRequest {
  const d = new ProduceRequest();
  if (variant == "minimal") {
    d.transactionalId = null;
    d.acks = 1;
    d.timeoutMs = 1500;
    return d;
  }
  d.transactionalId = "tx-λ";
  d.acks = -1;
  d.timeoutMs = 30000;
  const t1 = new TopicProduceData();
  const t2 = new TopicProduceData();
  if (v >= 13) {
    t1.topicId = uuid(TOPIC_ID_1);
    t2.topicId = uuid(TOPIC_ID_2);
  } else {
    t1.name = "app-events";
    t2.name = "b-ünï";
  }
  t1.partitionData = [partitionData(0, hexToBytes(RECORDS_HEX)), partitionData(4, null)];
  d.topicData = [t1, t2];
  return d;
}

export function buildProduceResponse(v: i16, variant: string): ProduceResponse {
  const d = new ProduceResponse();
  if (variant == "minimal") return d;
  const t = new TopicProduceResponse();
  if (v >= 13) t.topicId = uuid(TOPIC_ID_1);
  else t.name = "app-events";
  const p = new PartitionProduceResponse();
  p.index = 2;
  p.errorCode = 0;
  p.baseOffset = 1234567890123;
  p.logAppendTimeMs = 1700000000000;
  if (v >= 5) p.logStartOffset = 42;
  if (v >= 8) {
    const e1 = new BatchIndexAndErrorMessage();
    e1.batchIndex = 3;
    e1.batchIndexErrorMessage = "bad record ☃";
    const e2 = new BatchIndexAndErrorMessage();
    e2.batchIndex = 7;
    e2.batchIndexErrorMessage = null;
    p.recordErrors = [e1, e2];
    p.errorMessage = "partial failure";
  }
  if (v >= 10) {
    const l = new LeaderIdAndEpoch();
    l.leaderId = 5;
    l.leaderEpoch = 9;
    p.currentLeader = l;
  }
  const p2 = new PartitionProduceResponse();
  p2.index = 3;
  p2.errorCode = 6;
  p2.baseOffset = -1;
  t.partitionResponses = [p, p2];
  d.responses = [t];
  d.throttleTimeMs = 250;
  if (v >= 10) {
    const n1 = new NodeEndpoint();
    n1.nodeId = 5;
    n1.host = "broker-5.example";
    n1.port = 9093;
    n1.rack = "rack-b";
    const n2 = new NodeEndpoint();
    n2.nodeId = 6;
    n2.host = "h6";
    n2.port = 9094;
    n2.rack = null;
    d.nodeEndpoints = [n1, n2];
  }
  return d;
}

export function buildInitProducerIdRequest(v: i16, variant: string): InitProducerIdRequest {
  const d = new InitProducerIdRequest();
  d.transactionTimeoutMs = 60000;
  d.transactionalId = variant == "idempotent" ? null : "txn-ß";
  if (v >= 3) {
    d.producerId = 1000;
    d.producerEpoch = 5;
  }
  if (v >= 6) {
    d.enable2Pc = true;
    d.keepPreparedTxn = true;
  }
  return d;
}

export function buildInitProducerIdResponse(v: i16, variant: string): InitProducerIdResponse {
  const d = new InitProducerIdResponse();
  d.throttleTimeMs = 20;
  d.errorCode = 51;
  d.producerId = 4000;
  d.producerEpoch = 2;
  if (v >= 6) {
    d.ongoingTxnProducerId = 3999;
    d.ongoingTxnProducerEpoch = 1;
  }
  return d;
}

// ---------------------------------------------------------------------------
// Consumer-side messages (mirror MessageVectors.java: Fetch, ListOffsets, group coordination)

const DIRECTORY_ID = "11112222333344445555666677778888";
const SUBSCRIPTION_HEX = "0001" + "00000001" + "000a6170702d6f7264657273" + "ffffffff" + "00000000";
const ASSIGNMENT_HEX = "0001" + "00000001" + "000a6170702d6f7264657273" + "00000002" + "00000000" + "00000001" + "ffffffff";

function fetchPartition(partition: i32, fetchOffset: i64, maxBytes: i32): FetchPartition {
  const p = new FetchPartition();
  p.partition = partition;
  p.fetchOffset = fetchOffset;
  p.partitionMaxBytes = maxBytes;
  return p;
}

export function buildFetchRequest(v: i16, variant: string): FetchRequest {
  const d = new FetchRequest();
  d.maxWaitMs = 500;
  d.minBytes = 1;
  if (variant == "minimal") return d;
  if (v >= 12) d.clusterId = "mesh-cluster";
  if (v >= 15) {
    d.replicaState.replicaId = 3;
    d.replicaState.replicaEpoch = 12;
  } else d.replicaId = 3;
  d.maxBytes = 52428800;
  d.isolationLevel = 1;
  if (v >= 7) {
    d.sessionId = 77;
    d.sessionEpoch = 4;
  }
  const t1 = new FetchTopic();
  const t2 = new FetchTopic();
  if (v >= 13) {
    t1.topicId = uuid(TOPIC_ID_1);
    t2.topicId = uuid(TOPIC_ID_2);
  } else {
    t1.topic = "app-orders";
    t2.topic = "b-ünï";
  }
  const p0 = fetchPartition(0, 1234567, 1048576);
  if (v >= 9) p0.currentLeaderEpoch = 7;
  if (v >= 12) p0.lastFetchedEpoch = 6;
  if (v >= 5) p0.logStartOffset = 42;
  if (v >= 17) p0.replicaDirectoryId = uuid(DIRECTORY_ID);
  if (v >= 18) p0.highWatermark = 5000;
  t1.partitions = [p0, fetchPartition(3, 0, 1024)];
  t2.partitions = [fetchPartition(1, 99, 65536)];
  d.topics = [t1, t2];
  if (v >= 7) {
    const f = new ForgottenTopic();
    f.partitions = [1, 2, 5];
    if (v >= 13) f.topicId = uuid(TOPIC_ID_2);
    else f.topic = "old-topic";
    d.forgottenTopicsData = [f];
  }
  if (v >= 11) d.rackId = "rack-å";
  return d;
}

function abortedTransaction(producerId: i64, firstOffset: i64): AbortedTransaction {
  const a = new AbortedTransaction();
  a.producerId = producerId;
  a.firstOffset = firstOffset;
  return a;
}

export function buildFetchResponse(v: i16, variant: string): FetchResponse {
  const d = new FetchResponse();
  if (variant == "minimal") return d;
  d.throttleTimeMs = 25;
  if (v >= 7) {
    d.errorCode = 0;
    d.sessionId = 77;
  }
  const t1 = new FetchableTopicResponse();
  const t2 = new FetchableTopicResponse();
  if (v >= 13) {
    t1.topicId = uuid(TOPIC_ID_1);
    t2.topicId = uuid(TOPIC_ID_2);
  } else {
    t1.topic = "app-orders";
    t2.topic = "b-ünï";
  }
  const p0 = new PartitionData();
  p0.partitionIndex = 0;
  p0.errorCode = 0;
  p0.highWatermark = 1000;
  p0.lastStableOffset = 990;
  p0.abortedTransactions = [abortedTransaction(4000, 950), abortedTransaction(4001, 960)];
  p0.records = hexToBytes(RECORDS_HEX);
  if (v >= 5) p0.logStartOffset = 10;
  if (v >= 12) {
    p0.divergingEpoch.epoch = 5;
    p0.divergingEpoch.endOffset = 900;
    p0.currentLeader.leaderId = 2;
    p0.currentLeader.leaderEpoch = 8;
    p0.snapshotId.endOffset = 800;
    p0.snapshotId.epoch = 4;
  }
  if (v >= 11) p0.preferredReadReplica = 2;
  const p1 = new PartitionData();
  p1.partitionIndex = 1;
  p1.errorCode = 6;
  p1.highWatermark = -1;
  p1.abortedTransactions = null;
  p1.records = null;
  t1.partitions = [p0, p1];
  const p2 = new PartitionData();
  p2.partitionIndex = 2;
  p2.highWatermark = 0;
  p2.records = new Uint8Array(0);
  t2.partitions = [p2];
  d.responses = [t1, t2];
  if (v >= 16) {
    const n1 = new FetchNodeEndpoint();
    n1.nodeId = 2;
    n1.host = "broker-2.example";
    n1.port = 9093;
    n1.rack = "rack-b";
    const n2 = new FetchNodeEndpoint();
    n2.nodeId = 6;
    n2.host = "h6";
    n2.port = 9094;
    n2.rack = null;
    d.nodeEndpoints = [n1, n2];
  }
  return d;
}

function listOffsetsPartition(index: i32, timestamp: i64): ListOffsetsPartition {
  const p = new ListOffsetsPartition();
  p.partitionIndex = index;
  p.timestamp = timestamp;
  return p;
}

export function buildListOffsetsRequest(v: i16, variant: string): ListOffsetsRequest {
  const d = new ListOffsetsRequest();
  d.replicaId = -1;
  if (v >= 2) d.isolationLevel = 1;
  const p0 = listOffsetsPartition(0, -1);
  if (v >= 4) p0.currentLeaderEpoch = 7;
  const t1 = new ListOffsetsTopic();
  t1.name = "app-orders";
  t1.partitions = [p0, listOffsetsPartition(1, -2), listOffsetsPartition(2, 1700000000000)];
  const t2 = new ListOffsetsTopic();
  t2.name = "b-ünï";
  t2.partitions = [listOffsetsPartition(0, -2)];
  d.topics = [t1, t2];
  if (v >= 10) d.timeoutMs = 30000;
  return d;
}

function listOffsetsPartitionResponse(index: i32, err: i16): ListOffsetsPartitionResponse {
  const p = new ListOffsetsPartitionResponse();
  p.partitionIndex = index;
  p.errorCode = err;
  return p;
}

export function buildListOffsetsResponse(v: i16, variant: string): ListOffsetsResponse {
  const d = new ListOffsetsResponse();
  if (v >= 2) d.throttleTimeMs = 10;
  const p0 = listOffsetsPartitionResponse(0, 0);
  p0.timestamp = -1;
  p0.offset = 12345;
  if (v >= 4) p0.leaderEpoch = 7;
  const t1 = new ListOffsetsTopicResponse();
  t1.name = "app-orders";
  t1.partitions = [p0, listOffsetsPartitionResponse(1, 6)];
  const q0 = listOffsetsPartitionResponse(0, 3);
  q0.timestamp = 1700000000000;
  q0.offset = 0;
  const t2 = new ListOffsetsTopicResponse();
  t2.name = "b-ünï";
  t2.partitions = [q0];
  d.topics = [t1, t2];
  return d;
}

export function buildFindCoordinatorRequest(v: i16, variant: string): FindCoordinatorRequest {
  const d = new FindCoordinatorRequest();
  const txn = variant == "transaction";
  if (v >= 1) d.keyType = txn ? 1 : 0;
  if (v >= 4) d.coordinatorKeys = txn ? ["txn-ß"] : ["group-a", "group-ü"];
  else d.key = txn ? "txn-ß" : "group-ü";
  return d;
}

function coordinator(key: string, nodeId: i32, host: string, port: i32, err: i16, msg: string | null): Coordinator {
  const c = new Coordinator();
  c.key = key;
  c.nodeId = nodeId;
  c.host = host;
  c.port = port;
  c.errorCode = err;
  c.errorMessage = msg;
  return c;
}

export function buildFindCoordinatorResponse(v: i16, variant: string): FindCoordinatorResponse {
  const d = new FindCoordinatorResponse();
  if (v >= 1) d.throttleTimeMs = 5;
  if (v >= 4) {
    d.coordinators = [
      coordinator("group-a", 2, "broker-2.example", 9093, 0, null),
      coordinator("group-ü", -1, "", -1, 15, "coordinator not available ☃"),
    ];
  } else if (variant == "error") {
    d.errorCode = 15;
    d.nodeId = -1;
    d.host = "";
    d.port = -1;
    if (v >= 1) d.errorMessage = "The coordinator is not available.";
  } else {
    d.errorCode = 0;
    d.nodeId = 2;
    d.host = "broker-2.example";
    d.port = 9093;
    if (v >= 1) d.errorMessage = null;
  }
  return d;
}

function offsetCommitPartition(index: i32, offset: i64, metadata: string | null): OffsetCommitRequestPartition {
  const p = new OffsetCommitRequestPartition();
  p.partitionIndex = index;
  p.committedOffset = offset;
  p.committedMetadata = metadata;
  return p;
}

export function buildOffsetCommitRequest(v: i16, variant: string): OffsetCommitRequest {
  const d = new OffsetCommitRequest();
  if (variant == "dynamic") {
    d.groupId = "g";
    d.generationIdOrMemberEpoch = -1;
    d.memberId = "";
    return d;
  }
  d.groupId = "group-ü";
  d.generationIdOrMemberEpoch = 5;
  d.memberId = "consumer-1-uuid";
  if (v >= 7) d.groupInstanceId = "instance-1";
  if (v <= 4) d.retentionTimeMs = 86400000;
  const t1 = new OffsetCommitRequestTopic();
  const t2 = new OffsetCommitRequestTopic();
  if (v >= 10) {
    t1.topicId = uuid(TOPIC_ID_1);
    t2.topicId = uuid(TOPIC_ID_2);
  } else {
    t1.name = "app-orders";
    t2.name = "b-ünï";
  }
  const p0 = offsetCommitPartition(0, 12345, "meta-λ");
  if (v >= 6) p0.committedLeaderEpoch = 7;
  t1.partitions = [p0, offsetCommitPartition(1, 99, null)];
  t2.partitions = [offsetCommitPartition(0, 0, "")];
  d.topics = [t1, t2];
  return d;
}

function offsetCommitResponsePartition(index: i32, err: i16): OffsetCommitResponsePartition {
  const p = new OffsetCommitResponsePartition();
  p.partitionIndex = index;
  p.errorCode = err;
  return p;
}

export function buildOffsetCommitResponse(v: i16, variant: string): OffsetCommitResponse {
  const d = new OffsetCommitResponse();
  if (v >= 3) d.throttleTimeMs = 15;
  const t1 = new OffsetCommitResponseTopic();
  const t2 = new OffsetCommitResponseTopic();
  if (v >= 10) {
    t1.topicId = uuid(TOPIC_ID_1);
    t2.topicId = uuid(TOPIC_ID_2);
  } else {
    t1.name = "app-orders";
    t2.name = "b-ünï";
  }
  t1.partitions = [offsetCommitResponsePartition(0, 0), offsetCommitResponsePartition(1, 22)];
  t2.partitions = [offsetCommitResponsePartition(0, 12)];
  d.topics = [t1, t2];
  return d;
}

function offsetFetchRequestTopic(name: string, partitions: i32[]): OffsetFetchRequestTopic {
  const t = new OffsetFetchRequestTopic();
  t.name = name;
  t.partitionIndexes = partitions;
  return t;
}

export function buildOffsetFetchRequest(v: i16, variant: string): OffsetFetchRequest {
  const d = new OffsetFetchRequest();
  const all = variant == "all-topics";
  if (v <= 7) {
    d.groupId = "group-ü";
    d.topics = all ? null : [offsetFetchRequestTopic("app-orders", [0, 1, 2]), offsetFetchRequestTopic("b-ünï", [0])];
  } else {
    const g1 = new OffsetFetchRequestGroup();
    g1.groupId = "group-ü";
    if (v >= 9) {
      g1.memberId = "member-1";
      g1.memberEpoch = 12;
    }
    if (all) {
      g1.topics = null;
      d.groups = [g1];
    } else {
      const t1 = new OffsetFetchRequestTopics();
      t1.partitionIndexes = [0, 1, 2];
      const t2 = new OffsetFetchRequestTopics();
      t2.partitionIndexes = [0];
      if (v >= 10) {
        t1.topicId = uuid(TOPIC_ID_1);
        t2.topicId = uuid(TOPIC_ID_2);
      } else {
        t1.name = "app-orders";
        t2.name = "b-ünï";
      }
      g1.topics = [t1, t2];
      const g2 = new OffsetFetchRequestGroup();
      g2.groupId = "group-all";
      g2.topics = null;
      d.groups = [g1, g2];
    }
  }
  if (v >= 7) d.requireStable = true;
  return d;
}

function offsetFetchPartition(index: i32, offset: i64, metadata: string | null, err: i16): OffsetFetchResponsePartition {
  const p = new OffsetFetchResponsePartition();
  p.partitionIndex = index;
  p.committedOffset = offset;
  p.metadata = metadata;
  p.errorCode = err;
  return p;
}

function offsetFetchPartitions(index: i32, offset: i64, epoch: i32, metadata: string | null, err: i16): OffsetFetchResponsePartitions {
  const p = new OffsetFetchResponsePartitions();
  p.partitionIndex = index;
  p.committedOffset = offset;
  p.committedLeaderEpoch = epoch;
  p.metadata = metadata;
  p.errorCode = err;
  return p;
}

export function buildOffsetFetchResponse(v: i16, variant: string): OffsetFetchResponse {
  const d = new OffsetFetchResponse();
  if (v >= 3) d.throttleTimeMs = 5;
  if (variant == "error") {
    d.errorCode = 16;
    return d;
  }
  if (v <= 7) {
    const p0 = offsetFetchPartition(0, 12345, "meta-λ", 0);
    if (v >= 5) p0.committedLeaderEpoch = 7;
    const t1 = new OffsetFetchResponseTopic();
    t1.name = "app-orders";
    t1.partitions = [p0, offsetFetchPartition(1, -1, null, 0)];
    const t2 = new OffsetFetchResponseTopic();
    t2.name = "b-ünï";
    t2.partitions = [offsetFetchPartition(0, -1, "", 3)];
    d.topics = [t1, t2];
  } else {
    const t1 = new OffsetFetchResponseTopics();
    if (v >= 10) t1.topicId = uuid(TOPIC_ID_1);
    else t1.name = "app-orders";
    t1.partitions = [offsetFetchPartitions(0, 12345, 7, "meta-λ", 0), offsetFetchPartitions(1, -1, -1, null, 0)];
    const g1 = new OffsetFetchResponseGroup();
    g1.groupId = "group-ü";
    g1.topics = [t1];
    const g2 = new OffsetFetchResponseGroup();
    g2.groupId = "group-x";
    g2.errorCode = 16;
    d.groups = [g1, g2];
  }
  return d;
}

function joinProtocol(name: string, metadata: Uint8Array): JoinGroupRequestProtocol {
  const p = new JoinGroupRequestProtocol();
  p.name = name;
  p.metadata = metadata;
  return p;
}

export function buildJoinGroupRequest(v: i16, variant: string): JoinGroupRequest {
  const d = new JoinGroupRequest();
  d.groupId = "group-ü";
  d.sessionTimeoutMs = 45000;
  d.protocolType = "consumer";
  if (v >= 1) d.rebalanceTimeoutMs = 300000;
  if (variant == "rejoin") {
    d.memberId = "consumer-1-uuid";
    d.protocols = [joinProtocol("range", new Uint8Array(0))];
  } else {
    d.memberId = "";
    if (v >= 5) d.groupInstanceId = "instance-1";
    d.protocols = [joinProtocol("range", hexToBytes(SUBSCRIPTION_HEX)), joinProtocol("cooperative-sticky", hexToBytes("00030102"))];
    if (v >= 8) d.reason = "rebalance ☃";
  }
  return d;
}

function joinMember(memberId: string, instance: string | null, metadata: Uint8Array): JoinGroupResponseMember {
  const m = new JoinGroupResponseMember();
  m.memberId = memberId;
  m.groupInstanceId = instance;
  m.metadata = metadata;
  return m;
}

export function buildJoinGroupResponse(v: i16, variant: string): JoinGroupResponse {
  const d = new JoinGroupResponse();
  if (v >= 2) d.throttleTimeMs = 30;
  if (variant == "error") {
    d.errorCode = 79;
    d.generationId = -1;
    d.leader = "";
    d.memberId = "consumer-9";
    if (v >= 7) {
      d.protocolType = null;
      d.protocolName = null;
    } else d.protocolName = "";
    return d;
  }
  d.errorCode = 0;
  d.generationId = 5;
  d.protocolName = "range";
  d.leader = "consumer-1-uuid";
  d.memberId = "consumer-1-uuid";
  if (v >= 7) d.protocolType = "consumer";
  if (v >= 9) d.skipAssignment = true;
  const m1 = joinMember("consumer-1-uuid", null, hexToBytes(SUBSCRIPTION_HEX));
  if (v >= 5) m1.groupInstanceId = "instance-1";
  d.members = [m1, joinMember("consumer-2-uuid", null, hexToBytes("09"))];
  return d;
}

function syncAssignment(memberId: string, assignment: Uint8Array): SyncGroupRequestAssignment {
  const a = new SyncGroupRequestAssignment();
  a.memberId = memberId;
  a.assignment = assignment;
  return a;
}

export function buildSyncGroupRequest(v: i16, variant: string): SyncGroupRequest {
  const d = new SyncGroupRequest();
  d.groupId = "group-ü";
  d.generationId = 5;
  d.memberId = "consumer-1-uuid";
  if (variant == "follower") return d;
  if (v >= 3) d.groupInstanceId = "instance-1";
  if (v >= 5) {
    d.protocolType = "consumer";
    d.protocolName = "range";
  }
  d.assignments = [syncAssignment("consumer-1-uuid", hexToBytes(ASSIGNMENT_HEX)), syncAssignment("consumer-2-uuid", new Uint8Array(0))];
  return d;
}

export function buildSyncGroupResponse(v: i16, variant: string): SyncGroupResponse {
  const d = new SyncGroupResponse();
  if (v >= 1) d.throttleTimeMs = 7;
  if (variant == "error") {
    d.errorCode = 27;
    d.assignment = new Uint8Array(0);
    return d;
  }
  d.errorCode = 0;
  d.assignment = hexToBytes(ASSIGNMENT_HEX);
  if (v >= 5) {
    d.protocolType = "consumer";
    d.protocolName = "range";
  }
  return d;
}

export function buildHeartbeatRequest(v: i16, variant: string): HeartbeatRequest {
  const d = new HeartbeatRequest();
  d.groupId = "group-ü";
  d.generationId = 5;
  d.memberId = "consumer-1-uuid";
  if (v >= 3 && variant != "dynamic") d.groupInstanceId = "instance-1";
  return d;
}

export function buildHeartbeatResponse(v: i16, variant: string): HeartbeatResponse {
  const d = new HeartbeatResponse();
  d.errorCode = 27;
  if (v >= 1) d.throttleTimeMs = 3;
  return d;
}

export function buildLeaveGroupRequest(v: i16, variant: string): LeaveGroupRequest {
  const d = new LeaveGroupRequest();
  d.groupId = "group-ü";
  if (v <= 2) {
    d.memberId = "consumer-1-uuid";
    return d;
  }
  const m1 = new MemberIdentity();
  m1.memberId = "consumer-1-uuid";
  m1.groupInstanceId = null;
  if (v >= 5) m1.reason = "shutdown ☃";
  const m2 = new MemberIdentity();
  m2.memberId = "";
  m2.groupInstanceId = "instance-2";
  d.members = [m1, m2];
  return d;
}

function memberResponse(memberId: string, instance: string | null, err: i16): MemberResponse {
  const m = new MemberResponse();
  m.memberId = memberId;
  m.groupInstanceId = instance;
  m.errorCode = err;
  return m;
}

export function buildLeaveGroupResponse(v: i16, variant: string): LeaveGroupResponse {
  const d = new LeaveGroupResponse();
  d.errorCode = 0;
  if (v >= 1) d.throttleTimeMs = 9;
  if (v >= 3) d.members = [memberResponse("consumer-1-uuid", null, 0), memberResponse("consumer-2-uuid", "instance-2", 25)];
  return d;
}

export function buildDescribeGroupsRequest(v: i16, variant: string): DescribeGroupsRequest {
  const d = new DescribeGroupsRequest();
  d.groups = ["group-ü", "group-b"];
  if (v >= 3) d.includeAuthorizedOperations = true;
  return d;
}

export function buildDescribeGroupsResponse(v: i16, variant: string): DescribeGroupsResponse {
  const d = new DescribeGroupsResponse();
  if (v >= 1) d.throttleTimeMs = 11;
  const m1 = new DescribedGroupMember();
  m1.memberId = "consumer-1-uuid";
  m1.clientId = "client-é";
  m1.clientHost = "/10.0.0.1";
  m1.memberMetadata = hexToBytes(SUBSCRIPTION_HEX);
  m1.memberAssignment = hexToBytes(ASSIGNMENT_HEX);
  if (v >= 4) m1.groupInstanceId = "instance-1";
  const m2 = new DescribedGroupMember();
  m2.memberId = "consumer-2-uuid";
  m2.groupInstanceId = null;
  m2.clientId = "c2";
  m2.clientHost = "/10.0.0.2";
  m2.memberMetadata = hexToBytes("01");
  m2.memberAssignment = new Uint8Array(0);
  const g1 = new DescribedGroup();
  g1.errorCode = 0;
  g1.groupId = "group-ü";
  g1.groupState = "Stable";
  g1.protocolType = "consumer";
  g1.protocolData = "range";
  g1.members = [m1, m2];
  if (v >= 3) g1.authorizedOperations = 0x0ff8;
  const g2 = new DescribedGroup();
  g2.errorCode = 69;
  g2.groupId = "group-b";
  g2.groupState = "Dead";
  g2.protocolType = "";
  g2.protocolData = "";
  if (v >= 6) g2.errorMessage = "group not found ☃";
  d.groups = [g1, g2];
  return d;
}

export function buildListGroupsRequest(v: i16, variant: string): ListGroupsRequest {
  const d = new ListGroupsRequest();
  if (v >= 4) d.statesFilter = ["Stable", "Empty"];
  if (v >= 5) d.typesFilter = ["classic", "consumer"];
  return d;
}

export function buildListGroupsResponse(v: i16, variant: string): ListGroupsResponse {
  const d = new ListGroupsResponse();
  if (v >= 1) d.throttleTimeMs = 13;
  if (variant == "error") {
    d.errorCode = 15;
    return d;
  }
  const g1 = new ListedGroup();
  g1.groupId = "group-ü";
  g1.protocolType = "consumer";
  const g2 = new ListedGroup();
  g2.groupId = "connect-cluster";
  g2.protocolType = "connect";
  if (v >= 4) {
    g1.groupState = "Stable";
    g2.groupState = "Empty";
  }
  if (v >= 5) {
    g1.groupType = "classic";
    g2.groupType = "classic";
  }
  d.groups = [g1, g2];
  return d;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

export function buildSaslHandshakeRequest(v: i16, variant: string): SaslHandshakeRequest {
  const d = new SaslHandshakeRequest();
  d.mechanism = "SCRAM-SHA-256";
  return d;
}

export function buildSaslHandshakeResponse(v: i16, variant: string): SaslHandshakeResponse {
  const d = new SaslHandshakeResponse();
  d.errorCode = variant == "unsupported" ? 33 : 0;
  d.mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
  return d;
}

export function buildSaslAuthenticateRequest(v: i16, variant: string): SaslAuthenticateRequest {
  const d = new SaslAuthenticateRequest();
  d.authBytes = ascii("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  return d;
}

export function buildSaslAuthenticateResponse(v: i16, variant: string): SaslAuthenticateResponse {
  const d = new SaslAuthenticateResponse();
  if (variant == "failed") {
    d.errorCode = 58;
    d.errorMessage = "Authentication failed: Invalid username or password ☃";
    d.authBytes = new Uint8Array(0);
  } else {
    d.errorMessage = null;
    d.authBytes = ascii("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  }
  if (v >= 1) d.sessionLifetimeMs = variant == "failed" ? 0 : 3600000;
  return d;
}

// ---------------------------------------------------------------------------
// Field-by-field comparison: the first difference as "path: got != want", or "".

export class Diff {
  out: string = "";

  int(path: string, got: i64, want: i64): void {
    if (this.out.length == 0 && got != want) this.out = path + ": " + got.toString() + " != " + want.toString();
  }
  flag(path: string, got: bool, want: bool): void {
    if (this.out.length == 0 && got != want) this.out = path + ": " + got.toString() + " != " + want.toString();
  }
  str(path: string, got: string | null, want: string | null): void {
    if (this.out.length > 0) return;
    if (got === null || want === null) {
      if (got !== want) this.out = path + ": " + (got === null ? "null" : got) + " != " + (want === null ? "null" : want);
    } else if (got != want) {
      this.out = path + ": '" + got + "' != '" + want + "'";
    }
  }
  bytes(path: string, got: Uint8Array | null, want: Uint8Array | null): void {
    if (this.out.length > 0) return;
    const g = got === null ? "null" : bytesToHex(got);
    const w = want === null ? "null" : bytesToHex(want);
    if (g != w) this.out = path + ": " + g + " != " + w;
  }
  /** Compares array presence and length; true when elements should be compared. */
  arr<T>(path: string, got: Array<T> | null, want: Array<T> | null): bool {
    if (this.out.length > 0) return false;
    if (got === null || want === null) {
      if (got !== want) this.out = path + ": null array mismatch";
      return false;
    }
    if (got.length != want.length) {
      this.out = path + ": length " + got.length.toString() + " != " + want.length.toString();
      return false;
    }
    return true;
  }
  ints(path: string, got: Array<i32>, want: Array<i32>): void {
    if (!this.arr<i32>(path, got, want)) return;
    for (let i = 0; i < got.length; i++) this.int(path + "[" + i.toString() + "]", got[i], want[i]);
  }
  strs(path: string, got: Array<string>, want: Array<string>): void {
    if (!this.arr<string>(path, got, want)) return;
    for (let i = 0; i < got.length; i++) this.str(path + "[" + i.toString() + "]", got[i], want[i]);
  }
}

function diffRequestHeader(d: Diff, a: RequestHeader, b: RequestHeader): void {
  d.int("requestApiKey", a.requestApiKey, b.requestApiKey);
  d.int("requestApiVersion", a.requestApiVersion, b.requestApiVersion);
  d.int("correlationId", a.correlationId, b.correlationId);
  d.str("clientId", a.clientId, b.clientId);
}

function diffApiVersionsRequest(d: Diff, a: ApiVersionsRequest, b: ApiVersionsRequest): void {
  d.str("clientSoftwareName", a.clientSoftwareName, b.clientSoftwareName);
  d.str("clientSoftwareVersion", a.clientSoftwareVersion, b.clientSoftwareVersion);
}

function diffApiVersionsResponse(d: Diff, a: ApiVersionsResponse, b: ApiVersionsResponse): void {
  d.int("errorCode", a.errorCode, b.errorCode);
  if (d.arr<ApiVersion>("apiKeys", a.apiKeys, b.apiKeys)) {
    for (let i = 0; i < a.apiKeys.length; i++) {
      const x = a.apiKeys[i];
      const y = b.apiKeys[i];
      const p = "apiKeys[" + i.toString() + "].";
      d.int(p + "apiKey", x.apiKey, y.apiKey);
      d.int(p + "minVersion", x.minVersion, y.minVersion);
      d.int(p + "maxVersion", x.maxVersion, y.maxVersion);
    }
  }
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<SupportedFeatureKey>("supportedFeatures", a.supportedFeatures, b.supportedFeatures)) {
    for (let i = 0; i < a.supportedFeatures.length; i++) {
      const x = a.supportedFeatures[i];
      const y = b.supportedFeatures[i];
      const p = "supportedFeatures[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.int(p + "minVersion", x.minVersion, y.minVersion);
      d.int(p + "maxVersion", x.maxVersion, y.maxVersion);
    }
  }
  d.int("finalizedFeaturesEpoch", a.finalizedFeaturesEpoch, b.finalizedFeaturesEpoch);
  if (d.arr<FinalizedFeatureKey>("finalizedFeatures", a.finalizedFeatures, b.finalizedFeatures)) {
    for (let i = 0; i < a.finalizedFeatures.length; i++) {
      const x = a.finalizedFeatures[i];
      const y = b.finalizedFeatures[i];
      const p = "finalizedFeatures[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.int(p + "maxVersionLevel", x.maxVersionLevel, y.maxVersionLevel);
      d.int(p + "minVersionLevel", x.minVersionLevel, y.minVersionLevel);
    }
  }
  d.flag("zkMigrationReady", a.zkMigrationReady, b.zkMigrationReady);
}

function diffMetadataRequest(d: Diff, a: MetadataRequest, b: MetadataRequest): void {
  if (d.arr<MetadataRequestTopic>("topics", a.topics, b.topics)) {
    const at = a.topics!;
    const bt = b.topics!;
    for (let i = 0; i < at.length; i++) {
      const p = "topics[" + i.toString() + "].";
      d.bytes(p + "topicId", at[i].topicId, bt[i].topicId);
      d.str(p + "name", at[i].name, bt[i].name);
    }
  }
  d.flag("allowAutoTopicCreation", a.allowAutoTopicCreation, b.allowAutoTopicCreation);
  d.flag("includeClusterAuthorizedOperations", a.includeClusterAuthorizedOperations, b.includeClusterAuthorizedOperations);
  d.flag("includeTopicAuthorizedOperations", a.includeTopicAuthorizedOperations, b.includeTopicAuthorizedOperations);
}

function diffMetadataResponse(d: Diff, a: MetadataResponse, b: MetadataResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<MetadataResponseBroker>("brokers", a.brokers, b.brokers)) {
    for (let i = 0; i < a.brokers.length; i++) {
      const x = a.brokers[i];
      const y = b.brokers[i];
      const p = "brokers[" + i.toString() + "].";
      d.int(p + "nodeId", x.nodeId, y.nodeId);
      d.str(p + "host", x.host, y.host);
      d.int(p + "port", x.port, y.port);
      d.str(p + "rack", x.rack, y.rack);
    }
  }
  d.str("clusterId", a.clusterId, b.clusterId);
  d.int("controllerId", a.controllerId, b.controllerId);
  if (d.arr<MetadataResponseTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.int(p + "errorCode", x.errorCode, y.errorCode);
      d.str(p + "name", x.name, y.name);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      d.flag(p + "isInternal", x.isInternal, y.isInternal);
      if (d.arr<MetadataResponsePartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "errorCode", m.errorCode, n.errorCode);
          d.int(q + "partitionIndex", m.partitionIndex, n.partitionIndex);
          d.int(q + "leaderId", m.leaderId, n.leaderId);
          d.int(q + "leaderEpoch", m.leaderEpoch, n.leaderEpoch);
          d.ints(q + "replicaNodes", m.replicaNodes, n.replicaNodes);
          d.ints(q + "isrNodes", m.isrNodes, n.isrNodes);
          d.ints(q + "offlineReplicas", m.offlineReplicas, n.offlineReplicas);
        }
      }
      d.int(p + "topicAuthorizedOperations", x.topicAuthorizedOperations, y.topicAuthorizedOperations);
    }
  }
  d.int("clusterAuthorizedOperations", a.clusterAuthorizedOperations, b.clusterAuthorizedOperations);
  d.int("errorCode", a.errorCode, b.errorCode);
}

function diffProduceRequest(d: Diff, a: ProduceRequest, b: ProduceRequest): void {
  d.str("transactionalId", a.transactionalId, b.transactionalId);
  d.int("acks", a.acks, b.acks);
  d.int("timeoutMs", a.timeoutMs, b.timeoutMs);
  if (d.arr<TopicProduceData>("topicData", a.topicData, b.topicData)) {
    for (let i = 0; i < a.topicData.length; i++) {
      const x = a.topicData[i];
      const y = b.topicData[i];
      const p = "topicData[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<PartitionProduceData>(p + "partitionData", x.partitionData, y.partitionData)) {
        for (let j = 0; j < x.partitionData.length; j++) {
          const q = p + "partitionData[" + j.toString() + "].";
          d.int(q + "index", x.partitionData[j].index, y.partitionData[j].index);
          d.bytes(q + "records", x.partitionData[j].records, y.partitionData[j].records);
        }
      }
    }
  }
}

function diffProduceResponse(d: Diff, a: ProduceResponse, b: ProduceResponse): void {
  if (d.arr<TopicProduceResponse>("responses", a.responses, b.responses)) {
    for (let i = 0; i < a.responses.length; i++) {
      const x = a.responses[i];
      const y = b.responses[i];
      const p = "responses[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<PartitionProduceResponse>(p + "partitionResponses", x.partitionResponses, y.partitionResponses)) {
        for (let j = 0; j < x.partitionResponses.length; j++) {
          const m = x.partitionResponses[j];
          const n = y.partitionResponses[j];
          const q = p + "partitionResponses[" + j.toString() + "].";
          d.int(q + "index", m.index, n.index);
          d.int(q + "errorCode", m.errorCode, n.errorCode);
          d.int(q + "baseOffset", m.baseOffset, n.baseOffset);
          d.int(q + "logAppendTimeMs", m.logAppendTimeMs, n.logAppendTimeMs);
          d.int(q + "logStartOffset", m.logStartOffset, n.logStartOffset);
          if (d.arr<BatchIndexAndErrorMessage>(q + "recordErrors", m.recordErrors, n.recordErrors)) {
            for (let k = 0; k < m.recordErrors.length; k++) {
              const e = q + "recordErrors[" + k.toString() + "].";
              d.int(e + "batchIndex", m.recordErrors[k].batchIndex, n.recordErrors[k].batchIndex);
              d.str(e + "batchIndexErrorMessage", m.recordErrors[k].batchIndexErrorMessage, n.recordErrors[k].batchIndexErrorMessage);
            }
          }
          d.str(q + "errorMessage", m.errorMessage, n.errorMessage);
          d.int(q + "currentLeader.leaderId", m.currentLeader.leaderId, n.currentLeader.leaderId);
          d.int(q + "currentLeader.leaderEpoch", m.currentLeader.leaderEpoch, n.currentLeader.leaderEpoch);
        }
      }
    }
  }
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<NodeEndpoint>("nodeEndpoints", a.nodeEndpoints, b.nodeEndpoints)) {
    for (let i = 0; i < a.nodeEndpoints.length; i++) {
      const x = a.nodeEndpoints[i];
      const y = b.nodeEndpoints[i];
      const p = "nodeEndpoints[" + i.toString() + "].";
      d.int(p + "nodeId", x.nodeId, y.nodeId);
      d.str(p + "host", x.host, y.host);
      d.int(p + "port", x.port, y.port);
      d.str(p + "rack", x.rack, y.rack);
    }
  }
}

function diffInitProducerIdRequest(d: Diff, a: InitProducerIdRequest, b: InitProducerIdRequest): void {
  d.str("transactionalId", a.transactionalId, b.transactionalId);
  d.int("transactionTimeoutMs", a.transactionTimeoutMs, b.transactionTimeoutMs);
  d.int("producerId", a.producerId, b.producerId);
  d.int("producerEpoch", a.producerEpoch, b.producerEpoch);
  d.flag("enable2Pc", a.enable2Pc, b.enable2Pc);
  d.flag("keepPreparedTxn", a.keepPreparedTxn, b.keepPreparedTxn);
}

function diffInitProducerIdResponse(d: Diff, a: InitProducerIdResponse, b: InitProducerIdResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  d.int("producerId", a.producerId, b.producerId);
  d.int("producerEpoch", a.producerEpoch, b.producerEpoch);
  d.int("ongoingTxnProducerId", a.ongoingTxnProducerId, b.ongoingTxnProducerId);
  d.int("ongoingTxnProducerEpoch", a.ongoingTxnProducerEpoch, b.ongoingTxnProducerEpoch);
}

function diffFetchRequest(d: Diff, a: FetchRequest, b: FetchRequest): void {
  d.str("clusterId", a.clusterId, b.clusterId);
  d.int("replicaId", a.replicaId, b.replicaId);
  d.int("replicaState.replicaId", a.replicaState.replicaId, b.replicaState.replicaId);
  d.int("replicaState.replicaEpoch", a.replicaState.replicaEpoch, b.replicaState.replicaEpoch);
  d.int("maxWaitMs", a.maxWaitMs, b.maxWaitMs);
  d.int("minBytes", a.minBytes, b.minBytes);
  d.int("maxBytes", a.maxBytes, b.maxBytes);
  d.int("isolationLevel", a.isolationLevel, b.isolationLevel);
  d.int("sessionId", a.sessionId, b.sessionId);
  d.int("sessionEpoch", a.sessionEpoch, b.sessionEpoch);
  if (d.arr<FetchTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "topic", x.topic, y.topic);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<FetchPartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partition", m.partition, n.partition);
          d.int(q + "currentLeaderEpoch", m.currentLeaderEpoch, n.currentLeaderEpoch);
          d.int(q + "fetchOffset", m.fetchOffset, n.fetchOffset);
          d.int(q + "lastFetchedEpoch", m.lastFetchedEpoch, n.lastFetchedEpoch);
          d.int(q + "logStartOffset", m.logStartOffset, n.logStartOffset);
          d.int(q + "partitionMaxBytes", m.partitionMaxBytes, n.partitionMaxBytes);
          d.bytes(q + "replicaDirectoryId", m.replicaDirectoryId, n.replicaDirectoryId);
          d.int(q + "highWatermark", m.highWatermark, n.highWatermark);
        }
      }
    }
  }
  if (d.arr<ForgottenTopic>("forgottenTopicsData", a.forgottenTopicsData, b.forgottenTopicsData)) {
    for (let i = 0; i < a.forgottenTopicsData.length; i++) {
      const x = a.forgottenTopicsData[i];
      const y = b.forgottenTopicsData[i];
      const p = "forgottenTopicsData[" + i.toString() + "].";
      d.str(p + "topic", x.topic, y.topic);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      d.ints(p + "partitions", x.partitions, y.partitions);
    }
  }
  d.str("rackId", a.rackId, b.rackId);
}

function diffFetchResponse(d: Diff, a: FetchResponse, b: FetchResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  d.int("sessionId", a.sessionId, b.sessionId);
  if (d.arr<FetchableTopicResponse>("responses", a.responses, b.responses)) {
    for (let i = 0; i < a.responses.length; i++) {
      const x = a.responses[i];
      const y = b.responses[i];
      const p = "responses[" + i.toString() + "].";
      d.str(p + "topic", x.topic, y.topic);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<PartitionData>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", m.partitionIndex, n.partitionIndex);
          d.int(q + "errorCode", m.errorCode, n.errorCode);
          d.int(q + "highWatermark", m.highWatermark, n.highWatermark);
          d.int(q + "lastStableOffset", m.lastStableOffset, n.lastStableOffset);
          d.int(q + "logStartOffset", m.logStartOffset, n.logStartOffset);
          d.int(q + "divergingEpoch.epoch", m.divergingEpoch.epoch, n.divergingEpoch.epoch);
          d.int(q + "divergingEpoch.endOffset", m.divergingEpoch.endOffset, n.divergingEpoch.endOffset);
          d.int(q + "currentLeader.leaderId", m.currentLeader.leaderId, n.currentLeader.leaderId);
          d.int(q + "currentLeader.leaderEpoch", m.currentLeader.leaderEpoch, n.currentLeader.leaderEpoch);
          d.int(q + "snapshotId.endOffset", m.snapshotId.endOffset, n.snapshotId.endOffset);
          d.int(q + "snapshotId.epoch", m.snapshotId.epoch, n.snapshotId.epoch);
          if (d.arr<AbortedTransaction>(q + "abortedTransactions", m.abortedTransactions, n.abortedTransactions)) {
            const ma = m.abortedTransactions!;
            const na = n.abortedTransactions!;
            for (let k = 0; k < ma.length; k++) {
              const e = q + "abortedTransactions[" + k.toString() + "].";
              d.int(e + "producerId", ma[k].producerId, na[k].producerId);
              d.int(e + "firstOffset", ma[k].firstOffset, na[k].firstOffset);
            }
          }
          d.int(q + "preferredReadReplica", m.preferredReadReplica, n.preferredReadReplica);
          d.bytes(q + "records", m.records, n.records);
        }
      }
    }
  }
  if (d.arr<FetchNodeEndpoint>("nodeEndpoints", a.nodeEndpoints, b.nodeEndpoints)) {
    for (let i = 0; i < a.nodeEndpoints.length; i++) {
      const x = a.nodeEndpoints[i];
      const y = b.nodeEndpoints[i];
      const p = "nodeEndpoints[" + i.toString() + "].";
      d.int(p + "nodeId", x.nodeId, y.nodeId);
      d.str(p + "host", x.host, y.host);
      d.int(p + "port", x.port, y.port);
      d.str(p + "rack", x.rack, y.rack);
    }
  }
}

function diffListOffsetsRequest(d: Diff, a: ListOffsetsRequest, b: ListOffsetsRequest): void {
  d.int("replicaId", a.replicaId, b.replicaId);
  d.int("isolationLevel", a.isolationLevel, b.isolationLevel);
  if (d.arr<ListOffsetsTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      if (d.arr<ListOffsetsPartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", x.partitions[j].partitionIndex, y.partitions[j].partitionIndex);
          d.int(q + "currentLeaderEpoch", x.partitions[j].currentLeaderEpoch, y.partitions[j].currentLeaderEpoch);
          d.int(q + "timestamp", x.partitions[j].timestamp, y.partitions[j].timestamp);
        }
      }
    }
  }
  d.int("timeoutMs", a.timeoutMs, b.timeoutMs);
}

function diffListOffsetsResponse(d: Diff, a: ListOffsetsResponse, b: ListOffsetsResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<ListOffsetsTopicResponse>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      if (d.arr<ListOffsetsPartitionResponse>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", m.partitionIndex, n.partitionIndex);
          d.int(q + "errorCode", m.errorCode, n.errorCode);
          d.int(q + "timestamp", m.timestamp, n.timestamp);
          d.int(q + "offset", m.offset, n.offset);
          d.int(q + "leaderEpoch", m.leaderEpoch, n.leaderEpoch);
        }
      }
    }
  }
}

function diffFindCoordinatorRequest(d: Diff, a: FindCoordinatorRequest, b: FindCoordinatorRequest): void {
  d.str("key", a.key, b.key);
  d.int("keyType", a.keyType, b.keyType);
  d.strs("coordinatorKeys", a.coordinatorKeys, b.coordinatorKeys);
}

function diffFindCoordinatorResponse(d: Diff, a: FindCoordinatorResponse, b: FindCoordinatorResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  d.str("errorMessage", a.errorMessage, b.errorMessage);
  d.int("nodeId", a.nodeId, b.nodeId);
  d.str("host", a.host, b.host);
  d.int("port", a.port, b.port);
  if (d.arr<Coordinator>("coordinators", a.coordinators, b.coordinators)) {
    for (let i = 0; i < a.coordinators.length; i++) {
      const x = a.coordinators[i];
      const y = b.coordinators[i];
      const p = "coordinators[" + i.toString() + "].";
      d.str(p + "key", x.key, y.key);
      d.int(p + "nodeId", x.nodeId, y.nodeId);
      d.str(p + "host", x.host, y.host);
      d.int(p + "port", x.port, y.port);
      d.int(p + "errorCode", x.errorCode, y.errorCode);
      d.str(p + "errorMessage", x.errorMessage, y.errorMessage);
    }
  }
}

function diffOffsetCommitRequest(d: Diff, a: OffsetCommitRequest, b: OffsetCommitRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  d.int("generationIdOrMemberEpoch", a.generationIdOrMemberEpoch, b.generationIdOrMemberEpoch);
  d.str("memberId", a.memberId, b.memberId);
  d.str("groupInstanceId", a.groupInstanceId, b.groupInstanceId);
  d.int("retentionTimeMs", a.retentionTimeMs, b.retentionTimeMs);
  if (d.arr<OffsetCommitRequestTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<OffsetCommitRequestPartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", m.partitionIndex, n.partitionIndex);
          d.int(q + "committedOffset", m.committedOffset, n.committedOffset);
          d.int(q + "committedLeaderEpoch", m.committedLeaderEpoch, n.committedLeaderEpoch);
          d.str(q + "committedMetadata", m.committedMetadata, n.committedMetadata);
        }
      }
    }
  }
}

function diffOffsetCommitResponse(d: Diff, a: OffsetCommitResponse, b: OffsetCommitResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<OffsetCommitResponseTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      d.bytes(p + "topicId", x.topicId, y.topicId);
      if (d.arr<OffsetCommitResponsePartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", x.partitions[j].partitionIndex, y.partitions[j].partitionIndex);
          d.int(q + "errorCode", x.partitions[j].errorCode, y.partitions[j].errorCode);
        }
      }
    }
  }
}

function diffOffsetFetchRequest(d: Diff, a: OffsetFetchRequest, b: OffsetFetchRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  if (d.arr<OffsetFetchRequestTopic>("topics", a.topics, b.topics)) {
    const at = a.topics!;
    const bt = b.topics!;
    for (let i = 0; i < at.length; i++) {
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", at[i].name, bt[i].name);
      d.ints(p + "partitionIndexes", at[i].partitionIndexes, bt[i].partitionIndexes);
    }
  }
  if (d.arr<OffsetFetchRequestGroup>("groups", a.groups, b.groups)) {
    for (let i = 0; i < a.groups.length; i++) {
      const x = a.groups[i];
      const y = b.groups[i];
      const p = "groups[" + i.toString() + "].";
      d.str(p + "groupId", x.groupId, y.groupId);
      d.str(p + "memberId", x.memberId, y.memberId);
      d.int(p + "memberEpoch", x.memberEpoch, y.memberEpoch);
      if (d.arr<OffsetFetchRequestTopics>(p + "topics", x.topics, y.topics)) {
        const xt = x.topics!;
        const yt = y.topics!;
        for (let j = 0; j < xt.length; j++) {
          const q = p + "topics[" + j.toString() + "].";
          d.str(q + "name", xt[j].name, yt[j].name);
          d.bytes(q + "topicId", xt[j].topicId, yt[j].topicId);
          d.ints(q + "partitionIndexes", xt[j].partitionIndexes, yt[j].partitionIndexes);
        }
      }
    }
  }
  d.flag("requireStable", a.requireStable, b.requireStable);
}

function diffOffsetFetchResponse(d: Diff, a: OffsetFetchResponse, b: OffsetFetchResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<OffsetFetchResponseTopic>("topics", a.topics, b.topics)) {
    for (let i = 0; i < a.topics.length; i++) {
      const x = a.topics[i];
      const y = b.topics[i];
      const p = "topics[" + i.toString() + "].";
      d.str(p + "name", x.name, y.name);
      if (d.arr<OffsetFetchResponsePartition>(p + "partitions", x.partitions, y.partitions)) {
        for (let j = 0; j < x.partitions.length; j++) {
          const m = x.partitions[j];
          const n = y.partitions[j];
          const q = p + "partitions[" + j.toString() + "].";
          d.int(q + "partitionIndex", m.partitionIndex, n.partitionIndex);
          d.int(q + "committedOffset", m.committedOffset, n.committedOffset);
          d.int(q + "committedLeaderEpoch", m.committedLeaderEpoch, n.committedLeaderEpoch);
          d.str(q + "metadata", m.metadata, n.metadata);
          d.int(q + "errorCode", m.errorCode, n.errorCode);
        }
      }
    }
  }
  d.int("errorCode", a.errorCode, b.errorCode);
  if (d.arr<OffsetFetchResponseGroup>("groups", a.groups, b.groups)) {
    for (let i = 0; i < a.groups.length; i++) {
      const g = a.groups[i];
      const h = b.groups[i];
      const p = "groups[" + i.toString() + "].";
      d.str(p + "groupId", g.groupId, h.groupId);
      if (d.arr<OffsetFetchResponseTopics>(p + "topics", g.topics, h.topics)) {
        for (let j = 0; j < g.topics.length; j++) {
          const x = g.topics[j];
          const y = h.topics[j];
          const q = p + "topics[" + j.toString() + "].";
          d.str(q + "name", x.name, y.name);
          d.bytes(q + "topicId", x.topicId, y.topicId);
          if (d.arr<OffsetFetchResponsePartitions>(q + "partitions", x.partitions, y.partitions)) {
            for (let k = 0; k < x.partitions.length; k++) {
              const m = x.partitions[k];
              const n = y.partitions[k];
              const e = q + "partitions[" + k.toString() + "].";
              d.int(e + "partitionIndex", m.partitionIndex, n.partitionIndex);
              d.int(e + "committedOffset", m.committedOffset, n.committedOffset);
              d.int(e + "committedLeaderEpoch", m.committedLeaderEpoch, n.committedLeaderEpoch);
              d.str(e + "metadata", m.metadata, n.metadata);
              d.int(e + "errorCode", m.errorCode, n.errorCode);
            }
          }
        }
      }
      d.int(p + "errorCode", g.errorCode, h.errorCode);
    }
  }
}

function diffJoinGroupRequest(d: Diff, a: JoinGroupRequest, b: JoinGroupRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  d.int("sessionTimeoutMs", a.sessionTimeoutMs, b.sessionTimeoutMs);
  d.int("rebalanceTimeoutMs", a.rebalanceTimeoutMs, b.rebalanceTimeoutMs);
  d.str("memberId", a.memberId, b.memberId);
  d.str("groupInstanceId", a.groupInstanceId, b.groupInstanceId);
  d.str("protocolType", a.protocolType, b.protocolType);
  if (d.arr<JoinGroupRequestProtocol>("protocols", a.protocols, b.protocols)) {
    for (let i = 0; i < a.protocols.length; i++) {
      const p = "protocols[" + i.toString() + "].";
      d.str(p + "name", a.protocols[i].name, b.protocols[i].name);
      d.bytes(p + "metadata", a.protocols[i].metadata, b.protocols[i].metadata);
    }
  }
  d.str("reason", a.reason, b.reason);
}

function diffJoinGroupResponse(d: Diff, a: JoinGroupResponse, b: JoinGroupResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  d.int("generationId", a.generationId, b.generationId);
  d.str("protocolType", a.protocolType, b.protocolType);
  d.str("protocolName", a.protocolName, b.protocolName);
  d.str("leader", a.leader, b.leader);
  d.flag("skipAssignment", a.skipAssignment, b.skipAssignment);
  d.str("memberId", a.memberId, b.memberId);
  if (d.arr<JoinGroupResponseMember>("members", a.members, b.members)) {
    for (let i = 0; i < a.members.length; i++) {
      const p = "members[" + i.toString() + "].";
      d.str(p + "memberId", a.members[i].memberId, b.members[i].memberId);
      d.str(p + "groupInstanceId", a.members[i].groupInstanceId, b.members[i].groupInstanceId);
      d.bytes(p + "metadata", a.members[i].metadata, b.members[i].metadata);
    }
  }
}

function diffSyncGroupRequest(d: Diff, a: SyncGroupRequest, b: SyncGroupRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  d.int("generationId", a.generationId, b.generationId);
  d.str("memberId", a.memberId, b.memberId);
  d.str("groupInstanceId", a.groupInstanceId, b.groupInstanceId);
  d.str("protocolType", a.protocolType, b.protocolType);
  d.str("protocolName", a.protocolName, b.protocolName);
  if (d.arr<SyncGroupRequestAssignment>("assignments", a.assignments, b.assignments)) {
    for (let i = 0; i < a.assignments.length; i++) {
      const p = "assignments[" + i.toString() + "].";
      d.str(p + "memberId", a.assignments[i].memberId, b.assignments[i].memberId);
      d.bytes(p + "assignment", a.assignments[i].assignment, b.assignments[i].assignment);
    }
  }
}

function diffSyncGroupResponse(d: Diff, a: SyncGroupResponse, b: SyncGroupResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  d.str("protocolType", a.protocolType, b.protocolType);
  d.str("protocolName", a.protocolName, b.protocolName);
  d.bytes("assignment", a.assignment, b.assignment);
}

function diffHeartbeatRequest(d: Diff, a: HeartbeatRequest, b: HeartbeatRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  d.int("generationId", a.generationId, b.generationId);
  d.str("memberId", a.memberId, b.memberId);
  d.str("groupInstanceId", a.groupInstanceId, b.groupInstanceId);
}

function diffHeartbeatResponse(d: Diff, a: HeartbeatResponse, b: HeartbeatResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
}

function diffLeaveGroupRequest(d: Diff, a: LeaveGroupRequest, b: LeaveGroupRequest): void {
  d.str("groupId", a.groupId, b.groupId);
  d.str("memberId", a.memberId, b.memberId);
  if (d.arr<MemberIdentity>("members", a.members, b.members)) {
    for (let i = 0; i < a.members.length; i++) {
      const p = "members[" + i.toString() + "].";
      d.str(p + "memberId", a.members[i].memberId, b.members[i].memberId);
      d.str(p + "groupInstanceId", a.members[i].groupInstanceId, b.members[i].groupInstanceId);
      d.str(p + "reason", a.members[i].reason, b.members[i].reason);
    }
  }
}

function diffLeaveGroupResponse(d: Diff, a: LeaveGroupResponse, b: LeaveGroupResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  if (d.arr<MemberResponse>("members", a.members, b.members)) {
    for (let i = 0; i < a.members.length; i++) {
      const p = "members[" + i.toString() + "].";
      d.str(p + "memberId", a.members[i].memberId, b.members[i].memberId);
      d.str(p + "groupInstanceId", a.members[i].groupInstanceId, b.members[i].groupInstanceId);
      d.int(p + "errorCode", a.members[i].errorCode, b.members[i].errorCode);
    }
  }
}

function diffDescribeGroupsRequest(d: Diff, a: DescribeGroupsRequest, b: DescribeGroupsRequest): void {
  d.strs("groups", a.groups, b.groups);
  d.flag("includeAuthorizedOperations", a.includeAuthorizedOperations, b.includeAuthorizedOperations);
}

function diffDescribeGroupsResponse(d: Diff, a: DescribeGroupsResponse, b: DescribeGroupsResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  if (d.arr<DescribedGroup>("groups", a.groups, b.groups)) {
    for (let i = 0; i < a.groups.length; i++) {
      const x = a.groups[i];
      const y = b.groups[i];
      const p = "groups[" + i.toString() + "].";
      d.int(p + "errorCode", x.errorCode, y.errorCode);
      d.str(p + "errorMessage", x.errorMessage, y.errorMessage);
      d.str(p + "groupId", x.groupId, y.groupId);
      d.str(p + "groupState", x.groupState, y.groupState);
      d.str(p + "protocolType", x.protocolType, y.protocolType);
      d.str(p + "protocolData", x.protocolData, y.protocolData);
      if (d.arr<DescribedGroupMember>(p + "members", x.members, y.members)) {
        for (let j = 0; j < x.members.length; j++) {
          const m = x.members[j];
          const n = y.members[j];
          const q = p + "members[" + j.toString() + "].";
          d.str(q + "memberId", m.memberId, n.memberId);
          d.str(q + "groupInstanceId", m.groupInstanceId, n.groupInstanceId);
          d.str(q + "clientId", m.clientId, n.clientId);
          d.str(q + "clientHost", m.clientHost, n.clientHost);
          d.bytes(q + "memberMetadata", m.memberMetadata, n.memberMetadata);
          d.bytes(q + "memberAssignment", m.memberAssignment, n.memberAssignment);
        }
      }
      d.int(p + "authorizedOperations", x.authorizedOperations, y.authorizedOperations);
    }
  }
}

function diffListGroupsRequest(d: Diff, a: ListGroupsRequest, b: ListGroupsRequest): void {
  d.strs("statesFilter", a.statesFilter, b.statesFilter);
  d.strs("typesFilter", a.typesFilter, b.typesFilter);
}

function diffListGroupsResponse(d: Diff, a: ListGroupsResponse, b: ListGroupsResponse): void {
  d.int("throttleTimeMs", a.throttleTimeMs, b.throttleTimeMs);
  d.int("errorCode", a.errorCode, b.errorCode);
  if (d.arr<ListedGroup>("groups", a.groups, b.groups)) {
    for (let i = 0; i < a.groups.length; i++) {
      const p = "groups[" + i.toString() + "].";
      d.str(p + "groupId", a.groups[i].groupId, b.groups[i].groupId);
      d.str(p + "protocolType", a.groups[i].protocolType, b.groups[i].protocolType);
      d.str(p + "groupState", a.groups[i].groupState, b.groups[i].groupState);
      d.str(p + "groupType", a.groups[i].groupType, b.groups[i].groupType);
    }
  }
}

function diffSaslHandshakeResponse(d: Diff, a: SaslHandshakeResponse, b: SaslHandshakeResponse): void {
  d.int("errorCode", a.errorCode, b.errorCode);
  d.strs("mechanisms", a.mechanisms, b.mechanisms);
}

function diffSaslAuthenticateResponse(d: Diff, a: SaslAuthenticateResponse, b: SaslAuthenticateResponse): void {
  d.int("errorCode", a.errorCode, b.errorCode);
  d.str("errorMessage", a.errorMessage, b.errorMessage);
  d.bytes("authBytes", a.authBytes, b.authBytes);
  d.int("sessionLifetimeMs", a.sessionLifetimeMs, b.sessionLifetimeMs);
}

// ---------------------------------------------------------------------------
// Dispatch by message name (no closures in AssemblyScript).

export const MESSAGE_NAMES: string[] = [
  "RequestHeader",
  "ResponseHeader",
  "ApiVersionsRequest",
  "ApiVersionsResponse",
  "MetadataRequest",
  "MetadataResponse",
  "ProduceRequest",
  "ProduceResponse",
  "InitProducerIdRequest",
  "InitProducerIdResponse",
  "FetchRequest",
  "FetchResponse",
  "ListOffsetsRequest",
  "ListOffsetsResponse",
  "FindCoordinatorRequest",
  "FindCoordinatorResponse",
  "OffsetCommitRequest",
  "OffsetCommitResponse",
  "OffsetFetchRequest",
  "OffsetFetchResponse",
  "JoinGroupRequest",
  "JoinGroupResponse",
  "SyncGroupRequest",
  "SyncGroupResponse",
  "HeartbeatRequest",
  "HeartbeatResponse",
  "LeaveGroupRequest",
  "LeaveGroupResponse",
  "DescribeGroupsRequest",
  "DescribeGroupsResponse",
  "ListGroupsRequest",
  "ListGroupsResponse",
  "SaslHandshakeRequest",
  "SaslHandshakeResponse",
  "SaslAuthenticateRequest",
  "SaslAuthenticateResponse",
];

/** Variants each builder knows, for the round-trip tests. */
export function variantsOf(name: string): string[] {
  if (name == "RequestHeader") return ["full", "null-client"];
  if (name == "ApiVersionsResponse") return ["full", "keys-only"];
  if (name == "MetadataRequest") return ["full", "all-topics", "null-name"];
  if (name == "MetadataResponse") return ["full", "empty", "null-name"];
  if (name == "ProduceRequest" || name == "ProduceResponse") return ["full", "minimal"];
  if (name == "InitProducerIdRequest") return ["transactional", "idempotent"];
  if (name == "FetchRequest" || name == "FetchResponse") return ["full", "minimal"];
  if (name == "FindCoordinatorRequest") return ["group", "transaction"];
  if (name == "FindCoordinatorResponse" || name == "OffsetFetchResponse") return ["full", "error"];
  if (name == "OffsetCommitRequest" || name == "HeartbeatRequest") return ["full", "dynamic"];
  if (name == "OffsetFetchRequest") return ["full", "all-topics"];
  if (name == "JoinGroupRequest") return ["full", "rejoin"];
  if (name == "SyncGroupRequest") return ["full", "follower"];
  if (name == "JoinGroupResponse" || name == "SyncGroupResponse" || name == "ListGroupsResponse") return ["full", "error"];
  if (name == "SaslHandshakeResponse") return ["full", "unsupported"];
  if (name == "SaslAuthenticateResponse") return ["full", "failed"];
  return ["full"];
}

/** Lowest and highest version each generated message can be asked to encode. */
export function versionRange(name: string): i32[] {
  if (name == "RequestHeader") return [0, RequestHeader.HIGHEST_VERSION];
  if (name == "ResponseHeader") return [ResponseHeader.LOWEST_VERSION, ResponseHeader.HIGHEST_VERSION];
  if (name == "ApiVersionsRequest") return [ApiVersionsRequest.LOWEST_VERSION, ApiVersionsRequest.HIGHEST_VERSION];
  if (name == "ApiVersionsResponse") return [ApiVersionsResponse.LOWEST_VERSION, ApiVersionsResponse.HIGHEST_VERSION];
  if (name == "MetadataRequest") return [MetadataRequest.LOWEST_VERSION, MetadataRequest.HIGHEST_VERSION];
  if (name == "MetadataResponse") return [MetadataResponse.LOWEST_VERSION, MetadataResponse.HIGHEST_VERSION];
  if (name == "ProduceRequest") return [ProduceRequest.LOWEST_VERSION, ProduceRequest.HIGHEST_VERSION];
  if (name == "ProduceResponse") return [ProduceResponse.LOWEST_VERSION, ProduceResponse.HIGHEST_VERSION];
  if (name == "InitProducerIdRequest") return [InitProducerIdRequest.LOWEST_VERSION, InitProducerIdRequest.HIGHEST_VERSION];
  if (name == "InitProducerIdResponse") return [InitProducerIdResponse.LOWEST_VERSION, InitProducerIdResponse.HIGHEST_VERSION];
  if (name == "FetchRequest") return [FetchRequest.LOWEST_VERSION, FetchRequest.HIGHEST_VERSION];
  if (name == "FetchResponse") return [FetchResponse.LOWEST_VERSION, FetchResponse.HIGHEST_VERSION];
  if (name == "ListOffsetsRequest") return [ListOffsetsRequest.LOWEST_VERSION, ListOffsetsRequest.HIGHEST_VERSION];
  if (name == "ListOffsetsResponse") return [ListOffsetsResponse.LOWEST_VERSION, ListOffsetsResponse.HIGHEST_VERSION];
  if (name == "FindCoordinatorRequest") return [FindCoordinatorRequest.LOWEST_VERSION, FindCoordinatorRequest.HIGHEST_VERSION];
  if (name == "FindCoordinatorResponse") return [FindCoordinatorResponse.LOWEST_VERSION, FindCoordinatorResponse.HIGHEST_VERSION];
  if (name == "OffsetCommitRequest") return [OffsetCommitRequest.LOWEST_VERSION, OffsetCommitRequest.HIGHEST_VERSION];
  if (name == "OffsetCommitResponse") return [OffsetCommitResponse.LOWEST_VERSION, OffsetCommitResponse.HIGHEST_VERSION];
  if (name == "OffsetFetchRequest") return [OffsetFetchRequest.LOWEST_VERSION, OffsetFetchRequest.HIGHEST_VERSION];
  if (name == "OffsetFetchResponse") return [OffsetFetchResponse.LOWEST_VERSION, OffsetFetchResponse.HIGHEST_VERSION];
  if (name == "JoinGroupRequest") return [JoinGroupRequest.LOWEST_VERSION, JoinGroupRequest.HIGHEST_VERSION];
  if (name == "JoinGroupResponse") return [JoinGroupResponse.LOWEST_VERSION, JoinGroupResponse.HIGHEST_VERSION];
  if (name == "SyncGroupRequest") return [SyncGroupRequest.LOWEST_VERSION, SyncGroupRequest.HIGHEST_VERSION];
  if (name == "SyncGroupResponse") return [SyncGroupResponse.LOWEST_VERSION, SyncGroupResponse.HIGHEST_VERSION];
  if (name == "HeartbeatRequest") return [HeartbeatRequest.LOWEST_VERSION, HeartbeatRequest.HIGHEST_VERSION];
  if (name == "HeartbeatResponse") return [HeartbeatResponse.LOWEST_VERSION, HeartbeatResponse.HIGHEST_VERSION];
  if (name == "LeaveGroupRequest") return [LeaveGroupRequest.LOWEST_VERSION, LeaveGroupRequest.HIGHEST_VERSION];
  if (name == "LeaveGroupResponse") return [LeaveGroupResponse.LOWEST_VERSION, LeaveGroupResponse.HIGHEST_VERSION];
  if (name == "DescribeGroupsRequest") return [DescribeGroupsRequest.LOWEST_VERSION, DescribeGroupsRequest.HIGHEST_VERSION];
  if (name == "DescribeGroupsResponse") return [DescribeGroupsResponse.LOWEST_VERSION, DescribeGroupsResponse.HIGHEST_VERSION];
  if (name == "ListGroupsRequest") return [ListGroupsRequest.LOWEST_VERSION, ListGroupsRequest.HIGHEST_VERSION];
  if (name == "ListGroupsResponse") return [ListGroupsResponse.LOWEST_VERSION, ListGroupsResponse.HIGHEST_VERSION];
  if (name == "SaslHandshakeRequest") return [SaslHandshakeRequest.LOWEST_VERSION, SaslHandshakeRequest.HIGHEST_VERSION];
  if (name == "SaslHandshakeResponse") return [SaslHandshakeResponse.LOWEST_VERSION, SaslHandshakeResponse.HIGHEST_VERSION];
  if (name == "SaslAuthenticateRequest") return [SaslAuthenticateRequest.LOWEST_VERSION, SaslAuthenticateRequest.HIGHEST_VERSION];
  if (name == "SaslAuthenticateResponse") return [SaslAuthenticateResponse.LOWEST_VERSION, SaslAuthenticateResponse.HIGHEST_VERSION];
  return [0, -1];
}

/** Whether a builder variant exists in a version (mirrors the Java program's loops). */
export function variantExists(name: string, variant: string, v: i16): bool {
  if (name == "FindCoordinatorRequest" && variant == "transaction") return v >= 1;
  if (name == "FindCoordinatorResponse" && variant == "error") return v <= 3;
  if (name == "OffsetFetchRequest" && variant == "all-topics") return v >= 2;
  if (name == "OffsetFetchResponse" && variant == "error") return v >= 2 && v <= 7;
  if (variant == "null-name") return name == "MetadataRequest" ? v >= 10 : v >= 12;
  if (variant == "all-topics") return v >= 1;
  if (variant == "null-client") return v >= 1;
  return true;
}

/** Builds (name, variant) for version v and encodes it into w. */
export function buildAndEncode(name: string, variant: string, v: i16, w: Writer): void {
  if (name == "RequestHeader") buildRequestHeader(v, variant).encode(w, v);
  else if (name == "ResponseHeader") buildResponseHeader(v, variant).encode(w, v);
  else if (name == "ApiVersionsRequest") buildApiVersionsRequest(v, variant).encode(w, v);
  else if (name == "ApiVersionsResponse") buildApiVersionsResponse(v, variant).encode(w, v);
  else if (name == "MetadataRequest") buildMetadataRequest(v, variant).encode(w, v);
  else if (name == "MetadataResponse") buildMetadataResponse(v, variant).encode(w, v);
  else if (name == "ProduceRequest") buildProduceRequest(v, variant).encode(w, v);
  else if (name == "ProduceResponse") buildProduceResponse(v, variant).encode(w, v);
  else if (name == "InitProducerIdRequest") buildInitProducerIdRequest(v, variant).encode(w, v);
  else if (name == "InitProducerIdResponse") buildInitProducerIdResponse(v, variant).encode(w, v);
  else if (name == "FetchRequest") buildFetchRequest(v, variant).encode(w, v);
  else if (name == "FetchResponse") buildFetchResponse(v, variant).encode(w, v);
  else if (name == "ListOffsetsRequest") buildListOffsetsRequest(v, variant).encode(w, v);
  else if (name == "ListOffsetsResponse") buildListOffsetsResponse(v, variant).encode(w, v);
  else if (name == "FindCoordinatorRequest") buildFindCoordinatorRequest(v, variant).encode(w, v);
  else if (name == "FindCoordinatorResponse") buildFindCoordinatorResponse(v, variant).encode(w, v);
  else if (name == "OffsetCommitRequest") buildOffsetCommitRequest(v, variant).encode(w, v);
  else if (name == "OffsetCommitResponse") buildOffsetCommitResponse(v, variant).encode(w, v);
  else if (name == "OffsetFetchRequest") buildOffsetFetchRequest(v, variant).encode(w, v);
  else if (name == "OffsetFetchResponse") buildOffsetFetchResponse(v, variant).encode(w, v);
  else if (name == "JoinGroupRequest") buildJoinGroupRequest(v, variant).encode(w, v);
  else if (name == "JoinGroupResponse") buildJoinGroupResponse(v, variant).encode(w, v);
  else if (name == "SyncGroupRequest") buildSyncGroupRequest(v, variant).encode(w, v);
  else if (name == "SyncGroupResponse") buildSyncGroupResponse(v, variant).encode(w, v);
  else if (name == "HeartbeatRequest") buildHeartbeatRequest(v, variant).encode(w, v);
  else if (name == "HeartbeatResponse") buildHeartbeatResponse(v, variant).encode(w, v);
  else if (name == "LeaveGroupRequest") buildLeaveGroupRequest(v, variant).encode(w, v);
  else if (name == "LeaveGroupResponse") buildLeaveGroupResponse(v, variant).encode(w, v);
  else if (name == "DescribeGroupsRequest") buildDescribeGroupsRequest(v, variant).encode(w, v);
  else if (name == "DescribeGroupsResponse") buildDescribeGroupsResponse(v, variant).encode(w, v);
  else if (name == "ListGroupsRequest") buildListGroupsRequest(v, variant).encode(w, v);
  else if (name == "ListGroupsResponse") buildListGroupsResponse(v, variant).encode(w, v);
  else if (name == "SaslHandshakeRequest") buildSaslHandshakeRequest(v, variant).encode(w, v);
  else if (name == "SaslHandshakeResponse") buildSaslHandshakeResponse(v, variant).encode(w, v);
  else if (name == "SaslAuthenticateRequest") buildSaslAuthenticateRequest(v, variant).encode(w, v);
  else if (name == "SaslAuthenticateResponse") buildSaslAuthenticateResponse(v, variant).encode(w, v);
  else abort("unknown message " + name);
}

/** Decodes `name` from r and, when w is given, re-encodes the result into it. */
export function decodeAndEncode(name: string, r: Reader, v: i16, w: Writer | null): void {
  if (name == "RequestHeader") {
    const m = RequestHeader.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ResponseHeader") {
    const m = ResponseHeader.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ApiVersionsRequest") {
    const m = ApiVersionsRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ApiVersionsResponse") {
    const m = ApiVersionsResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "MetadataRequest") {
    const m = MetadataRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "MetadataResponse") {
    const m = MetadataResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ProduceRequest") {
    const m = ProduceRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ProduceResponse") {
    const m = ProduceResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "InitProducerIdRequest") {
    const m = InitProducerIdRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "InitProducerIdResponse") {
    const m = InitProducerIdResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "FetchRequest") {
    const m = FetchRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "FetchResponse") {
    const m = FetchResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ListOffsetsRequest") {
    const m = ListOffsetsRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ListOffsetsResponse") {
    const m = ListOffsetsResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "FindCoordinatorRequest") {
    const m = FindCoordinatorRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "FindCoordinatorResponse") {
    const m = FindCoordinatorResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "OffsetCommitRequest") {
    const m = OffsetCommitRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "OffsetCommitResponse") {
    const m = OffsetCommitResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "OffsetFetchRequest") {
    const m = OffsetFetchRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "OffsetFetchResponse") {
    const m = OffsetFetchResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "JoinGroupRequest") {
    const m = JoinGroupRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "JoinGroupResponse") {
    const m = JoinGroupResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SyncGroupRequest") {
    const m = SyncGroupRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SyncGroupResponse") {
    const m = SyncGroupResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "HeartbeatRequest") {
    const m = HeartbeatRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "HeartbeatResponse") {
    const m = HeartbeatResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "LeaveGroupRequest") {
    const m = LeaveGroupRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "LeaveGroupResponse") {
    const m = LeaveGroupResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "DescribeGroupsRequest") {
    const m = DescribeGroupsRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "DescribeGroupsResponse") {
    const m = DescribeGroupsResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ListGroupsRequest") {
    const m = ListGroupsRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "ListGroupsResponse") {
    const m = ListGroupsResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SaslHandshakeRequest") {
    const m = SaslHandshakeRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SaslHandshakeResponse") {
    const m = SaslHandshakeResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SaslAuthenticateRequest") {
    const m = SaslAuthenticateRequest.decode(r, v);
    if (w) m.encode(w, v);
  } else if (name == "SaslAuthenticateResponse") {
    const m = SaslAuthenticateResponse.decode(r, v);
    if (w) m.encode(w, v);
  } else abort("unknown message " + name);
}

/** Decodes `name` from r and compares it with the builder's (variant, v); "" when equal. */
export function decodeAndDiff(name: string, variant: string, r: Reader, v: i16): string {
  const d = new Diff();
  if (name == "RequestHeader") diffRequestHeader(d, RequestHeader.decode(r, v), buildRequestHeader(v, variant));
  else if (name == "ResponseHeader") d.int("correlationId", ResponseHeader.decode(r, v).correlationId, buildResponseHeader(v, variant).correlationId);
  else if (name == "ApiVersionsRequest") diffApiVersionsRequest(d, ApiVersionsRequest.decode(r, v), buildApiVersionsRequest(v, variant));
  else if (name == "ApiVersionsResponse") diffApiVersionsResponse(d, ApiVersionsResponse.decode(r, v), buildApiVersionsResponse(v, variant));
  else if (name == "MetadataRequest") diffMetadataRequest(d, MetadataRequest.decode(r, v), buildMetadataRequest(v, variant));
  else if (name == "MetadataResponse") diffMetadataResponse(d, MetadataResponse.decode(r, v), buildMetadataResponse(v, variant));
  else if (name == "ProduceRequest") diffProduceRequest(d, ProduceRequest.decode(r, v), buildProduceRequest(v, variant));
  else if (name == "ProduceResponse") diffProduceResponse(d, ProduceResponse.decode(r, v), buildProduceResponse(v, variant));
  else if (name == "InitProducerIdRequest") diffInitProducerIdRequest(d, InitProducerIdRequest.decode(r, v), buildInitProducerIdRequest(v, variant));
  else if (name == "InitProducerIdResponse") diffInitProducerIdResponse(d, InitProducerIdResponse.decode(r, v), buildInitProducerIdResponse(v, variant));
  else if (name == "FetchRequest") diffFetchRequest(d, FetchRequest.decode(r, v), buildFetchRequest(v, variant));
  else if (name == "FetchResponse") diffFetchResponse(d, FetchResponse.decode(r, v), buildFetchResponse(v, variant));
  else if (name == "ListOffsetsRequest") diffListOffsetsRequest(d, ListOffsetsRequest.decode(r, v), buildListOffsetsRequest(v, variant));
  else if (name == "ListOffsetsResponse") diffListOffsetsResponse(d, ListOffsetsResponse.decode(r, v), buildListOffsetsResponse(v, variant));
  else if (name == "FindCoordinatorRequest") diffFindCoordinatorRequest(d, FindCoordinatorRequest.decode(r, v), buildFindCoordinatorRequest(v, variant));
  else if (name == "FindCoordinatorResponse") diffFindCoordinatorResponse(d, FindCoordinatorResponse.decode(r, v), buildFindCoordinatorResponse(v, variant));
  else if (name == "OffsetCommitRequest") diffOffsetCommitRequest(d, OffsetCommitRequest.decode(r, v), buildOffsetCommitRequest(v, variant));
  else if (name == "OffsetCommitResponse") diffOffsetCommitResponse(d, OffsetCommitResponse.decode(r, v), buildOffsetCommitResponse(v, variant));
  else if (name == "OffsetFetchRequest") diffOffsetFetchRequest(d, OffsetFetchRequest.decode(r, v), buildOffsetFetchRequest(v, variant));
  else if (name == "OffsetFetchResponse") diffOffsetFetchResponse(d, OffsetFetchResponse.decode(r, v), buildOffsetFetchResponse(v, variant));
  else if (name == "JoinGroupRequest") diffJoinGroupRequest(d, JoinGroupRequest.decode(r, v), buildJoinGroupRequest(v, variant));
  else if (name == "JoinGroupResponse") diffJoinGroupResponse(d, JoinGroupResponse.decode(r, v), buildJoinGroupResponse(v, variant));
  else if (name == "SyncGroupRequest") diffSyncGroupRequest(d, SyncGroupRequest.decode(r, v), buildSyncGroupRequest(v, variant));
  else if (name == "SyncGroupResponse") diffSyncGroupResponse(d, SyncGroupResponse.decode(r, v), buildSyncGroupResponse(v, variant));
  else if (name == "HeartbeatRequest") diffHeartbeatRequest(d, HeartbeatRequest.decode(r, v), buildHeartbeatRequest(v, variant));
  else if (name == "HeartbeatResponse") diffHeartbeatResponse(d, HeartbeatResponse.decode(r, v), buildHeartbeatResponse(v, variant));
  else if (name == "LeaveGroupRequest") diffLeaveGroupRequest(d, LeaveGroupRequest.decode(r, v), buildLeaveGroupRequest(v, variant));
  else if (name == "LeaveGroupResponse") diffLeaveGroupResponse(d, LeaveGroupResponse.decode(r, v), buildLeaveGroupResponse(v, variant));
  else if (name == "DescribeGroupsRequest") diffDescribeGroupsRequest(d, DescribeGroupsRequest.decode(r, v), buildDescribeGroupsRequest(v, variant));
  else if (name == "DescribeGroupsResponse") diffDescribeGroupsResponse(d, DescribeGroupsResponse.decode(r, v), buildDescribeGroupsResponse(v, variant));
  else if (name == "ListGroupsRequest") diffListGroupsRequest(d, ListGroupsRequest.decode(r, v), buildListGroupsRequest(v, variant));
  else if (name == "ListGroupsResponse") diffListGroupsResponse(d, ListGroupsResponse.decode(r, v), buildListGroupsResponse(v, variant));
  else if (name == "SaslHandshakeRequest") d.str("mechanism", SaslHandshakeRequest.decode(r, v).mechanism, buildSaslHandshakeRequest(v, variant).mechanism);
  else if (name == "SaslHandshakeResponse") diffSaslHandshakeResponse(d, SaslHandshakeResponse.decode(r, v), buildSaslHandshakeResponse(v, variant));
  else if (name == "SaslAuthenticateRequest") d.bytes("authBytes", SaslAuthenticateRequest.decode(r, v).authBytes, buildSaslAuthenticateRequest(v, variant).authBytes);
  else if (name == "SaslAuthenticateResponse") diffSaslAuthenticateResponse(d, SaslAuthenticateResponse.decode(r, v), buildSaslAuthenticateResponse(v, variant));
  else d.out = "unknown message " + name;
  return d.out;
}
