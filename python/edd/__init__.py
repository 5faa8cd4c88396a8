"""edd from Python: ctypes over libedd.so.0, numpy in and out.

    import edd
    m = edd.Model.load("model.edd")
    m.predict(x); m.logits(x); m.sigma(x, passes=20)
    adv, outcome = edd.attack(m, x, y, kind="pgd", eps=0.3, steps=40)

Images x: N x 1 x 28 x 28 or N x 28 x 28, float32 in [0, 1] or uint8 0-255;
labels y: N integers in 0..9. Attacks: ATTACKS, with the options of their C
structs by field name (docs/CLI.md, "Python"). Every failure raises
edd.Error with edd's own message. The library is found as _lib.py says
($EDD_LIB, the installed prefix, or the tree's build/)."""
import ctypes as C
import os

import numpy as np

from . import _lib
from . import _structs as S

__all__ = ["Error", "Model", "AttackResult", "attack", "ATTACKS", "OUTCOMES"]

ATTACKS = ("fgm", "pgd", "jsma", "cw", "apgd", "apgd-t", "square", "fmn")
OUTCOMES = ("recovered", "detected", "misclassified")  # edd attack's rates, per image

# kind -> (options struct, C function)
_KINDS = {"fgm": (S.FgmOpts, "edd_fgm"), "pgd": (S.PgdOpts, "edd_pgd"), "jsma": (S.JsmaOpts, "edd_jsma"),
          "cw": (S.CwOpts, "edd_cw_l2"), "apgd": (S.ApgdOpts, "edd_apgd"), "apgd-t": (S.ApgdOpts, "edd_apgd"),
          "square": (S.SquareOpts, "edd_square"), "fmn": (S.FmnOpts, "edd_fmn")}

# option -> its names (the CLI's), for the options that are C enums
_NAMED = {"ord": {"inf": 0, "2": 2}, "jacobian": {"probs": 0, "probs-full": 1, "logits": 2},
          "optimizer": {"adadelta": 0, "adam": 1}}
_LOSSES = {"fgm": ("all", "real", "margin"), "pgd": ("all", "real", "margin"), "apgd": ("ce", "dlr")}
_FIXED = ("size", "trace", "targeted")  # set by the binding, not by a caller


class Error(Exception):
    """A failure of edd (its message, as `edd` prints it) or an input the
    binding refused before calling it."""


_state = {}


def _libedd():
    if "lib" not in _state:
        try:
            _state["lib"] = _lib.load()
        except OSError as e:
            raise Error(str(e)) from None
    return _state["lib"]


def _images(x, what="x"):
    """x as a C-contiguous float32 N x 784 array, or Error."""
    a = np.asarray(x)
    if not ((a.ndim == 4 and a.shape[1:] == (1, 28, 28)) or (a.ndim == 3 and a.shape[1:] == (28, 28))) \
            or a.shape[0] == 0:
        raise Error("%s: shape %s, expected N x 1 x 28 x 28 or N x 28 x 28 with N >= 1" % (what, a.shape))
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / np.float32(255)
    elif a.dtype != np.float32:
        raise Error("%s: dtype %s, expected float32 in [0, 1] or uint8 0-255" % (what, a.dtype))
    elif not np.isfinite(a).all():
        raise Error("%s: %d values are NaN or infinite, expected float32 in [0, 1]" % (what, (~np.isfinite(a)).sum()))
    elif a.min() < 0 or a.max() > 1:
        raise Error("%s: values in [%g, %g], expected float32 in [0, 1]" % (what, a.min(), a.max()))
    return np.ascontiguousarray(a.reshape(a.shape[0], 784), dtype=np.float32)


def _labels(y, n):
    """y as N uint8 labels in 0..9, or Error."""
    a = np.asarray(y)
    if a.ndim != 1 or a.shape[0] != n:
        raise Error("y: shape %s, expected (%d,): one label per image" % (a.shape, n))
    if a.dtype.kind not in "iu":
        raise Error("y: dtype %s, expected integers 0..9" % a.dtype)
    if a.min() < 0 or a.max() > 9:
        raise Error("y: labels in [%d, %d], expected 0..9" % (a.min(), a.max()))
    return np.ascontiguousarray(a, dtype=np.uint8)


