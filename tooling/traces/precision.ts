// What a run's numerics can give: the unit roundoffs implied by its dtype and by the settings log-run recorded
// (TF32, float32 matmul precision, autocast). Older traces without the numerics record fall back to the TF32
// flags they carry, or to the dtype alone, and say so.
import type { TraceIndex } from "../../src/contract/records/trace.ts";
import { jsonObject } from "../../src/text/json-object.ts";

/** Unit roundoff 2^-p of each floating-point format (p = stored mantissa bits + 1). */
export const unitRoundoff: Record<string, number> = {
  float64: 2 ** -53,
  float32: 2 ** -24,
  tf32: 2 ** -11,
  float16: 2 ** -11,
  bfloat16: 2 ** -8,
};

export interface RunPrecision {
  dtype: string;
  storageUnit: number;
  /** The format matmul inputs are rounded to, as the settings allow. */
  matmul: string;
  matmulUnit: number;
  /** Convolutions: cuDNN's TF32 switch is separate from the matmul one (and on by default). */
  convolution: string;
  convolutionUnit: number;
  accumulationUnit: number;
  source: "recorded" | "tf32 flags" | "dtype";
}

const record = jsonObject;
const coarser = (a: string, b: string) => ((unitRoundoff[b] ?? 0) > (unitRoundoff[a] ?? 0) ? b : a);

/** float32 matmul inputs under torch.set_float32_matmul_precision: "high" allows TF32, "medium" bfloat16. */
function float32Matmul(precision: unknown, tf32: unknown): string {
  if (precision === "medium") return "bfloat16";
  if (precision === "high" || tf32 === true) return "tf32";
  return "float32";
}

export function runPrecision(index: TraceIndex): RunPrecision {
  const env = index.environment as Record<string, unknown>;
  const numerics = record(env.numerics);
  const dtype = index.input.dtype;
  const cuda = index.input.device.startsWith("cuda");
  let source: RunPrecision["source"] = "dtype";
  let matmul: string = dtype;
  let convolution: string = dtype;
  let autocastDtype: string | undefined;
  if (numerics) {
    source = "recorded";
    const autocast = record(numerics.autocast);
    autocastDtype = autocast?.enabled === true && typeof autocast.dtype === "string" && autocast.dtype in unitRoundoff ? autocast.dtype : undefined;
    if (dtype === "float32") {
      matmul = float32Matmul(numerics.float32MatmulPrecision, numerics.tf32Matmul);
      convolution = cuda && numerics.tf32Cudnn === true ? "tf32" : "float32";
    }
    // Autocast runs matmuls and convolutions in its dtype and stores their outputs in it.
    if (autocastDtype) {
      matmul = coarser(matmul, autocastDtype);
      convolution = coarser(convolution, autocastDtype);
    }
  } else if (dtype === "float32" && typeof env.tf32Matmul === "boolean") {
    source = "tf32 flags";
    matmul = env.tf32Matmul ? "tf32" : "float32";
    convolution = cuda && env.tf32Cudnn === true ? "tf32" : "float32";
  }
  const storageUnit = Math.max(unitRoundoff[dtype] ?? 0, autocastDtype ? unitRoundoff[autocastDtype]! : 0);
  return {
    dtype,
    storageUnit,
    matmul,
    matmulUnit: unitRoundoff[matmul] ?? storageUnit,
    convolution,
    convolutionUnit: unitRoundoff[convolution] ?? storageUnit,
    // Reductions accumulate in float32 at least (torch's opmath type), in float64 for float64 runs.
    accumulationUnit: dtype === "float64" ? unitRoundoff.float64! : unitRoundoff.float32!,
    source,
  };
}

/** "u = 2^-8" for a unit roundoff that is a power of two, else its value. */
export function describeUnit(u: number): string {
  const e = Math.log2(u);
  return Number.isInteger(e) ? `2^${e}` : u.toExponential(1);
}

export function describePrecision(p: RunPrecision): string {
  const settings =
    p.source === "recorded"
      ? "settings recorded"
      : p.source === "tf32 flags"
        ? "TF32 flags recorded, other settings inferred"
        : "settings not recorded, inferred from the dtype";
  const matmul = p.matmul === p.dtype ? "" : `, matmul ${p.matmul} (u = ${describeUnit(p.matmulUnit)})`;
  return `${p.dtype} (u = ${describeUnit(p.storageUnit)}${matmul}; ${settings})`;
}
