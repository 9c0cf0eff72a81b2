// What a build of a checkpoint (a variant) needs, in plain words for a person choosing one: the attention
// kernel it uses, the hardware that kernel runs on, and the CPU architecture its wheels are built for.
// flash-attention 2 runs on NVIDIA GPUs of the Ampere generation or newer only (Dao-AILab/flash-attention's
// README); PyTorch's own attention (SDPA) runs wherever torch does, the CPU included.
import { wheelRestrictions } from "./wheel-tags.ts";

export interface BuildFacts {
  pipConstraints?: readonly string[] | undefined;
  pickleModules?: readonly string[] | undefined;
  supportedOs?: readonly string[] | undefined;
  architectures?: readonly string[] | undefined;
}

export interface BuildNeeds {
  /** A short name for the build, e.g. "flash-attention 2 (x86_64)". */
  label: string;
  /** One sentence: what a machine needs to run it. */
  needs: string;
}

const osWords = (os: readonly string[] | undefined) => {
  const names = (os ?? []).map((o) => (o === "macos" ? "macOS" : o === "linux" ? "Linux" : o));
  return names.length === 0 ? "" : names.join(" or ");
};

export function buildNeeds(facts: BuildFacts): BuildNeeds {
  const wheels = wheelRestrictions(facts.pipConstraints ?? []);
  const flash = (facts.pipConstraints ?? []).some((c) => /flash[-_]attn/i.test(c)) || (facts.pickleModules ?? []).includes("flash_attn");
  const arch = facts.architectures ?? wheels.architectures;
  const onArch = arch && arch.length === 1 ? arch[0] : undefined;
  const python = wheels.pythonVersions?.length === 1 ? `, Python ${wheels.pythonVersions[0]}` : "";
  if (flash) {
    const machine =
      onArch === "aarch64" ? "an ARM (aarch64) Linux machine such as NVIDIA Grace Hopper" : onArch === "x86_64" ? "an x86_64 Linux machine" : "a Linux machine";
    return {
      label: `flash-attention 2${onArch ? ` (${onArch})` : ""}`,
      needs: `Needs an NVIDIA GPU on ${machine}${python}: flash-attention 2 needs Ampere or newer (A100, RTX 30xx or 40xx, H100); older GPUs, Apple silicon and the CPU cannot run it.`,
    };
  }
  if (wheels.needsCuda) return { label: "CUDA build", needs: `Needs an NVIDIA GPU (a CUDA build)${onArch ? ` on ${onArch}` : ""}${python}.` };
  const mac = facts.supportedOs?.includes("macos");
  const where = mac
    ? "an NVIDIA GPU, Apple silicon (MPS), or the CPU, much slower"
    : `an NVIDIA GPU or the CPU, much slower${osWords(facts.supportedOs) ? `, on ${osWords(facts.supportedOs)}` : ""}`;
  return {
    label: `PyTorch attention, no flash-attention${onArch ? ` (${onArch})` : ""}`,
    needs: `Runs on ${where}${onArch ? ` (${onArch} only${python})` : ""}.`,
  };
}
