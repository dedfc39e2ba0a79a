// The fuzzer's VM thread (fuzz.ts's runWorker). Node 20 does not carry the main thread's
// `--import tsx` into worker threads, so this shim stays JavaScript: it registers the
// TypeScript loader, then loads fuzz.ts (which runs the worker's loop when not on the main thread).
import { register } from "tsx/esm/api";

register();
await import("./fuzz.ts");
