// Metadata: the mesh is the only broker and the leader of every partition; a topic
// exists when a forwarding rule routes it, with its cluster's partition count.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { MetadataRequest } from "../../kafka/messages/metadata_request";
import {
  MetadataResponse,
  MetadataResponseBroker,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from "../../kafka/messages/metadata_response";
import { Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { NO_ROUTE } from "../routing";
import { isValidTopicName, topicIdFor } from "../topics";
import { Operation, ResourceType } from "../../auth/acl";

/** Reported as the cluster id: the mesh presents itself as one cluster. */
export const MESH_CLUSTER_ID = "kafka-mesh";

function isZeroId(id: Uint8Array): bool {
  for (let i = 0; i < id.length; i++) if (id[i] != 0) return false;
  return true;
}

export class MetadataRequestHandler extends InFlightRequest {
  constructor(apiVersion: i16, correlationId: i32, private request: MetadataRequest, private mesh: MeshContext) {
    super(ApiKey.Metadata, apiVersion, correlationId);
  }

  finished(): bool {
    return true;
  }

  private topic(name: string): MetadataResponseTopic {
    const t = new MetadataResponseTopic();
    t.name = name;
    if (!isValidTopicName(name)) {
      t.errorCode = KafkaError.INVALID_TOPIC_EXCEPTION;
      return t;
    }
    const cluster = this.mesh.router.route(name);
    if (cluster == NO_ROUTE) {
      t.errorCode = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
      return t;
    }
    this.mesh.topics.remember(name);
    t.topicId = topicIdFor(name);
    const brokerId = this.mesh.config.brokerId;
    const count = this.mesh.config.clusters[cluster].partitionCount;
    for (let p = 0; p < count; p++) {
      const part = new MetadataResponsePartition();
      part.partitionIndex = p;
      part.leaderId = brokerId;
      part.leaderEpoch = 0;
      part.replicaNodes = [brokerId];
      part.isrNodes = [brokerId];
      t.partitions.push(part);
    }
    return t;
  }

  private response: MetadataResponse = new MetadataResponse();

  /** Built when the request is read, so the topics it names are known to later requests. */
  startProcessing(): void {
    const config = this.mesh.config;
    const response = this.response;
    const broker = new MetadataResponseBroker();
    broker.nodeId = config.brokerId;
    broker.host = config.advertisedHost;
    broker.port = config.advertisedPort;
    response.brokers.push(broker);
    response.clusterId = MESH_CLUSTER_ID;
    response.controllerId = config.brokerId;

    const requested = this.request.topics;
    // A null list (v1+), or an empty one in v0, asks for every topic.
    if (requested === null || (requested.length == 0 && this.apiVersion == 0)) {
      // Only the topics the principal may describe, as a broker lists them.
      const known = this.mesh.topics.knownTopics();
      for (let i = 0; i < known.length; i++) {
        if (this.session.allows("Metadata", Operation.DESCRIBE, ResourceType.TOPIC, known[i], false)) response.topics.push(this.topic(known[i]));
      }
    } else {
      for (let i = 0; i < requested.length; i++) {
        const entry = requested[i];
        let name = entry.name;
        const byId = name === null;
        if (name === null) {
          // Asked by id (v10+): only ids this mesh handed out can be resolved.
          name = isZeroId(entry.topicId) ? null : this.mesh.topics.nameOf(entry.topicId);
          if (name === null) {
            const unknown = new MetadataResponseTopic();
            unknown.name = null;
            unknown.topicId = entry.topicId;
            unknown.errorCode = KafkaError.UNKNOWN_TOPIC_ID;
            response.topics.push(unknown);
            continue;
          }
        }
        if (!this.session.allows("Metadata", Operation.DESCRIBE, ResourceType.TOPIC, name!)) {
          // As KafkaApis: asked by id, the answer carries that id and not the name (a principal
          // that may not describe the topic does not learn its name from its id).
          const denied = new MetadataResponseTopic();
          if (byId) {
            denied.name = null;
            denied.topicId = entry.topicId;
          } else denied.name = name;
          denied.errorCode = KafkaError.TOPIC_AUTHORIZATION_FAILED;
          response.topics.push(denied);
          continue;
        }
        response.topics.push(this.topic(name!));
      }
    }
  }

  computeAnswer(w: Writer): bool {
    const response = this.response;
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.Metadata, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
