// What the command line prints may quote strangers (a checkpoint's exception, a URL, a server's reason): no
// control character reaches the terminal raw, on stderr (escaped as \xNN) or stdout (as \u00NN, so that a
// JSON result stays valid JSON and means the same).
import { describe, expect, it } from "vitest";
import { safeResult } from "../../tooling/cli.ts";
import { runCli } from "../support/helpers.ts";

const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("terminal escapes", () => {
  it("an argument full of escape sequences comes back escaped in the error on stderr", async () => {
    const target = "nowhere\u001b]0;pwned\u0007\u001b[2J\r\u009b31m";
    const run = await runCli(["verify-unpickling", target]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).not.toMatch(raw);
    expect(run.stderr).toContain("nowhere\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x9b31m");
  });

  it("an unknown command's name too", async () => {
    const run = await runCli(["\u001b[31mred"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).not.toMatch(raw);
    expect(run.stderr).toContain('unknown command "\\x1b[31mred"');
  });

  it("stdout: JSON stays valid and means the same, C1 controls and DEL included; plain text prints none raw", () => {
    const value = "a\u001b[31m\u009b\u007fb\u0000";
    const json = safeResult(JSON.stringify({ value }, null, 2));
    expect(json).not.toMatch(raw);
    expect(JSON.parse(json)).toEqual({ value });
    expect(safeResult("reason: \u001b[2Jgone\n")).toBe("reason: \\u001b[2Jgone\n");
  });
});
