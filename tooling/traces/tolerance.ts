// Tolerance profiles per dtype: torch.testing.assert_close's defaults (rtol, atol).
import type { TraceDtype } from "../../src/contract/records/trace.ts";

export interface Tolerance {
  name: string;
  rtol: number;
  atol: number;
}

export const profiles: Record<TraceDtype, Tolerance> = {
  float16: { name: "float16", rtol: 1e-3, atol: 1e-5 },
  bfloat16: { name: "bfloat16", rtol: 1.6e-2, atol: 1e-5 },
  float32: { name: "float32", rtol: 1.3e-6, atol: 1e-5 },
  float64: { name: "float64", rtol: 1e-7, atol: 1e-7 },
};

function profileOf(dtype: string): Tolerance {
  return (profiles as Record<string, Tolerance>)[dtype] ?? profiles.float32;
}

/** The looser of two dtypes' profiles: a float64 run compared with a float32 one is held to float32's. */
export function defaultProfile(a: string, b: string): Tolerance {
  const pa = profileOf(a);
  const pb = profileOf(b);
  return pa.rtol >= pb.rtol ? pa : pb;
}
