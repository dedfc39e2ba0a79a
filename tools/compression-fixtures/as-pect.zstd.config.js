// as-pect configuration running only the zstd suites (make test-zstd).
import base from "../../as-pect.config.js";

export default {
  ...base,
  entries: ["tests/unit/compression_zstd.spec.ts", "tests/unit/generated/compression_zstd*.spec.ts"],
};
