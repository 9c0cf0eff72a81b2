import { CliError, defineCommand } from "./shared/command.ts";
import { jsonOption } from "./shared/options.ts";

const actions = ["create", "revoke", "list"] as const;

export default defineCommand({
  description:
    "Manages the registry server's bearer tokens, in its database (the server may be running). `create` prints a\nnew token once: only its hash is kept. Scopes: register (PUT /register), worker (verification workers), admin\n(everything). `revoke NAME|ID` stops a token at once; `list` shows names, scopes and dates, never tokens.",
  positionals: [
    { name: "action", label: "create | revoke | list", description: "what to do" },
    { name: "token", label: "NAME|ID", description: "the token to revoke", required: false },
  ],
  options: {
    db: { type: "string", valueName: "FILE", default: "registry.db", description: "the server's database" },
    scope: { type: "string", choices: ["register", "worker", "admin"], valueName: "SCOPE", description: "the new token's scope (create)" },
    name: { type: "string", valueName: "NAME", description: "a name for the new token, to revoke it by (default: <scope>-<id>)" },
    json: jsonOption,
  },
  examples: [
    "npm run -s registry -- token create --db registry.db --scope register --name hugging-face-sync",
    "npm run -s registry -- token revoke hugging-face-sync --db registry.db",
    "npm run -s registry -- token list --db registry.db",
  ],
  async run({ options, args, out, log }) {
    const action = args.action as (typeof actions)[number];
    if (!actions.includes(action)) throw new CliError(`unknown action "${args.action}": use ${actions.join(", ")}`, 2);
    const { openDatabase } = await import("../server/database.ts");
    const { createToken, listTokens, revokeToken } = await import("../server/tokens.ts");
    const db = openDatabase(options.db);
    try {
      if (action === "create") {
        if (!options.scope) throw new CliError("token create needs --scope register, worker or admin", 2);
        if (args.token !== undefined) throw new CliError(`token create takes no positional argument (got "${args.token}"); use --name`, 2);
        const created = createToken(db, options.scope, options.name);
        out(options.json ? JSON.stringify(created, null, 2) : created.token);
        log(`token: created "${created.name}" (scope ${created.scope}, id ${created.id}); it is shown this once, so store it now`);
        return 0;
      }
      if (action === "revoke") {
        if (!args.token) throw new CliError("token revoke needs the token's name or id", 2);
        const revoked = revokeToken(db, args.token);
        if (!revoked) throw new CliError(`no token named or with id "${args.token}" in ${options.db}`);
        if (options.json) out(JSON.stringify(revoked, null, 2));
        log(`token: "${revoked.name}" (id ${revoked.id}) is revoked since ${revoked.revokedAt}`);
        return 0;
      }
      const all = listTokens(db);
      if (options.json) out(JSON.stringify(all, null, 2));
      else for (const t of all) out(`${t.id}  ${t.name}  ${t.scope}  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ""}`);
      return 0;
    } finally {
      db.close();
    }
  },
});
