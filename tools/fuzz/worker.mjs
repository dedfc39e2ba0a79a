// The fuzzer's VM thread (fuzz.mjs's runWorker). Node 20 does not carry the main thread's
// `--import tsx` into worker threads, so the TypeScript loader is registered here before
// fuzz.mjs (which imports tests/lib/kafka/*.ts) is loaded.
import { register } from "tsx/esm/api";

register();
await import("./fuzz.mjs");
