/**
 * The import rules of the folder layout (README, "Architecture"), checked by `npm run depcheck` (part of
 * `npm test`). Type-only imports count as imports (tsPreCompilationDeps): a type is part of what a folder
 * depends on, and a rule that only binds runtime imports would let the seam leak through types.
 *
 *   source/ ──► contract/ ◄── streams/          spec/ ──► streams/api/ ◄── simulator/
 *      └──────► streams/index.ts (lazily)
 *
 * Inside streams/, lower folders never import higher ones:
 *   api < encode < http < catalog < sync < rows | export | legacy < index.ts, table-read.ts
 * bench/ and test/ may import anything (they measure and test the internals).
 */

/** streams/ folders, lowest first: each may import only the ones before it (and contract/, spec/). */
const LAYERS = ["api", "encode", "http", "catalog", "sync"];
const READ_PATHS = ["rows", "export", "legacy"];
const layerRules = LAYERS.map((layer, i) => ({
  name: `streams-${layer}-imports-only-lower-folders`,
  comment: `streams/${layer}/ may import ${["contract/", ...LAYERS.slice(0, i).map((l) => `streams/${l}/`)].join(", ")} and itself, nothing higher in streams/.`,
  severity: "error",
  from: { path: `^streams/${layer}/` },
  to: { path: "^streams/", pathNot: `^streams/(${LAYERS.slice(0, i + 1).join("|")})/` },
}));

module.exports = {
  forbidden: [
    {
      name: "source-imports-streams-only-through-the-seam",
      comment:
        "The runtime drives streams through contract/ (types, errors, redaction, chunk ownership) and creates the Ignite source through streams/index.ts, which it imports lazily; every other module of streams/ is Ignite's own business.",
      severity: "error",
      from: { path: "^source/" },
      to: { path: "^streams/", pathNot: "^streams/index\\.ts$" },
    },
    {
      name: "streams-never-import-the-runtime",
      comment: "streams/ knows nothing about stdout, the CLI or the protocol: what it shares with the runtime is in contract/.",
      severity: "error",
      from: { path: "^streams/" },
      to: { path: "^source/" },
    },
    {
      name: "contract-imports-nothing-of-the-project",
      comment: "contract/ is the seam both sides import; it imports neither side (nor anything else of the project).",
      severity: "error",
      from: { path: "^contract/" },
      to: { path: "^(source|streams|spec|simulator|bench|test)/" },
    },
    {
      name: "read-paths-never-import-each-other",
      comment:
        "streams/rows/, streams/export/ and streams/legacy/ are independent read paths: what two of them share lives in a lower folder (sync/, encode/, http/, catalog/); streams/table-read.ts is what chooses between rows and export.",
      severity: "error",
      from: { path: `^streams/(${READ_PATHS.join("|")})/` },
      to: { path: `^streams/(${READ_PATHS.join("|")})/`, pathNot: "^streams/$1/" },
    },
    {
      name: "read-paths-never-import-the-composition",
      comment: "streams/index.ts and streams/table-read.ts put the folders together; nothing inside a folder imports them.",
      severity: "error",
      from: { path: "^streams/[^/]+/" },
      to: { path: "^streams/[^/]+\\.ts$" },
    },
    ...layerRules,
    {
      name: "simulator-imports-only-the-api-types",
      comment: "The simulator plays the API: it shares the wire types (streams/api/) with the connector and nothing else, so it cannot agree with the connector by accident.",
      severity: "error",
      from: { path: "^simulator/" },
      to: { path: "^(source|streams|contract|spec|bench|test)/", pathNot: "^streams/api/" },
    },
    {
      name: "spec-imports-only-the-api-types",
      comment: "spec/ describes the configuration; its filters and key mode are the API's own types (streams/api/), and it needs nothing else.",
      severity: "error",
      from: { path: "^spec/" },
      to: { path: "^(source|streams|contract|simulator|bench|test)/", pathNot: "^streams/api/" },
    },
    {
      name: "product-code-never-imports-tools",
      comment: "The shipped folders never import the simulator, the benchmarks or the tests.",
      severity: "error",
      from: { path: "^(source|streams|contract|spec)/" },
      to: { path: "^(simulator|bench|test)/" },
    },
    {
      name: "no-circular",
      comment: "A cycle makes two modules one in all but name: split out what both need.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-orphans",
      comment: "A module that imports nothing and that nothing imports is dead, unless it is a program started by path (bench/raw-rows.ts runs as a child process).",
      severity: "error",
      from: { orphan: true, pathNot: "^bench/raw-rows\\.ts$" },
      to: {},
    },
    {
      name: "no-unresolvable",
      comment: "An import that does not resolve would fail at run time (or is a typo in a type-only import).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|\\.cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.check.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
