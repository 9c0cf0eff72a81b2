// The catalog tests' names for the fixture entries (tests/support/helpers.ts): the tests do not read or count
// the live entries/ folder.
export { copyOfEntries as copyOfCatalogEntries, fixtureEntriesDir as catalogEntriesDir, fixtureEntryCount as catalogEntryCount } from "./helpers.ts";
