// The APIs the mesh implements, and the versions it advertises in ApiVersions.
// Only these are answered; a client never sends others to a broker that does not list them.
import { ApiKey } from "../kafka/messages/api_keys";

export class SupportedApi {
  constructor(public apiKey: i16, public minVersion: i16, public maxVersion: i16) {}
}

export const SUPPORTED_APIS: Array<SupportedApi> = [
  new SupportedApi(ApiKey.Produce, 3, 12),
  new SupportedApi(ApiKey.Metadata, 0, 13),
  new SupportedApi(ApiKey.ApiVersions, 0, 4),
  new SupportedApi(ApiKey.InitProducerId, 0, 5),
];

/** The advertised range for an API key, or null when the mesh does not implement it. */
export function supportedApi(apiKey: i16): SupportedApi | null {
  for (let i = 0; i < SUPPORTED_APIS.length; i++) {
    if (SUPPORTED_APIS[i].apiKey == apiKey) return SUPPORTED_APIS[i];
  }
  return null;
}
