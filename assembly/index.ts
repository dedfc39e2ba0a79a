// The module's entry: every proxy-wasm export Envoy calls.
export * from "./filter/exports";
