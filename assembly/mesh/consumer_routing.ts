// Where a consumer request's partitions go (Fetch, ListOffsets; docs/consumers.md): the Forward
// channel of the topic's cluster, or the error the mesh answers the partition with itself.
import { KafkaError } from "../kafka/errors";
import { MeshContext } from "./context";
import { NO_ROUTE } from "./routing";
import { isValidTopicName } from "./topics";
import { Session } from "./session";
import { Operation, ResourceType } from "../auth/acl";

/** A topic's cluster (index into mesh.config.clusters), or NO_ROUTE with the error its partitions get. */
export class TopicTarget {
  constructor(
    public cluster: i32,
    public errorCode: i16,
  ) {}
}

/**
 * The target of a topic named `name` (null: a topic id no VM of the mesh handed out) for a
 * principal that needs `operation` on it (TOPIC_AUTHORIZATION_FAILED when the ACLs say no). Only
 * native-dialect clusters have a Forward channel: a Strimzi bridge cannot serve exact
 * consumers, so their partitions get UNSUPPORTED_VERSION (docs/consumers.md, "Strimzi dialect").
 */
export function topicTarget(mesh: MeshContext, name: string | null, session: Session, api: string, operation: Operation): TopicTarget {
  if (name === null) return new TopicTarget(NO_ROUTE, KafkaError.UNKNOWN_TOPIC_ID);
  // As KafkaApis: authorization before existence, so a denied principal learns nothing of the topic.
  if (!session.allows(api, operation, ResourceType.TOPIC, name)) return new TopicTarget(NO_ROUTE, KafkaError.TOPIC_AUTHORIZATION_FAILED);
  if (!isValidTopicName(name)) return new TopicTarget(NO_ROUTE, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  const cluster = mesh.router.route(name);
  if (cluster == NO_ROUTE) return new TopicTarget(NO_ROUTE, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  if (mesh.forwardChannels[cluster] === null) return new TopicTarget(NO_ROUTE, KafkaError.UNSUPPORTED_VERSION);
  return new TopicTarget(cluster, KafkaError.NONE);
}

/** True when the mesh's Metadata lists `partition` for a topic of `cluster`. */
export function partitionExists(mesh: MeshContext, cluster: i32, partition: i32): bool {
  return partition >= 0 && partition < mesh.config.clusters[cluster].partitionCount;
}

/** Key of a (topic, partition) in maps of upstream answers. */
export function partitionKey(topic: string, partition: i32): string {
  return partition.toString() + ":" + topic;
}
