// The APIs the mesh advertises in ApiVersions, and which of them it serves.
import { ApiKey } from "../kafka/messages/api_keys";

export class SupportedApi {
  constructor(
    public apiKey: i16,
    public minVersion: i16,
    public maxVersion: i16,
    /** False for APIs advertised only so clients enable features (see below). */
    public served: bool = true,
    /** Listed and served only when the configuration has SASL (docs/security.md). */
    public sasl: bool = false,
  ) {}
}

// librdkafka decides how to write records from the broker's API list, not from Produce
// alone: it writes v2 record batches only when Fetch v4+ is listed, and lz4 only when
// FindCoordinator is. Without them it falls back to magic 0/1 message sets, which Kafka 4
// (and the mesh) refuse. Fetch (and ListOffsets) are served, on native-dialect clusters
// (docs/consumers.md). An API listed with served = false is advertised only for such
// features: a client that really sends it gets a clean close and a log line.
export const SUPPORTED_APIS: Array<SupportedApi> = [
  new SupportedApi(ApiKey.Produce, 3, 13),
  new SupportedApi(ApiKey.Fetch, 4, 18),
  new SupportedApi(ApiKey.ListOffsets, 1, 10),
  new SupportedApi(ApiKey.Metadata, 0, 13),
  // Consumer groups (classic protocol), docs/consumers.md. OffsetCommit/OffsetFetch v10 (topic
  // ids) are unstable in kafka-clients 4.1.1; ConsumerGroupHeartbeat and OffsetForLeaderEpoch
  // stay unlisted so clients keep the classic protocol and skip leader-epoch validation.
  new SupportedApi(ApiKey.OffsetCommit, 2, 9),
  new SupportedApi(ApiKey.OffsetFetch, 1, 9),
  new SupportedApi(ApiKey.FindCoordinator, 0, 6),
  new SupportedApi(ApiKey.JoinGroup, 0, 9),
  new SupportedApi(ApiKey.Heartbeat, 0, 4),
  new SupportedApi(ApiKey.LeaveGroup, 0, 5),
  new SupportedApi(ApiKey.SyncGroup, 0, 5),
  new SupportedApi(ApiKey.DescribeGroups, 0, 6),
  new SupportedApi(ApiKey.ListGroups, 0, 5),
  new SupportedApi(ApiKey.ApiVersions, 0, 4),
  new SupportedApi(ApiKey.InitProducerId, 0, 5),
  new SupportedApi(ApiKey.SaslHandshake, 0, 1, true, true),
  new SupportedApi(ApiKey.SaslAuthenticate, 0, 2, true, true),
];

/** The advertised range for an API key, or null when the mesh does not list it (SASL APIs: only with `sasl`). */
export function supportedApi(apiKey: i16, sasl: bool = false): SupportedApi | null {
  for (let i = 0; i < SUPPORTED_APIS.length; i++) {
    const api = SUPPORTED_APIS[i];
    if (api.apiKey == apiKey) return api.sasl && !sasl ? null : api;
  }
  return null;
}
