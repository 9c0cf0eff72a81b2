// What is still running, read from /proc: for tests that check a killed run left nothing behind.
import { readdirSync, readFileSync } from "node:fs";

/** Whether any process of process group `pgid` is alive. */
export function processGroupAlive(pgid: number): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pgid) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}
