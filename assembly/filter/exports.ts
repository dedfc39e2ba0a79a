export { malloc } from "@solo-io/proxy-runtime/assembly/malloc";
import { log, LogLevelValues } from "@solo-io/proxy-runtime/assembly";
export function proxy_abi_version_0_2_0(): void {}
export function proxy_on_context_create(context_id: u32, root_context_id: u32): void { log(LogLevelValues.info, "x"); }
export function proxy_on_new_connection(context_id: u32): u32 { return 0; }
