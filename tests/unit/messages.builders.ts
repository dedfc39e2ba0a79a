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
];

/** Variants each builder knows, for the round-trip tests. */
export function variantsOf(name: string): string[] {
  if (name == "RequestHeader") return ["full", "null-client"];
  if (name == "ApiVersionsResponse") return ["full", "keys-only"];
  if (name == "MetadataRequest") return ["full", "all-topics", "null-name"];
  if (name == "MetadataResponse") return ["full", "empty", "null-name"];
  if (name == "ProduceRequest" || name == "ProduceResponse") return ["full", "minimal"];
  if (name == "InitProducerIdRequest") return ["transactional", "idempotent"];
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
  return [0, -1];
}

/** Whether a builder variant exists in a version (mirrors the Java program's loops). */
export function variantExists(name: string, variant: string, v: i16): bool {
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
  else d.out = "unknown message " + name;
  return d.out;
}
