"""ctypes mirrors of the few C structs the binding lays out: sigma's
edd_mc_opts and edd_dataset, and the rates of edd_attack_scores. The
attacks' options are not mirrored: they go through the engine's option
table by name (edd_attack_config_set, include/edd/attack_config.h).

Each mirror lists its fields in the order and with the types of its C
declaration (include/edd/*.h); LAYOUTS maps every mirror to its C name so
that tests/python_binding_test.py can compile a tiny C program that prints
sizeof and offsetof for each mirrored field and hold these to them: a field
added, moved or retyped in a header fails that test instead of corrupting
memory. C enums are ints here (gcc's enum of small values)."""
import ctypes as C

_F, _I, _U64, _SZ = C.c_float, C.c_int, C.c_uint64, C.c_size_t


class McOpts(C.Structure):
    _fields_ = [("size", _SZ), ("passes", _I), ("seed", _U64), ("shape", _I), ("rows", _I), ("first", _SZ),
                ("quiet", _I)]


class Dataset(C.Structure):
    _fields_ = [("n", _SZ), ("c", _I), ("h", _I), ("w", _I), ("x", C.POINTER(_F)), ("y", C.POINTER(C.c_uint8))]


class AttackScores(C.Structure):
    _fields_ = [("n", _SZ), ("k", _I), ("clean_accuracy", C.c_double), ("clean_false_positives", C.c_double),
                ("recovered", C.c_double), ("detected", C.c_double), ("misclassified", C.c_double),
                ("n_misclassified", _SZ), ("mean_l2", C.c_double), ("source_success", C.c_double),
                ("seconds", C.c_double)]


# mirror -> (C type name, header that declares it)
LAYOUTS = {
    McOpts: ("edd_mc_opts", "edd/defense.h"),
    Dataset: ("edd_dataset", "edd/data.h"),
    AttackScores: ("edd_attack_scores", "edd/eval.h"),
}
