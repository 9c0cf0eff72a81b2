// Lighthouse on pages of a built catalog, in Debian's Chromium started by playwright-core with a debugging
// port that Lighthouse drives (its default: a phone on a throttled connection, simulated).
import lighthouse from "lighthouse";
import { launchChromium } from "../tests/support/static-site.ts";

export interface LighthouseScores {
  url: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  seo: number;
  /** Bytes the page transferred, all resources together. */
  transferBytes: number;
  largestContentfulPaintMs: number;
  totalBlockingTimeMs: number;
}

const categories = ["performance", "accessibility", "best-practices", "seo"];

export async function lighthouseScores(urls: readonly string[], port = 9333): Promise<LighthouseScores[]> {
  const chrome = await launchChromium([`--remote-debugging-port=${port}`]);
  try {
    const out: LighthouseScores[] = [];
    for (const url of urls) {
      const result = await lighthouse(url, { port, output: "json", logLevel: "error", onlyCategories: categories });
      if (!result) throw new Error(`lighthouse returned nothing for ${url}`);
      const { categories: c, audits } = result.lhr;
      const score = (id: string) => Math.round((c[id]?.score ?? 0) * 100);
      out.push({
        url,
        performance: score("performance"),
        accessibility: score("accessibility"),
        bestPractices: score("best-practices"),
        seo: score("seo"),
        transferBytes: Number(audits["total-byte-weight"]?.numericValue ?? 0),
        largestContentfulPaintMs: Number(audits["largest-contentful-paint"]?.numericValue ?? 0),
        totalBlockingTimeMs: Number(audits["total-blocking-time"]?.numericValue ?? 0),
      });
    }
    return out;
  } finally {
    await chrome.close();
  }
}
