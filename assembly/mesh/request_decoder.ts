// Reads a request frame's header and hands the request to the handler for its API.
// Anything a broker would refuse by closing the connection (an API key it does not
// serve, a version it does not support, a body that does not parse) closes it here too.
import { ApiKey, apiKeyInfo, requestHeaderVersion } from "../kafka/messages/api_keys";
import { ApiVersionsRequest } from "../kafka/messages/api_versions_request";
import { MetadataRequest } from "../kafka/messages/metadata_request";
import { InitProducerIdRequest } from "../kafka/messages/init_producer_id_request";
import { ProduceRequest } from "../kafka/messages/produce_request";
import { FetchRequest } from "../kafka/messages/fetch_request";
import { ListOffsetsRequest } from "../kafka/messages/list_offsets_request";
import { RequestHeader } from "../kafka/messages/request_header";
import { Reader } from "../kafka/wire";
import { RequestDecoder } from "./connection";
import { MeshContext } from "./context";
import { ApiVersionsRequestHandler } from "./handlers/api_versions";
import { MetadataRequestHandler } from "./handlers/metadata";
import { InitProducerIdRequestHandler } from "./handlers/init_producer_id";
import { ProduceRequestHandler } from "./handlers/produce";
import { FindCoordinatorRequest } from "../kafka/messages/find_coordinator_request";
import { DescribeGroupsRequest } from "../kafka/messages/describe_groups_request";
import { ListGroupsRequest } from "../kafka/messages/list_groups_request";
import { OffsetCommitRequest } from "../kafka/messages/offset_commit_request";
import { OffsetFetchRequest } from "../kafka/messages/offset_fetch_request";
import { FindCoordinatorRequestHandler } from "./handlers/find_coordinator";
import { decodeGroupForward, isGroupForwardApi } from "./handlers/group_forward";
import { DescribeGroupsRequestHandler } from "./handlers/describe_groups";
import { ListGroupsRequestHandler } from "./handlers/list_groups";
import { OffsetCommitRequestHandler } from "./handlers/offset_commit";
import { OffsetFetchRequestHandler } from "./handlers/offset_fetch";
import { FetchRequestHandler } from "./handlers/fetch";
import { FetchReadAhead } from "./fetch_read_ahead";
import { ListOffsetsRequestHandler } from "./handlers/list_offsets";
import { AnswerSink, InFlightRequest } from "./inflight";
import { ProduceOrder } from "./schema_gate";
import { supportedApi } from "./supported_apis";
import { MAX_UNAUTHENTICATED_FRAME_BYTES, openSession, SaslStage, Session } from "./session";
import { SaslAuthenticateRequest } from "../kafka/messages/sasl_authenticate_request";
import { SaslHandshakeRequest } from "../kafka/messages/sasl_handshake_request";
import { SaslAuthenticateRequestHandler, SaslHandshakeRequestHandler, SaslRawTokenHandler } from "./handlers/sasl";

export class MeshRequestDecoder extends RequestDecoder {
  /** This connection's Produce requests leave in order (schema checks may hold one). */
  private produceOrder: ProduceOrder = new ProduceOrder();
  /** This connection's Fetch read-ahead. */
  private readAhead: FetchReadAhead;
  constructor(private mesh: MeshContext, private session: Session = openSession()) {
    super();
    this.readAhead = mesh.readAheads.forConnection();
  }

  attach(sink: AnswerSink | null): void {
    this.readAhead.sink = sink;
  }

  heldBytes(): i64 {
    return this.readAhead.heldBytes();
  }

  answersPassed(): void {
    this.readAhead.answerPassed();
  }

  close(): void {
    this.readAhead.close();
  }

  frameLimit(configured: i32): i32 {
    return this.session.authenticated ? configured : min(configured, MAX_UNAUTHENTICATED_FRAME_BYTES);
  }

  decode(frame: Uint8Array): InFlightRequest | null {
    const request = this.decodeRequest(frame);
    if (request !== null) request.session = this.session;
    return request;
  }

