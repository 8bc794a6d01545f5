/**
 * The import rules of the folder layout (README, "Architecture"), checked by `npm run depcheck` (part of
 * `npm test`). Type-only imports count as imports (tsPreCompilationDeps): a type is part of what a folder
 * depends on, and a rule that only binds runtime imports would let the seam leak through types.
 *
 *   source/ ──► streams/contract/ ◄── the rest of streams/       spec/ ──► streams/api/ ◄── simulator/
 *      └──────► streams/index.ts (lazily)
 *
 * Inside streams/, lower folders never import higher ones:
 *   contract, api < encode < http < catalog < sync < rows | export | legacy < index.ts, table-read.ts
 * bench/ and test/ may import anything (they measure and test the internals).
 */

/** A forbidden import (an error): from a module whose path matches `from` to one matching `to` (regular expressions). */
const forbid = (name, comment, from, to) => ({ name, comment, severity: "error", from, to });
const PROJECT = ["source", "spec", "streams", "simulator", "bench", "test"];
/** Any of these top-level folders. */
const under = (...folders) => `^(${folders.join("|")})/`;
/** Every top-level folder of the project but `folder`. */
const outside = (folder) => under(...PROJECT.filter((f) => f !== folder));
/** `folder` imports nothing of the project but streams/api/. */
const onlyApiTypes = (folder, comment) => forbid(`${folder}-imports-only-the-api-types`, comment, { path: under(folder) }, { path: outside(folder), pathNot: "^streams/api/" });

/** streams/ folders, lowest first: each may import only the ones before it (and streams/contract/, spec/). */
const LAYERS = ["api", "encode", "http", "catalog", "sync"];
const READ_PATHS = `^streams/(rows|export|legacy)/`;

module.exports = {
  forbidden: [
    forbid(
      "source-imports-streams-only-through-the-seam",
      "The runtime drives streams through streams/contract/ (types, errors, redaction, chunk ownership) and creates the Ignite source through streams/index.ts, which it imports lazily; every other module of streams/ is Ignite's own business.",
      { path: "^source/" },
      { path: "^streams/", pathNot: "^streams/(index\\.ts$|contract/)" },
    ),
    forbid(
      "streams-never-import-the-runtime",
      "streams/ knows nothing about stdout, the CLI or the protocol: what it shares with the runtime is in streams/contract/.",
      { path: "^streams/" },
      { path: "^source/" },
    ),
    forbid(
      "contract-imports-nothing-of-the-project",
      "streams/contract/ is the seam both sides import; it imports neither side (nor anything else of the project).",
      { path: "^streams/contract/" },
      { path: under(...PROJECT), pathNot: "^streams/contract/" },
    ),
    forbid(
      "read-paths-never-import-each-other",
      "streams/rows/, streams/export/ and streams/legacy/ are independent read paths: what two of them share lives in a lower folder (sync/, encode/, http/, catalog/); streams/table-read.ts is what chooses between rows and export.",
      { path: READ_PATHS },
      { path: READ_PATHS, pathNot: "^streams/$1/" },
    ),
    forbid(
      "read-paths-never-import-the-composition",
      "streams/index.ts and streams/table-read.ts put the folders together; nothing inside a folder imports them.",
      { path: "^streams/[^/]+/" },
      { path: "^streams/[^/]+\\.ts$" },
    ),
    ...LAYERS.map((layer, i) =>
      forbid(
        `streams-${layer}-imports-only-lower-folders`,
        `streams/${layer}/ may import ${["contract", ...LAYERS.slice(0, i)].map((l) => `streams/${l}/`).join(", ")} and itself, nothing higher in streams/.`,
        { path: `^streams/${layer}/` },
        { path: "^streams/", pathNot: `^streams/(contract|${LAYERS.slice(0, i + 1).join("|")})/` },
      ),
    ),
    onlyApiTypes("simulator", "The simulator plays the API: it shares the wire types (streams/api/) with the connector and nothing else, so it cannot agree with the connector by accident."),
    onlyApiTypes("spec", "spec/ describes the configuration; its filters and key mode are the API's own types (streams/api/), and it needs nothing else."),
    forbid("product-code-never-imports-tools", "The shipped folders never import the simulator, the benchmarks or the tests.", { path: under("source", "streams", "spec") }, { path: under("simulator", "bench", "test") }),
    forbid("no-circular", "A cycle makes two modules one in all but name: split out what both need.", {}, { circular: true }),
    forbid(
      "no-orphans",
      "A module that imports nothing and that nothing imports is dead, unless it is a program started by path (bench/raw-rows.ts runs as a child process).",
      { orphan: true, pathNot: "^bench/raw-rows\\.ts$" },
      {},
    ),
    forbid("no-unresolvable", "An import that does not resolve would fail at run time (or is a typo in a type-only import).", {}, { couldNotResolve: true }),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|\\.cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.check.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
