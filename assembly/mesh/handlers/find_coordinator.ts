// FindCoordinator, answered by the filter: the mesh (the advertised broker) coordinates every
// group a group rule places, and forwards that group's requests to the cluster the rule names.
// Transactions are not served (InitProducerId refuses transactional ids the same way).
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { FindCoordinatorRequest } from "../../kafka/messages/find_coordinator_request";
import { Coordinator, FindCoordinatorResponse } from "../../kafka/messages/find_coordinator_response";
import { Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { NO_ROUTE } from "../routing";
import { GroupError } from "./forwarding";
import { Operation, ResourceType } from "../../auth/acl";

const KEY_TYPE_GROUP: i8 = 0;
const KEY_TYPE_TRANSACTION: i8 = 1;
/** First version that asks for many keys at once (KIP-699). */
const BATCHED_VERSION: i16 = 4;

export class FindCoordinatorRequestHandler extends InFlightRequest {
  constructor(apiVersion: i16, correlationId: i32, private request: FindCoordinatorRequest, private mesh: MeshContext) {
    super(ApiKey.FindCoordinator, apiVersion, correlationId);
  }

  finished(): bool {
    return true;
  }

  /** The answer for one key (v0 has no key type: it is a group). */
  private coordinator(key: string): Coordinator {
    const c = new Coordinator();
    c.key = key;
    // A refused key gets no node, as a broker answers (Node.noNode()).
    c.nodeId = -1;
    c.host = "";
    c.port = -1;
    c.errorMessage = null;
    const keyType = this.apiVersion >= 1 ? this.request.keyType : KEY_TYPE_GROUP;
    if (keyType == KEY_TYPE_GROUP) {
      if (!this.session.allows("FindCoordinator", Operation.DESCRIBE, ResourceType.GROUP, key)) {
        c.errorCode = GroupError.GROUP_AUTHORIZATION_FAILED;
        c.errorMessage = "Not authorized to describe group '" + key + "'";
      } else if (this.mesh.router.routeGroup(key) == NO_ROUTE) {
        c.errorCode = GroupError.INVALID_GROUP_ID;
        c.errorMessage = "group '" + key + "' matches no group rule of the mesh";
      } else {
        const config = this.mesh.config;
        c.nodeId = config.brokerId;
        c.host = config.advertisedHost;
        c.port = config.advertisedPort;
      }
    } else if (keyType == KEY_TYPE_TRANSACTION) {
      c.errorCode = KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      c.errorMessage = "transactions are not served by the mesh";
    } else {
      c.errorCode = KafkaError.INVALID_REQUEST;
      c.errorMessage = "key type " + keyType.toString() + " is not served by the mesh";
    }
    return c;
  }

  computeAnswer(w: Writer): bool {
    const response = new FindCoordinatorResponse();
    if (this.apiVersion >= BATCHED_VERSION) {
      const keys = this.request.coordinatorKeys;
      for (let i = 0; i < keys.length; i++) response.coordinators.push(this.coordinator(keys[i]));
    } else {
      const c = this.coordinator(this.request.key);
      response.errorCode = c.errorCode;
      response.errorMessage = c.errorMessage;
      response.nodeId = c.nodeId;
      response.host = c.host;
      response.port = c.port;
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.FindCoordinator, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
