"""ctypes mirrors of the C structs the binding passes to libedd.

Each mirror lists its fields in the order and with the types of its C
declaration (include/edd/*.h); LAYOUTS maps every mirror to its C name so
that tests/python_binding_test.py can compile a tiny C program that prints
sizeof and offsetof for each mirrored field and hold these to them: a field
added, moved or retyped in a header fails that test instead of corrupting
memory. C enums are ints here (gcc's enum of small values)."""
import ctypes as C

_F, _I, _U64, _SZ = C.c_float, C.c_int, C.c_uint64, C.c_size_t


class FgmOpts(C.Structure):
    _fields_ = [("size", _SZ), ("eps", _F), ("ord", _I), ("loss", _I), ("margin_cap", _F), ("n_real", _I),
                ("clip_min", _F), ("clip_max", _F), ("max_rows", _I)]


class PgdOpts(C.Structure):
    _fields_ = [("size", _SZ), ("eps", _F), ("ord", _I), ("steps", _I), ("step_size", _F), ("restarts", _I),
                ("loss", _I), ("margin_cap", _F), ("n_real", _I), ("clip_min", _F), ("clip_max", _F),
                ("seed", _U64), ("max_rows", _I), ("quiet", _I), ("rand_start", _I), ("early_stop", _I)]


class JsmaOpts(C.Structure):
    _fields_ = [("size", _SZ), ("gamma", _F), ("theta", _F), ("clip_max", _F), ("jacobian", _I), ("batch", _I),
                ("max_rows", _I), ("quiet", _I)]


class CwOpts(C.Structure):
    _fields_ = [("size", _SZ), ("confidence", _F), ("binary_search_steps", _I), ("max_iterations", _I),
                ("learning_rate", _F), ("initial_const", _F), ("abort_early", _I), ("optimizer", _I),
                ("rho", _F), ("eps", _F), ("batch", _I), ("seed", _U64), ("quiet", _I), ("untargeted", _I)]


class ApgdOpts(C.Structure):
    _fields_ = [("size", _SZ), ("eps", _F), ("ord", _I), ("steps", _I), ("restarts", _I), ("loss", _I),
                ("targeted", _I), ("n_target_classes", _I), ("rho", _F), ("momentum", _F), ("n_real", _I),
                ("clip_min", _F), ("clip_max", _F), ("seed", _U64), ("max_rows", _I), ("quiet", _I)]


class SquareOpts(C.Structure):
    _fields_ = [("size", _SZ), ("eps", _F), ("ord", _I), ("queries", _I), ("p_init", _F), ("restarts", _I),
                ("n_real", _I), ("clip_min", _F), ("clip_max", _F), ("seed", _U64), ("max_rows", _I),
                ("quiet", _I), ("trace", C.POINTER(_F))]


class FmnOpts(C.Structure):
    _fields_ = [("size", _SZ), ("ord", _I), ("steps", _I), ("alpha_init", _F), ("alpha_final", _F),
                ("gamma_init", _F), ("gamma_final", _F), ("n_targets", _I), ("n_real", _I), ("clip_min", _F),
                ("clip_max", _F), ("max_rows", _I), ("quiet", _I)]


class McOpts(C.Structure):
    _fields_ = [("size", _SZ), ("passes", _I), ("seed", _U64), ("shape", _I), ("rows", _I), ("first", _SZ),
                ("quiet", _I)]


class AttackGoal(C.Structure):
    _fields_ = [("size", _SZ), ("target", C.POINTER(C.c_uint8)), ("confidence", _F)]


class Dataset(C.Structure):
    _fields_ = [("n", _SZ), ("c", _I), ("h", _I), ("w", _I), ("x", C.POINTER(_F)), ("y", C.POINTER(C.c_uint8))]


class AttackScores(C.Structure):
    _fields_ = [("n", _SZ), ("k", _I), ("clean_accuracy", C.c_double), ("clean_false_positives", C.c_double),
                ("recovered", C.c_double), ("detected", C.c_double), ("misclassified", C.c_double),
                ("n_misclassified", _SZ), ("mean_l2", C.c_double), ("source_success", C.c_double),
                ("seconds", C.c_double)]


# mirror -> (C type name, header that declares it)
LAYOUTS = {
    FgmOpts: ("edd_fgm_opts", "edd/attacks.h"),
    PgdOpts: ("edd_pgd_opts", "edd/attacks.h"),
    JsmaOpts: ("edd_jsma_opts", "edd/attacks.h"),
    CwOpts: ("edd_cw_opts", "edd/cw.h"),
    ApgdOpts: ("edd_apgd_opts", "edd/apgd.h"),
    SquareOpts: ("edd_square_opts", "edd/square.h"),
    FmnOpts: ("edd_fmn_opts", "edd/fmn.h"),
    McOpts: ("edd_mc_opts", "edd/defense.h"),
    AttackGoal: ("edd_attack_goal", "edd/eval.h"),
    Dataset: ("edd_dataset", "edd/data.h"),
    AttackScores: ("edd_attack_scores", "edd/eval.h"),
}
