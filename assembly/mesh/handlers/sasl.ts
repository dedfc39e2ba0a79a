// SASL, answered by the mesh as a broker's SaslServerAuthenticator does (docs/security.md):
// SaslHandshake picks the mechanism, SaslAuthenticate (or, after a v0 handshake, raw
// size-prefixed tokens) carries the exchange. A refused mechanism or a failed exchange is
// answered and the connection closed after that answer.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { SaslAuthenticateRequest } from "../../kafka/messages/sasl_authenticate_request";
import { SaslAuthenticateResponse } from "../../kafka/messages/sasl_authenticate_response";
import { SaslHandshakeRequest } from "../../kafka/messages/sasl_handshake_request";
import { SaslHandshakeResponse } from "../../kafka/messages/sasl_handshake_response";
import { Writer } from "../../kafka/wire";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { SaslStage, Session } from "../session";

export class SaslHandshakeRequestHandler extends InFlightRequest {
  private errorCode: i16 = KafkaError.NONE;

  constructor(apiVersion: i16, correlationId: i32, private request: SaslHandshakeRequest, session: Session) {
    super(ApiKey.SaslHandshake, apiVersion, correlationId);
    this.session = session;
  }

  startProcessing(): void {
    const why = this.session.beginExchange(this.request.mechanism, this.apiVersion);
    if (why.length > 0) {
      this.errorCode = KafkaError.UNSUPPORTED_SASL_MECHANISM;
      this.closeAfterAnswer = why;
      this.session.security.events.authenticationFailed("", this.request.mechanism, this.session.client, why);
    }
  }

  finished(): bool {
    return true;
  }

  computeAnswer(w: Writer): bool {
    const response = new SaslHandshakeResponse();
    response.errorCode = this.errorCode;
    response.mechanisms = this.session.security.mechanisms();
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.SaslHandshake, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}

export class SaslAuthenticateRequestHandler extends InFlightRequest {
  private response: SaslAuthenticateResponse = new SaslAuthenticateResponse();

  constructor(apiVersion: i16, correlationId: i32, private request: SaslAuthenticateRequest, session: Session, private nowMs: i64) {
    super(ApiKey.SaslAuthenticate, apiVersion, correlationId);
    this.session = session;
  }

  startProcessing(): void {
    const s = this.session;
    const r = this.response;
    r.errorMessage = null;
    if (s.stage != SaslStage.AUTHENTICATE) {
      r.errorCode = KafkaError.ILLEGAL_SASL_STATE;
      r.errorMessage = "SaslAuthenticate without a SaslHandshake v1 before it";
      this.closeAfterAnswer = r.errorMessage!;
      return;
    }
    const step = s.step(this.request.authBytes, this.nowMs);
    if (step.error.length > 0) {
      r.errorCode = KafkaError.SASL_AUTHENTICATION_FAILED;
      r.errorMessage = step.error;
      this.closeAfterAnswer = "SASL authentication failed";
      return;
    }
    r.authBytes = step.token;
    if (step.complete) r.sessionLifetimeMs = s.security.sessionLifetimeMs();
  }

  finished(): bool {
    return true;
  }

  computeAnswer(w: Writer): bool {
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.SaslAuthenticate, this.apiVersion));
    this.response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}

/**
 * A token after a v0 handshake: the frame is the token itself, answered with the server's token
 * as a bare size-prefixed frame; a failure closes the connection without an answer.
 */
export class SaslRawTokenHandler extends InFlightRequest {
  private token: Uint8Array = new Uint8Array(0);

  constructor(private frame: Uint8Array, session: Session, private nowMs: i64) {
    super(ApiKey.SaslAuthenticate, 0, 0);
    this.session = session;
  }

  startProcessing(): void {
    const step = this.session.step(this.frame, this.nowMs);
    if (step.error.length > 0) {
      this.closeAfterAnswer = "SASL authentication failed";
      return;
    }
    this.token = step.token;
    if (!step.complete) this.session.stage = SaslStage.RAW_TOKENS;
  }

  finished(): bool {
    return true;
  }

  computeAnswer(w: Writer): bool {
    if (this.closeAfterAnswer.length > 0) return false;
    // A completed PLAIN exchange has no server token: Kafka sends an empty frame.
    w.int32(this.token.length);
    w.bytes(this.token);
    return true;
  }
}
