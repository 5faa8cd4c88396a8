"""Finding libedd.so.0 and declaring the C functions the binding calls.

The library is the first of: $EDD_LIB; PREFIX/lib/libedd.so.0 when the
package is installed as PREFIX/lib/python3/dist-packages/edd (make
install); build/libedd.so.0 of the source tree when the package is used
from it (PYTHONPATH=python)."""
import ctypes as C
import os

from . import _structs as S

_HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATES = (
    ("$EDD_LIB", os.environ.get("EDD_LIB")),
    ("installed", os.path.normpath(os.path.join(_HERE, "..", "..", "..", "libedd.so.0"))),
    ("source tree", os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libedd.so.0"))),
)

_P = C.c_void_p
_FP, _U8P, _IP = C.POINTER(C.c_float), C.POINTER(C.c_uint8), C.POINTER(C.c_int)
_ATTACK = [_P, _P, _FP, _U8P, C.c_size_t]  # ctx, model, x, labels or targets, n

# name -> (restype, argtypes)
PROTOTYPES = {
    "edd_ctx_open": (C.c_int, [C.POINTER(_P), C.c_int]),
    "edd_ctx_close": (None, [_P]),
    "edd_ctx_error": (C.c_char_p, [_P]),
    "edd_ctx_scratch": (_P, []),
    "edd_cnn_open": (C.c_int, [_P, C.c_char_p, C.POINTER(_P)]),
    "edd_cnn_close": (None, [_P]),
    "edd_cnn_classes": (C.c_int, [_P]),
    "edd_logits": (C.c_int, [_P, _P, _FP, C.c_size_t, C.c_int, _FP]),
    "edd_uncertainty": (C.c_int, [_P, _P, C.POINTER(S.Dataset), C.POINTER(S.McOpts), _FP, _FP]),
    "edd_attack_targets": (None, [C.c_uint64, _U8P, C.c_size_t, C.c_size_t, C.c_int, _U8P]),
    "edd_attack_eval": (C.c_int, [_P, _P, _P, _FP, _U8P, C.c_size_t, _FP, C.POINTER(S.AttackGoal),
                                  C.POINTER(S.AttackScores)]),
    "edd_fgm": (C.c_int, _ATTACK + [C.POINTER(S.FgmOpts), _FP]),
    "edd_pgd": (C.c_int, _ATTACK + [C.POINTER(S.PgdOpts), _FP]),
    "edd_jsma": (C.c_int, _ATTACK + [C.POINTER(S.JsmaOpts), _FP, _U8P, _IP]),
    "edd_cw_l2": (C.c_int, _ATTACK + [C.POINTER(S.CwOpts), _FP, _U8P]),
    "edd_apgd": (C.c_int, _ATTACK + [C.POINTER(S.ApgdOpts), _FP]),
    "edd_square": (C.c_int, _ATTACK + [C.POINTER(S.SquareOpts), _FP, _IP]),
    "edd_fmn": (C.c_int, _ATTACK + [C.POINTER(S.FmnOpts), _FP, _FP]),
}
for _struct, (_cname, _header) in S.LAYOUTS.items():
    if _cname.endswith("_opts") or _cname == "edd_attack_goal":
        PROTOTYPES[_cname[:-5] + "_opts_init" if _cname.endswith("_opts") else "edd_attack_goal_init"] = (
            None, [C.POINTER(_struct), C.c_size_t])


def load():
    """The loaded library with every prototype declared, or OSError naming
    each place looked at."""
    tried = []
    for where, path in CANDIDATES:
        if not path:
            tried.append("%s (not set)" % where)
            continue
        if not os.path.exists(path):
            tried.append("%s: %s (missing)" % (where, path))
            continue
        lib = C.CDLL(path)
        for name, (res, args) in PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        return lib
    raise OSError("edd: libedd.so.0 not found; looked at " + "; ".join(tried) +
                  " (set EDD_LIB, make install, or make in the source tree)")
