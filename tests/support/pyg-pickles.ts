// The data.pkl of the torch_geometric checkpoints made on an NVIDIA H200 (tests/fixtures/torch-2.11/, see
// SOURCES.md), and copies of it changed where the reviewed list is narrow: the state of the OrderedDicts that
// typing.OrderedDict() made (MessagePassing's hook dicts), which must be exactly {'__orig_class__':
// typing.OrderedDict}. Protocol 2 without frames: bytes may be inserted or replaced in place.
import { readFileSync } from "node:fs";
import { zipMember } from "./aifs-pickle.ts";
import { fixture } from "./paths.ts";

export const PYG_CHECKPOINTS = ["pyg_toy-GraphToy-float32-saved-cpu.ckpt", "pyg_toy-GraphToy-float32-saved-cuda.ckpt"].map((name) =>
  fixture(`torch-2.11/${name}`),
);

/** The package of the model's own classes (the script that made them), allowed as --allow-package would. */
export const PYG_MODEL_PACKAGE = "pyg_toy";

export function pygDataPickle(checkpoint: string): Buffer {
  return Buffer.from(zipMember(readFileSync(checkpoint), "/data.pkl").bytes);
}

const TYPING_ORDERED_DICT = Buffer.from("ctyping\nOrderedDict\n", "latin1");
const ORIG_CLASS_KEY = Buffer.from("X\x0e\x00\x00\x00__orig_class__", "latin1");

function replaced(pickle: Buffer, from: Buffer, to: Buffer): Buffer {
  const at = pickle.indexOf(from);
  if (at < 0 || pickle.indexOf(from, at + 1) >= 0) throw new Error(`expected ${JSON.stringify(from.toString("latin1"))} once in the pickle`);
  return Buffer.concat([pickle.subarray(0, at), to, pickle.subarray(at + from.length)]);
}

/** Opcodes that push one str, protocol 2 (BINUNICODE). */
function str(text: string): Buffer {
  const data = Buffer.from(text, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(data.length);
  return Buffer.concat([Buffer.from("X"), length, data]);
}

/**
 * The pickle changed so that the state of the OrderedDicts is no longer {'__orig_class__': typing.OrderedDict}.
 * The key and the global are written once and memoized, so each change reaches every such state but the extra
 * key, which goes into the first one.
 */
export function pygMutations(pickle: Buffer): Record<string, Buffer> {
  // The first state: EMPTY_DICT, BINUNICODE '__orig_class__', (LONG_)BINPUT, GLOBAL typing OrderedDict, (LONG_)BINPUT, SETITEM, BUILD.
  let setitem = pickle.indexOf(TYPING_ORDERED_DICT) + TYPING_ORDERED_DICT.length;
  setitem += pickle[setitem] === 0x72 ? 5 : pickle[setitem] === 0x71 ? 2 : 0;
  if (pickle[setitem] !== 0x73 || pickle[setitem + 1] !== 0x62) throw new Error("the first OrderedDict state is not followed by SETITEM, BUILD");
  const extraKey = Buffer.concat([str("extra"), Buffer.from("K\x01s", "latin1")]);
  return {
    "a key more": Buffer.concat([pickle.subarray(0, setitem + 1), extraKey, pickle.subarray(setitem + 1)]),
    "__orig_class__ = typing.Dict": replaced(pickle, TYPING_ORDERED_DICT, Buffer.from("ctyping\nDict\n", "latin1")),
    "__orig_class__ = collections.OrderedDict": replaced(pickle, TYPING_ORDERED_DICT, Buffer.from("ccollections\nOrderedDict\n", "latin1")),
    "__orig_class__ = torch.Tensor": replaced(pickle, TYPING_ORDERED_DICT, Buffer.from("ctorch\nTensor\n", "latin1")),
    "the key __setstate__": replaced(pickle, ORIG_CLASS_KEY, str("__setstate__")),
    "the key training": replaced(pickle, ORIG_CLASS_KEY, str("training")),
  };
}
