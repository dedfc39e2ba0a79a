// The proxy-wasm ABI (0.2.0) entry points of the module.
//
// VM and plugin lifecycle go through @solo-io/proxy-runtime's root-context machinery.
// Connection contexts, the network callbacks, HTTP call answers and gRPC stream events are exported here:
// the SDK has no network-filter exports, routes every HTTP answer to a root context,
// and builds debug strings on every context it creates.
import { registerRootContext, RootContext, FilterStatusValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { ensureRootContext, getRootContext } from "@solo-io/proxy-runtime/assembly/runtime";
import { MeshRoot } from "./root";
import { HostTransport } from "./http_transport";
import { GrpcTransport } from "./grpc_transport";
import { ConnectionContext, enterContext, settleBudgets } from "./network";

export { malloc } from "@solo-io/proxy-runtime/assembly/malloc";
export {
  proxy_abi_version_0_2_0,
  proxy_on_vm_start,
  proxy_validate_configuration,
  proxy_on_configure,
  proxy_on_tick,
  proxy_on_queue_ready,
  proxy_on_foreign_function,
} from "@solo-io/proxy-runtime/assembly/exports";

function newRoot(context_id: u32): RootContext {
  return new MeshRoot(context_id);
}
// Envoy's plugin config names the root_id; "kafka_mesh" is the documented one.
registerRootContext(newRoot, "kafka_mesh");
registerRootContext(newRoot, "");

const connections = new Map<u32, ConnectionContext>();

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (root_context_id == 0) {
    ensureRootContext(context_id);
    return;
  }
  const root = getRootContext(root_context_id) as MeshRoot;
  // A plugin whose configuration was refused has no mesh; Envoy fails closed before this.
  if (root.mesh === null) return;
  connections.set(context_id, new ConnectionContext(context_id, root.mesh!));
}

export function proxy_on_new_connection(context_id: u32): u32 {
  return FilterStatusValues.Continue;
}

export function proxy_on_downstream_data(context_id: u32, data_size: u32, end_of_stream: u32): u32 {
  if (!connections.has(context_id)) return FilterStatusValues.Continue;
  enterContext(context_id);
  const status = connections.get(context_id).onDownstreamData(data_size, end_of_stream != 0);
  settleBudgets();
  return status;
}

export function proxy_on_upstream_data(context_id: u32, data_size: u32, end_of_stream: u32): u32 {
  // Bytes coming back from the echo listener are our answers: pass them to the client, and
  // let the connection read on if it held frames back for them.
  if (connections.has(context_id)) {
    enterContext(context_id);
    connections.get(context_id).onUpstreamData(data_size);
    settleBudgets();
  }
  return FilterStatusValues.Continue;
}

function closeConnection(context_id: u32): void {
  if (!connections.has(context_id)) return;
  enterContext(context_id);
  connections.get(context_id).onClose();
  connections.delete(context_id);
  settleBudgets();
}

export function proxy_on_downstream_connection_close(context_id: u32, peer_type: u32): void {
  closeConnection(context_id);
}

export function proxy_on_upstream_connection_close(context_id: u32, peer_type: u32): void {}

export function proxy_on_done(context_id: u32): u32 {
  closeConnection(context_id);
  return 1;
}

export function proxy_on_log(context_id: u32): void {}

export function proxy_on_delete(context_id: u32): void {
  closeConnection(context_id);
}

export function proxy_on_http_call_response(context_id: u32, token: u32, headers: u32, body_size: u32, trailers: u32): void {
  enterContext(context_id);
  HostTransport.onAnswer(token, body_size);
  settleBudgets();
}

// gRPC streams to native-dialect bridges (grpc_transport.ts): messages and ends.
export function proxy_on_grpc_receive_initial_metadata(context_id: u32, token: u32, headers: u32): void {}

export function proxy_on_grpc_receive_trailing_metadata(context_id: u32, token: u32, trailers: u32): void {}

export function proxy_on_grpc_receive(context_id: u32, token: u32, response_size: u32): void {
  enterContext(context_id);
  GrpcTransport.onMessage(token, response_size);
  settleBudgets();
}

export function proxy_on_grpc_close(context_id: u32, token: u32, status_code: u32): void {
  enterContext(context_id);
  GrpcTransport.onClose(token, status_code);
  settleBudgets();
}