  private decodeRequest(frame: Uint8Array): InFlightRequest | null {
    const session = this.session;
    // After a v0 handshake the next frames are the SASL tokens themselves.
    if (session.stage == SaslStage.RAW_TOKENS) return new SaslRawTokenHandler(frame, session, this.mesh.metrics.nowMillis());
    const peek = new Reader(frame);
    const apiKey = peek.int16();
    const apiVersion = peek.int16();
    if (peek.failed) return this.refuse("request shorter than its header");
    const info = apiKeyInfo(apiKey);
    if (info === null) return this.refuse("unknown api key " + apiKey.toString());

    const r = new Reader(frame);
    const header = RequestHeader.decode(r, requestHeaderVersion(apiKey, apiVersion));
    if (r.failed) return this.refuse("malformed header of " + info.name + " request");
    const correlationId = header.correlationId;
    this.mesh.metrics.request(info.name);

    const sasl = session.security.saslRequired();
    const api = supportedApi(apiKey, sasl);
    if (api === null || !api.served) return this.refuse(info.name + " requests are not served by the mesh");
    // As a broker's SaslServerAuthenticator: before authentication only ApiVersions and the
    // SASL exchange; after its session expired (KIP-368) only a re-authentication.
    const saslApi = apiKey == ApiKey.SaslHandshake || apiKey == ApiKey.SaslAuthenticate;
    if (!session.authenticated && apiKey != ApiKey.ApiVersions && !saslApi) {
      return this.refuse(info.name + " request before SASL authentication");
    }
    if (session.expired(this.mesh.metrics.nowMillis()) && !saslApi) {
      return this.refuse(info.name + " request after the SASL session expired (re-authentication required)");
    }
    if (session.authenticated) session.security.events.request(session.principal);
    if (apiKey == ApiKey.ApiVersions) {
      // An ApiVersions version newer than ours is answered (with v0), never refused.
      if (apiVersion <= api.maxVersion) {
        ApiVersionsRequest.decode(r, apiVersion);
        if (r.failed) return this.refuse("malformed ApiVersions request");
      }
      return new ApiVersionsRequestHandler(apiKey, apiVersion, correlationId);
    }
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      return this.refuse(info.name + " v" + apiVersion.toString() + " is not supported");
    }
    if (apiKey == ApiKey.SaslHandshake) {
      const body = SaslHandshakeRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed SaslHandshake request");
      return new SaslHandshakeRequestHandler(apiVersion, correlationId, body, session);
    }
    if (apiKey == ApiKey.SaslAuthenticate) {
      const body = SaslAuthenticateRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed SaslAuthenticate request");
      return new SaslAuthenticateRequestHandler(apiVersion, correlationId, body, session, this.mesh.metrics.nowMillis());
    }
    if (apiKey == ApiKey.Metadata) {
      const body = MetadataRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed Metadata request");
      return new MetadataRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.Produce) {
      const body = ProduceRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed Produce request");
      const produce = new ProduceRequestHandler(apiVersion, correlationId, body, this.mesh);
      produce.order = this.produceOrder;
      return produce;
    }
    if (apiKey == ApiKey.InitProducerId) {
      const body = InitProducerIdRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed InitProducerId request");
      return new InitProducerIdRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.Fetch) {
      const body = FetchRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed Fetch request");
      return new FetchRequestHandler(apiVersion, correlationId, body, this.mesh, this.readAhead);
    }
    if (apiKey == ApiKey.ListOffsets) {
      const body = ListOffsetsRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed ListOffsets request");
      return new ListOffsetsRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.FindCoordinator) {
      const body = FindCoordinatorRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed FindCoordinator request");
      return new FindCoordinatorRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (isGroupForwardApi(apiKey)) {
      // Forwarded as the client's own body bytes: the handler takes them from the frame.
      const request = decodeGroupForward(apiKey, apiVersion, correlationId, header.clientId, r, frame, this.mesh);
      if (request === null) return this.refuse("malformed " + info.name + " request");
      return request;
    }
    if (apiKey == ApiKey.DescribeGroups) {
      const body = DescribeGroupsRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed DescribeGroups request");
      return new DescribeGroupsRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.ListGroups) {
      const body = ListGroupsRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed ListGroups request");
      return new ListGroupsRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.OffsetCommit) {
      const body = OffsetCommitRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed OffsetCommit request");
      return new OffsetCommitRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    if (apiKey == ApiKey.OffsetFetch) {
      const body = OffsetFetchRequest.decode(r, apiVersion);
      if (r.failed) return this.refuse("malformed OffsetFetch request");
      return new OffsetFetchRequestHandler(apiVersion, correlationId, body, this.mesh);
    }
    return this.refuse(info.name + " requests are not served by the mesh");
  }

  private refuse(why: string): InFlightRequest | null {
    this.error = why;
    return null;
  }
}
