import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// tooling/version.ts
import { readFileSync } from "node:fs";
var manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
var tool = { name: manifest.name, version: manifest.version };
function toolFor(command) {
  return { name: `${manifest.name} ${command}`, version: manifest.version };
}

export {
  toolFor
};
