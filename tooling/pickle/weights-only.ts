// The globals torch.load(weights_only=True) accepts without add_safe_globals: the default allowlist
// of torch's `torch/_weights_only_unpickler.py` (`_get_allowed_globals` and the rebuild functions of
// `_tensor_rebuild_functions`), as of torch 2.6 to 2.8, written out by name. A pickle that needs any
// other global cannot load under torch's default since 2.6, whatever it does.
//
// Only globals are compared. torch's restricted unpickler also refuses some opcodes (the text
// opcodes of protocols 0 and 1, for instance) and checks what REDUCE/BUILD are applied to; a
// pickle can pass this test and still be refused for those reasons, never the other way round.

const DTYPES = [
  "float64",
  "float32",
  "float16",
  "bfloat16",
  "complex32",
  "complex64",
  "complex128",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "quint8",
  "qint8",
  "qint32",
  "quint4x2",
  "quint2x4",
  "float8_e5m2",
  "float8_e4m3fn",
  "float8_e5m2fnuz",
  "float8_e4m3fnuz",
  "float8_e8m0fnu",
  "float4_e2m1fn_x2",
  "bits8",
  "bits16",
  "bits1x8",
  "bits2x4",
  "bits4x2",
  "int1",
  "int2",
  "int3",
  "int4",
  "int5",
  "int6",
  "int7",
  "uint1",
  "uint2",
  "uint3",
  "uint4",
  "uint5",
  "uint6",
  "uint7",
];

/** Legacy typed-storage classes: rebuilt as `torch.serialization.StorageType` placeholders. */
const LEGACY_STORAGES = ["Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool", "ComplexFloat", "ComplexDouble"];
const QUANTIZED_STORAGES = ["QUInt8", "QInt8", "QInt32", "QUInt4x2", "QUInt2x4"];

/** `torch._tensor_classes`: the legacy typed tensor classes, CPU and CUDA. */
const TENSOR_TYPES = ["Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool"];

const QSCHEMES = ["per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric", "per_channel_affine_float_qparams"];

const REBUILD_FUNCTIONS = [
  "_rebuild_parameter",
  "_rebuild_parameter_with_state",
  "_rebuild_qtensor",
  "_rebuild_tensor",
  "_rebuild_tensor_v2",
  "_rebuild_tensor_v3",
  "_rebuild_sparse_tensor",
  "_rebuild_meta_tensor_no_storage",
  "_rebuild_nested_tensor",
  "_rebuild_wrapper_subclass",
  "_rebuild_device_tensor_from_numpy",
  "_rebuild_device_tensor_from_cpu_tensor",
];

export const WEIGHTS_ONLY_GLOBALS: ReadonlySet<string> = new Set([
  "collections.OrderedDict",
  "collections.Counter",
  "torch.nn.parameter.Parameter",
  "torch.serialization._get_layout",
  "torch.Size",
  "torch.Tensor",
  "torch.device",
  "_codecs.encode", // bytes in protocol 2
  "builtins.bytearray",
  "builtins.set",
  "builtins.complex",
  "torch._tensor._rebuild_from_type_v2",
  "torch.storage.UntypedStorage",
  "torch.storage.TypedStorage",
  ...DTYPES.map((d) => `torch.${d}`),
  ...[...LEGACY_STORAGES, ...QUANTIZED_STORAGES].map((s) => `torch.${s}Storage`),
  ...LEGACY_STORAGES.map((s) => `torch.cuda.${s}Storage`),
  ...TENSOR_TYPES.flatMap((t) => [`torch.${t}Tensor`, `torch.cuda.${t}Tensor`]),
  ...QSCHEMES.map((q) => `torch.${q}`),
  ...REBUILD_FUNCTIONS.map((f) => `torch._utils.${f}`),
]);

export function isWeightsOnlyGlobal(name: string): boolean {
  return WEIGHTS_ONLY_GLOBALS.has(name);
}