def _ptr(a, ctype=C.c_float):
    return a.ctypes.data_as(C.POINTER(ctype))


class Model:
    """A model file loaded into libedd, with its own edd context (threads:
    OpenMP threads, <= 0 for OMP_NUM_THREADS). Use it from one thread."""

    def __init__(self, lib, ctx, handle, path):
        self._lib, self._ctx, self._m, self.path = lib, ctx, handle, path

    @classmethod
    def load(cls, path, threads=0):
        """The model of the .edd file at path; Error with edd's message
        (a missing file, a file that is not a model, ...)."""
        lib = _libedd()
        ctx = C.c_void_p()
        if lib.edd_ctx_open(C.byref(ctx), int(threads)):
            msg = lib.edd_ctx_error(ctx).decode(errors="replace")
            lib.edd_ctx_close(ctx)
            raise Error(msg)
        m = C.c_void_p()
        if lib.edd_cnn_open(ctx, os.fsencode(path), C.byref(m)):
            msg = lib.edd_ctx_error(ctx).decode(errors="replace")
            lib.edd_ctx_close(ctx)
            raise Error(msg)
        return cls(lib, ctx, m, path)

    def close(self):
        """Release the model and its context (also done when collected)."""
        if self._m:
            self._lib.edd_cnn_close(self._m)
            self._lib.edd_ctx_close(self._ctx)
            self._m = self._ctx = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _check(self, status):
        if status:
            raise Error(self._lib.edd_ctx_error(self._ctx).decode(errors="replace"))

    def _handle(self):
        if not self._m:
            raise Error("%s: the model is closed" % self.path)
        return self._m

    @property
    def k(self):
        """Outputs: 10, or 11 with the outlier class at index 10."""
        return self._lib.edd_cnn_classes(self._handle())

    def _logits(self, x784, batch=256):
        z = np.empty((x784.shape[0], self.k), dtype=np.float32)
        self._check(self._lib.edd_logits(self._ctx, self._handle(), _ptr(x784), x784.shape[0], batch, _ptr(z)))
        return z

    def logits(self, x, batch=256):
        """N x K float32 logits, no dropout (the pass edd attack scores with)."""
        return self._logits(_images(x), batch)

    def predict(self, x, batch=256):
        """N int64 classes: the argmax over all K outputs (10 = outlier on K = 11)."""
        return np.argmax(self.logits(x, batch), axis=1)

    def sigma(self, x, passes=20, seed=1):
        """Eq. 1's uncertainty of each image: N float32, the variance of
        the logits over `passes` MC-dropout passes under seed (edd
        uncertainty's numbers for the same images, passes and seed)."""
        a = _images(x)
        n = a.shape[0]
        y = np.zeros(n, dtype=np.uint8)
        ds = S.Dataset(n=n, c=1, h=28, w=28, x=_ptr(a), y=_ptr(y, C.c_uint8))
        o = S.McOpts()
        self._lib.edd_mc_opts_init(C.byref(o), C.sizeof(o))
        o.passes, o.seed, o.quiet = int(passes), int(seed), 1
        out = np.empty(n, dtype=np.float32)
        self._check(self._lib.edd_uncertainty(self._ctx, self._handle(), C.byref(ds), C.byref(o), _ptr(out), None))
        return out


class AttackResult:
    """What attack() returns; unpacks as (adv, outcome).
    adv: N x 1 x 28 x 28 float32; outcome: N strings of OUTCOMES, the
    target model's verdict on each adversarial image; scores: the rates of
    `edd attack`'s JSON line (clean_accuracy, recovered, detected,
    misclassified, mean_l2, attack_success, ...)."""

    def __init__(self, adv, outcome, scores):
        self.adv, self.outcome, self.scores = adv, outcome, scores

    def __iter__(self):
        return iter((self.adv, self.outcome))

    @property
    def robust_accuracy(self):
        """The fraction of images not misclassified: recovered or detected."""
        return float(np.mean(self.outcome != "misclassified"))


def _value_names(kind, key):
    """The names of option key's values for kind (None: a number)."""
    if key == "loss":
        return {v: i for i, v in enumerate(_LOSSES["apgd" if kind.startswith("apgd") else kind])}
    return _NAMED.get(key)


