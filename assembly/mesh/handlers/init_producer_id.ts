// InitProducerId for idempotent producers: a producer id unique across the mesh's worker
// VMs and restarts, epoch 0. The mesh takes part in no transaction, so a transactional id
// is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, an error clients report at once.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { InitProducerIdRequest } from "../../kafka/messages/init_producer_id_request";
import { InitProducerIdResponse } from "../../kafka/messages/init_producer_id_response";
import { Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { Operation, ResourceType } from "../../auth/acl";

/** Kafka's COORDINATOR_NOT_AVAILABLE: retriable, the client asks again. */
const COORDINATOR_NOT_AVAILABLE: i16 = 15;

export class InitProducerIdRequestHandler extends InFlightRequest {
  constructor(apiVersion: i16, correlationId: i32, private request: InitProducerIdRequest, private mesh: MeshContext) {
    super(ApiKey.InitProducerId, apiVersion, correlationId);
  }

  finished(): bool {
    return true;
  }

  computeAnswer(w: Writer): bool {
    const response = new InitProducerIdResponse();
    if (this.request.transactionalId !== null) {
      response.errorCode = KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    } else if (!this.session.allowsSome("InitProducerId", Operation.WRITE, ResourceType.TOPIC)) {
      // As KafkaApis for an idempotent producer: WRITE on some topic (or IdempotentWrite on the cluster).
      response.errorCode = KafkaError.CLUSTER_AUTHORIZATION_FAILED;
    } else {
      // As a broker does for idempotent producers: always a new id, whatever id was passed.
      const id = this.mesh.producerIds.next();
      if (id < 0) response.errorCode = COORDINATOR_NOT_AVAILABLE;
      else {
        response.producerId = id;
        response.producerEpoch = 0;
      }
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.InitProducerId, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
