// The multi-megabyte compression suite: its fixtures are generated (make compression-fixtures)
// into tests/fixtures/compression/large/, so it runs apart from the always-present unit suites.
export default {
  entries: ["tests/compression/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
