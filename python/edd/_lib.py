"""Finding libedd.so.0 and declaring the C functions the binding calls.

The library is $EDD_LIB when it is set (and nothing else then), else the
first of PREFIX/lib/libedd.so.0 when the package is installed as
PREFIX/lib/python3/dist-packages/edd (make install) and build/libedd.so.0
of the source tree when the package is used from it (PYTHONPATH=python)."""
import ctypes as C
import os

from . import _structs as S

_HERE = os.path.dirname(os.path.abspath(__file__))
PLACES = (
    ("installed", os.path.normpath(os.path.join(_HERE, "..", "..", "..", "libedd.so.0"))),
    ("source tree", os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libedd.so.0"))),
)

_P = C.c_void_p
_FP, _U8P = C.POINTER(C.c_float), C.POINTER(C.c_uint8)

# name -> (restype, argtypes)
PROTOTYPES = {
    "edd_ctx_open": (C.c_int, [C.POINTER(_P), C.c_int]),
    "edd_ctx_close": (None, [_P]),
    "edd_ctx_error": (C.c_char_p, [_P]),
    "edd_cnn_open": (C.c_int, [_P, C.c_char_p, C.POINTER(_P)]),
    "edd_cnn_close": (None, [_P]),
    "edd_cnn_classes": (C.c_int, [_P]),
    "edd_logits": (C.c_int, [_P, _P, _FP, C.c_size_t, C.c_int, _FP]),
    "edd_uncertainty": (C.c_int, [_P, _P, C.POINTER(S.Dataset), C.POINTER(S.McOpts), _FP, _FP]),
    "edd_attack_config_new": (C.c_int, [_P, C.c_char_p, C.POINTER(_P)]),
    "edd_attack_config_set": (C.c_int, [_P, _P, C.c_char_p, C.c_char_p]),
    "edd_attack_config_option": (C.c_char_p, [C.c_int, C.POINTER(C.c_int)]),
    "edd_attack_config_check": (C.c_int, [_P, _P]),
    "edd_attack_config_run": (C.c_int, [_P, _P, _P, _P, _FP, _U8P, C.c_size_t, _FP, C.POINTER(S.AttackScores), _P]),
    "edd_attack_config_free": (None, [_P]),
    "edd_mc_opts_init": (None, [C.POINTER(S.McOpts), C.c_size_t]),
}


def load():
    """The loaded library with every prototype declared, or OSError naming
    each place looked at."""
    tried = []
    env = os.environ.get("EDD_LIB")
    for where, path in (("$EDD_LIB", env),) if env else PLACES:
        if not os.path.exists(path):
            tried.append("%s: %s (missing)" % (where, path))
            continue
        lib = C.CDLL(path)
        for name, (res, args) in PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        return lib
    raise OSError("edd: libedd.so.0 not found: looked at " + "; ".join(tried) +
                  ("" if env else " ($EDD_LIB not set)") + "; expected $EDD_LIB, an installed edd (make install) "
                  "or the source tree's build (make)")
