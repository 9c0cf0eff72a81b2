// Migrations of entries between schema versions. A breaking contract change bumps schemaVersion and adds
// the function that turns an entry of the previous version into one of the new version, keyed by the new
// version. The schema check (`npm run -s registry -- schema`) refuses a version bump without one.
export type Migration = (entry: Record<string, unknown>) => Record<string, unknown>;

export const migrations: Record<number, Migration> = {};
