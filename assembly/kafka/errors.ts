// Kafka error codes the mesh answers with (Errors.java; see error-codes.tsv in the
// protocol reference for the full table and which ones clients retry).
export namespace KafkaError {
  export const UNKNOWN_SERVER_ERROR: i16 = -1;
  export const NONE: i16 = 0;
  export const CORRUPT_MESSAGE: i16 = 2;
  export const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
  export const NOT_LEADER_OR_FOLLOWER: i16 = 6;
  export const REQUEST_TIMED_OUT: i16 = 7;
  export const MESSAGE_TOO_LARGE: i16 = 10;
  export const NETWORK_EXCEPTION: i16 = 13;
  export const INVALID_TOPIC_EXCEPTION: i16 = 17;
  export const RECORD_LIST_TOO_LARGE: i16 = 18;
  export const NOT_ENOUGH_REPLICAS: i16 = 19;
  export const NOT_ENOUGH_REPLICAS_AFTER_APPEND: i16 = 20;
  export const INVALID_REQUIRED_ACKS: i16 = 21;
  export const TOPIC_AUTHORIZATION_FAILED: i16 = 29;
  export const GROUP_AUTHORIZATION_FAILED: i16 = 30;
  export const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;
  export const INVALID_TIMESTAMP: i16 = 32;
  export const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
  export const ILLEGAL_SASL_STATE: i16 = 34;
  export const UNSUPPORTED_VERSION: i16 = 35;
  export const INVALID_REQUEST: i16 = 42;
  export const UNSUPPORTED_FOR_MESSAGE_FORMAT: i16 = 43;
  export const POLICY_VIOLATION: i16 = 44;
  export const OUT_OF_ORDER_SEQUENCE_NUMBER: i16 = 45;
  export const DUPLICATE_SEQUENCE_NUMBER: i16 = 46;
  export const INVALID_PRODUCER_EPOCH: i16 = 47;
  export const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: i16 = 53;
  export const KAFKA_STORAGE_ERROR: i16 = 56;
  export const SASL_AUTHENTICATION_FAILED: i16 = 58;
  export const UNSUPPORTED_COMPRESSION_TYPE: i16 = 76;
  export const INVALID_RECORD: i16 = 87;
  export const THROTTLING_QUOTA_EXCEEDED: i16 = 89;
  export const UNKNOWN_TOPIC_ID: i16 = 100;
}
