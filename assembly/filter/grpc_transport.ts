// StreamTransport over proxy-wasm gRPC streams (proxy_grpc_stream / proxy_grpc_send): one
// HTTP/2 stream per channel, messages ordered both ways. Streams belong to the plugin's root
// context, so they outlive the connections whose requests they carry; Envoy delivers their
// callbacks to that root context, and the token says which receiver a callback is for.
import { BufferTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { RestBridge } from "../mesh/config";
import { StreamReceiver, StreamTransport } from "../mesh/upstream_transport";
import { grpcServiceFor } from "../upstream/native";
import { readBuffer } from "./host";
import { asRoot, backFromRoot } from "./network";

// The SDK declares both without the initial-metadata pair the ABI (0.2.x) has: these are the real calls.
// @ts-ignore: decorator
@external("env", "proxy_grpc_stream")
declare function proxy_grpc_stream(
  service_ptr: usize,
  service_size: usize,
  service_name_ptr: usize,
  service_name_size: usize,
  method_name_ptr: usize,
  method_name_size: usize,
  initial_metadata_ptr: usize,
  initial_metadata_size: usize,
  token_ptr: usize,
): u32;

// @ts-ignore: decorator
@external("env", "proxy_grpc_send")
declare function proxy_grpc_send(token: u32, message_ptr: usize, message_size: usize, end_stream: u32): u32;

// @ts-ignore: decorator
@external("env", "proxy_grpc_cancel")
declare function proxy_grpc_cancel(token: u32): u32;

/** No initial metadata: a count of zero pairs. */
const NO_METADATA = new Uint32Array(1);
const tokenRef = new Uint32Array(1);

/** Open streams, by token, across every root context of this VM. */
const receivers = new Map<u32, StreamReceiver>();
/**
 * Tokens Envoy closed while proxy_grpc_stream was still opening them (no healthy host, a local
 * reset): the open then counts as failed.
 */
const closedWhileOpening = new Set<u32>();
let opening = false;

export class GrpcTransport extends StreamTransport {
  constructor(private rootId: u32) {
    super();
  }

  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    const grpcService = grpcServiceFor(bridge.envoyCluster, bridge.authority);
    const serviceName = String.UTF8.encode(service);
    const methodName = String.UTF8.encode(method);
    // Envoy may close the stream inside proxy_grpc_stream, and that callback enters the root
    // context: backFromRoot goes back to the context acted as before the call.
    const acting = asRoot(this.rootId);
    opening = true;
    closedWhileOpening.clear();
    const result = proxy_grpc_stream(
      grpcService.dataStart,
      grpcService.length,
      changetype<usize>(serviceName),
      serviceName.byteLength,
      changetype<usize>(methodName),
      methodName.byteLength,
      changetype<usize>(NO_METADATA.buffer),
      4,
      changetype<usize>(tokenRef.buffer),
    );
    opening = false;
    backFromRoot(acting);
    if (result != WasmResultValues.Ok) return 0;
    const token = tokenRef[0];
    if (token == 0 || closedWhileOpening.has(token)) return 0;
    receivers.set(token, receiver);
    return token;
  }

  send(stream: u32, message: Uint8Array): bool {
    if (!receivers.has(stream)) return false;
    const acting = asRoot(this.rootId);
    const r = proxy_grpc_send(stream, message.dataStart, message.length, 0);
    backFromRoot(acting);
    return r == WasmResultValues.Ok;
  }

  cancel(stream: u32): void {
    if (!receivers.has(stream)) return;
    receivers.delete(stream);
    const acting = asRoot(this.rootId);
    proxy_grpc_cancel(stream);
    backFromRoot(acting);
  }

  /** A message arrived on stream token. */
  static onMessage(token: u32, size: u32): void {
    if (!receivers.has(token)) return;
    const message = readBuffer(BufferTypeValues.GrpcReceiveBuffer, 0, size);
    receivers.get(token).onStreamMessage(token, message);
  }

  /** Stream token ended, by either side. */
  static onClose(token: u32, status: u32): void {
    if (opening) closedWhileOpening.add(token);
    if (!receivers.has(token)) return;
    const receiver = receivers.get(token);
    receivers.delete(token);
    receiver.onStreamClosed(token, status);
  }
}
