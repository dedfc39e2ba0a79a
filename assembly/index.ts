// The module's entry: every proxy-wasm export Envoy calls.
// Layers, each importing only those after it: filter/ (proxy-wasm, the only SDK importer) -> mesh/
// -> upstream/ -> records/ -> kafka/, compression/; json.ts is the JSON reader of mesh/ and upstream/.
export * from "./filter/exports";
