// A location in a JSON document as people read it: "source.url", "inputs.datasets[0].domain",
// "compatibility[\"linux-x86_64-cuda\"]" for keys that are not plain names.

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(root)";
}
