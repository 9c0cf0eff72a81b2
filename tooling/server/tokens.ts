// Bearer tokens: created by an operator on the server's machine (`registry token create`), shown once, and
// kept only as a SHA-256 hash; a token has one scope. Looking a token up by its hash needs no constant-time
// comparison: an attacker who learns how long a lookup took learns about a hash, not about a token.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { RegistryError } from "../../src/errors.ts";
import { aggregateRow, allRows, getRow, now, type Database } from "./database.ts";

export const scopes = ["register", "worker", "admin"] as const;
export type Scope = (typeof scopes)[number];

export interface TokenRecord {
  id: string;
  name: string;
  scope: Scope;
  createdAt: string;
  revokedAt: string | undefined;
}

/** Tokens carry a recognisable prefix, so that secret scanners and people can tell what leaked. */
const prefix = "fmr_";

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

interface Row {
  id: string;
  name: string;
  scope: Scope;
  created_at: string;
  revoked_at: string | null;
}

const record = (row: Row): TokenRecord => ({ id: row.id, name: row.name, scope: row.scope, createdAt: row.created_at, revokedAt: row.revoked_at ?? undefined });

/** A new token of `scope`; the returned `token` is the only copy there will ever be. */
export function createToken(db: Database, scope: Scope, name?: string): TokenRecord & { token: string } {
  const id = randomUUID().slice(0, 8);
  const token = `${prefix}${randomBytes(32).toString("base64url")}`;
  const chosen = name ?? `${scope}-${id}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(chosen)) {
    throw new RegistryError(`token name "${chosen}": use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)`, { exitCode: 2 });
  }
  if (db.prepare("SELECT 1 FROM tokens WHERE name = ?").get(chosen))
    throw new RegistryError(`a token named "${chosen}" exists already; choose another --name`, { exitCode: 2 });
  const createdAt = now();
  db.prepare("INSERT INTO tokens (id, name, scope, hash, created_at) VALUES (?, ?, ?, ?, ?)").run(id, chosen, scope, hashOf(token), createdAt);
  return { id, name: chosen, scope, createdAt, revokedAt: undefined, token };
}

/** Revokes the token with this id or name; returns it, or undefined when there is none. */
export function revokeToken(db: Database, idOrName: string): TokenRecord | undefined {
  const row = getRow<Row>(db, "SELECT id, name, scope, created_at, revoked_at FROM tokens WHERE id = ? OR name = ?", idOrName, idOrName);
  if (!row) return undefined;
  if (!row.revoked_at) db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ?").run(now(), row.id);
  return record(aggregateRow<Row>(db, "SELECT id, name, scope, created_at, revoked_at FROM tokens WHERE id = ?", row.id));
}

export function listTokens(db: Database): TokenRecord[] {
  return allRows<Row>(db, "SELECT id, name, scope, created_at, revoked_at FROM tokens ORDER BY created_at, id").map(record);
}

/** The live token that `token` is, if any. */
export function findToken(db: Database, token: string): TokenRecord | undefined {
  if (!token.startsWith(prefix) || token.length > 128) return undefined;
  const row = getRow<Row>(db, "SELECT id, name, scope, created_at, revoked_at FROM tokens WHERE hash = ? AND revoked_at IS NULL", hashOf(token));
  return row ? record(row) : undefined;
}

/** Whether a token of scope `held` may do what `needed` allows (admin may do everything). */
export function grants(held: Scope, needed: Scope): boolean {
  return held === needed || held === "admin";
}
