// ApiVersions: answered by the mesh itself with exactly the APIs it implements.
import { KafkaError } from "../../kafka/errors";
import { ApiKey } from "../../kafka/messages/api_keys";
import { ApiVersion, ApiVersionsResponse } from "../../kafka/messages/api_versions_response";
import { Writer } from "../../kafka/wire";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { SUPPORTED_APIS, supportedApi } from "../supported_apis";

function entry(apiKey: i16, minVersion: i16, maxVersion: i16): ApiVersion {
  const v = new ApiVersion();
  v.apiKey = apiKey;
  v.minVersion = minVersion;
  v.maxVersion = maxVersion;
  return v;
}

export class ApiVersionsRequestHandler extends InFlightRequest {
  finished(): bool {
    return true;
  }

  computeAnswer(w: Writer): bool {
    const response = new ApiVersionsResponse();
    const range = supportedApi(ApiKey.ApiVersions)!;
    let version = this.apiVersion;
    if (version > range.maxVersion) {
      // As a broker does (KIP-511): a v0 answer carrying the error and the ApiVersions
      // range alone, so the client retries with a version both sides know.
      version = 0;
      response.errorCode = KafkaError.UNSUPPORTED_VERSION;
      response.apiKeys.push(entry(ApiKey.ApiVersions, range.minVersion, range.maxVersion));
    } else {
      const sasl = this.session.security.saslRequired();
      for (let i = 0; i < SUPPORTED_APIS.length; i++) {
        const api = SUPPORTED_APIS[i];
        if (api.sasl && !sasl) continue;
        response.apiKeys.push(entry(api.apiKey, api.minVersion, api.maxVersion));
      }
    }
    // ApiVersions answers always use response header v0.
    const start = beginResponse(w, this.correlationId, 0);
    response.encode(w, version);
    endResponse(w, start);
    return true;
  }
}
