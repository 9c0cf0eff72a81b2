// Architecture rules, checked in CI (`npm run lint:architecture`): layers only look down, no cycles.
//
// src/: errors.ts, text/ <- contract <- files, fiab, geo, platform <- registry, evidence, client <- publish <- site, pages.
// tooling/: source <- zip, http, pickle <- anemoi <- checkpoint, environment <- verify, traces <- commands (commands/shared: the kit every command uses).
// tooling/api/ (the server's wire schemas and its one HTTP client) <- server, worker, commands: the server's
// clients reach it through api/ only; of the commands, only serve, token and backup open the server itself.
// tooling/server/ runs no checkpoint code (nothing of worker, verify, traces, environment); tooling/publish/ reads only src/.
// src/ is the registry itself (the site and the server read it); tooling/ is the registrator and may use src/.

/** Forbid `from` (a folder regex) to import anything matching `to`. */
const layer = (name, from, to, comment) => ({ name, severity: "error", comment, from: { path: from }, to: { path: to } });

const toolingAbove = (folders) => `^tooling/(${folders.join("|")})/`;

/** src/errors.ts and src/text/ sit under everything: any module may use them, they use nothing. */
const base = "errors\\.ts$|text/";

module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "Import cycles hide which module owns what.", from: {}, to: { circular: true } },
    layer("src-never-imports-tooling", "^src/", "^tooling/", "The registry (site, server, clients) must not depend on the registrator's tooling."),
    layer("base-stands-alone", `^src/(${base})`, `^src/(?!${base})`, "Errors and text helpers are used by everything and use nothing."),
    layer(
      "contract-stands-alone",
      "^src/contract/",
      `^src/(?!contract/|${base})`,
      "The contract is the base everything else reads; it imports nothing of the registry.",
    ),
    layer(
      "geo-and-platform-read-only-the-contract",
      "^src/(geo|platform)/",
      `^src/(?!geo/|platform/|contract/|${base})`,
      "Grids, areas, maps and platforms are domain helpers below the registry: they read the contract and nothing else.",
    ),
    layer("files-stand-alone", "^src/files/", `^src/(?!files/|${base})`, "Generic JSON and file IO knows nothing of entries."),
    layer(
      "fiab-reads-only-the-contract",
      "^src/fiab/",
      `^src/(?!fiab/|contract/|${base})`,
      "FIAB's store shapes convert to and from entries and nothing else.",
    ),
    layer(
      "registry-below-publishing",
      "^src/(registry|evidence|client)/",
      "^src/(publish|site|pages|components|layouts|integrations)/",
      "Loading and checking entries does not depend on how they are published.",
    ),
    layer(
      "client-stands-on-the-contract",
      "^src/client/",
      `^src/(?!client/|contract/|platform/|${base})`,
      "The client ships to FIAB with the contract and the platform rules (machine fit) alone.",
    ),
    layer("byte-sources-at-the-bottom", "^tooling/source/", "^tooling/(?!source/)", "Byte sources are the lowest layer of the tooling."),
    layer(
      "readers-below-anemoi",
      "^tooling/(zip|http|pickle)/",
      toolingAbove(["anemoi", "checkpoint", "environment", "verify", "traces", "api", "server", "worker", "commands"]),
      "Zip, HTTP and pickle readers know nothing of anemoi or of what runs checkpoints.",
    ),
    layer(
      "anemoi-below-runners",
      "^tooling/anemoi/",
      toolingAbove(["checkpoint", "environment", "verify", "traces", "commands"]),
      "Metadata mapping does not run anything.",
    ),
    layer(
      "environments-below-checks",
      "^tooling/(checkpoint|environment)/",
      toolingAbove(["verify", "traces", "commands"]),
      "Environments and checkpoint files serve the checks, not the other way round.",
    ),
    layer(
      "checks-below-the-command-line",
      "^tooling/(verify|traces)/",
      toolingAbove(["commands"]),
      "The core never prints or exits: only commands talk to the command line.",
    ),
    layer(
      "api-stands-on-the-contract",
      "^tooling/api/",
      "^tooling/(?!api/)",
      "The wire schemas and the API client are shared by the server and its clients: they read src/ and nothing of the tooling.",
    ),
    layer(
      "clients-reach-the-server-through-its-api",
      "^tooling/(worker/|commands/(?!(serve|token|backup)\\.ts$))",
      "^tooling/server/",
      "The worker, jobs and sync-entries talk to the server over HTTP (tooling/api/); only serve, token and backup open the server's code or database.",
    ),
    layer(
      "the-server-never-runs-a-worker",
      "^tooling/server/",
      toolingAbove(["worker", "verify", "traces", "environment"]),
      "The server runs no checkpoint code: workers verify, and its comparisons run as a separate compare-runs process.",
    ),
    layer(
      "publishing-reads-only-the-registry",
      "^tooling/publish/",
      "^tooling/(?!publish/)",
      "Signing and uploading a build reads the published files and src/, nothing of the registrator.",
    ),
    layer(
      "only-the-cli-loads-commands",
      "^(src|tooling)/(?!cli\\.ts$|commands/)",
      "^tooling/commands/",
      "Commands are leaves: only tooling/cli.ts loads them.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^(src|tooling)/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js", ".astro"] },
  },
};