def _options(kind, opts):
    """The options struct of kind with its C defaults, then opts by field name."""
    struct, _ = _KINDS[kind]
    o = struct()
    init = "edd_%s_opts_init" % ("apgd" if kind == "apgd-t" else kind)
    getattr(_libedd(), init)(C.byref(o), C.sizeof(o))
    names = [f for f, _ in struct._fields_ if f not in _FIXED]
    for key, value in opts.items():
        if key not in names:
            raise Error("attack %s: unknown option '%s', expected one of %s" % (kind, key, ", ".join(names)))
        table = _value_names(kind, key)
        if table is not None and isinstance(value, str):
            if value not in table:
                raise Error("attack %s: %s '%s', expected one of %s" % (kind, key, value, ", ".join(table)))
            value = table[value]
        try:
            setattr(o, key, value)
        except (TypeError, ValueError) as e:
            raise Error("attack %s: %s %r: %s" % (kind, key, value, e)) from None
    if kind == "apgd-t":
        o.targeted = 1
    if kind == "cw" and o.optimizer == 1 and "learning_rate" not in opts:
        o.learning_rate = 1e-2  # cleverhans pairs Adam with 1e-2, as `edd attack` does
    return o


def attack(model, x, y, kind="pgd", source=None, seed=1, quiet=True, **opts):
    """Attack images x (labels y) on source (default: model) with kind, one
    of ATTACKS, and score the adversarial images on model as `edd attack`
    does. opts are the fields of the attack's C options struct (eps, ord
    "inf"|"2", steps, step_size, restarts, loss, rand_start, gamma,
    jacobian, confidence, untargeted, max_iterations, queries, ...); seed
    draws the JSMA and CW targets and the random starts, as --seed.
    Returns an AttackResult: adv, outcome (and scores). Error on a bad
    input or option, with edd's message for what the engine refuses."""
    if kind not in _KINDS:
        raise Error("attack: kind '%s', expected one of %s" % (kind, ", ".join(ATTACKS)))
    src = source or model
    a = _images(x)
    n = a.shape[0]
    lab = _labels(y, n)
    o = _options(kind, opts)
    if hasattr(o, "seed"):
        o.seed = int(seed)
    if hasattr(o, "quiet"):
        o.quiet = int(bool(quiet))
    lib = _libedd()
    targets = np.empty(n, dtype=np.uint8)
    lib.edd_attack_targets(int(seed), _ptr(lab, C.c_uint8), n, 0, 10, _ptr(targets, C.c_uint8))
    targeted = kind == "jsma" or (kind == "cw" and not o.untargeted)
    adv = np.empty_like(a)
    extra = {"jsma": (np.zeros(n, np.uint8), np.zeros(n, np.intc)), "cw": (np.zeros(n, np.uint8),),
             "square": (np.zeros(n, np.intc),), "fmn": (np.zeros(n, np.float32),)}.get(kind, ())
    ptrs = [e.ctypes.data_as(C.POINTER(np.ctypeslib.as_ctypes_type(e.dtype))) for e in extra]
    fn = getattr(lib, _KINDS[kind][1])
    src._check(fn(src._ctx, src._handle(), _ptr(a), _ptr(targets if targeted else lab, C.c_uint8), n,
                  C.byref(o), _ptr(adv), *ptrs))
    goal = S.AttackGoal()
    lib.edd_attack_goal_init(C.byref(goal), C.sizeof(goal))
    if targeted:
        goal.target = _ptr(targets, C.c_uint8)
        goal.confidence = o.confidence if kind == "cw" else 0.0
    s = S.AttackScores()
    model._check(lib.edd_attack_eval(model._ctx, src._handle(), model._handle(), _ptr(a), _ptr(lab, C.c_uint8), n,
                                     _ptr(adv), C.byref(goal), C.byref(s)))
    scores = {f: getattr(s, f) for f, _ in S.AttackScores._fields_ if f not in ("seconds", "source_success")}
    scores["attack_success"] = s.source_success
    pred = np.argmax(model._logits(adv), axis=1)
    outlier = 10 if model.k == 11 else -1
    outcome = np.where(pred == lab, "recovered", np.where(pred == outlier, "detected", "misclassified"))
    return AttackResult(adv.reshape(n, 1, 28, 28), outcome, scores)
