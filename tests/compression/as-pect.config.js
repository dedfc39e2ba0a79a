// The multi-megabyte compression suite of every codec: its vectors are generated (make
// compression-fixtures) into tests/fixtures/compression/large/, so it runs apart from the unit suites.
export default {
  entries: ["tests/compression/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
