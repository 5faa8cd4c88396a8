"""edd from Python: ctypes over libedd.so.0, numpy in and out.

    import edd
    m = edd.Model.load("model.edd")
    m.predict(x); m.logits(x); m.sigma(x, passes=20)
    adv, outcome = edd.attack(m, x, y, kind="pgd", eps=0.3, steps=40)

Images x: N x 1 x 28 x 28 or N x 28 x 28, float32 in [0, 1] or uint8 0-255;
labels y: N integers in 0..9. Attacks: ATTACKS, with edd attack's options
by name (docs/CLI.md, "Python"). Every failure raises
edd.Error with edd's own message. The library is found as _lib.py says
($EDD_LIB, the installed prefix, or the tree's build/)."""
import ctypes as C
import os

import numpy as np

from . import _lib
from . import _structs as S

__all__ = ["Error", "Model", "AttackResult", "attack", "ATTACKS", "OUTCOMES"]

ATTACKS = ("fgm", "pgd", "jsma", "cw", "apgd", "apgd-t", "square", "fmn", "suite")
OUTCOMES = ("recovered", "detected", "misclassified")  # edd attack's rates, per image


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


def _text(value):
    """An option's value as edd attack's command line spells it."""
    if isinstance(value, bool):
        return b"1" if value else b"0"
    return (value if isinstance(value, str) else repr(value)).encode()


def _flags(lib):
    """The names of edd attack's flags (options without a value), from the
    engine's option table."""
    if "flags" not in _state:
        has, i, names = C.c_int(), 0, set()
        while True:
            name = lib.edd_attack_config_option(i, C.byref(has))
            if name is None:
                break
            if not has.value:
                names.add(name.decode())
            i += 1
        _state["flags"] = names
    return _state["flags"]


def _config(model, kind, seed, quiet, opts):
    """The engine's attack config (a handle: free it) for kind and opts,
    each set by name through its option table, then checked."""
    lib, ctx = model._lib, model._ctx
    cfg = C.c_void_p()
    model._check(lib.edd_attack_config_new(ctx, None if kind == "suite" else kind.encode(), C.byref(cfg)))
    try:
        given = [("suite", "standard")] if kind == "suite" else []
        given += [(k.replace("_", "-"), v) for k, v in opts.items()]
        given += [("seed", seed)] if seed is not None else []
        flags = _flags(lib)
        for name, value in given:
            if name in flags and not isinstance(value, bool):
                raise Error("attack: %s=%r: a flag of edd attack (--%s), expected True or False"
                            % (name.replace("-", "_"), value, name))
            if name not in flags or value:
                model._check(lib.edd_attack_config_set(ctx, cfg, name.encode(),
                                                       None if name in flags else _text(value)))
        if quiet:
            model._check(lib.edd_attack_config_set(ctx, cfg, b"quiet", None))
        model._check(lib.edd_attack_config_check(ctx, cfg))
    except Error:
        lib.edd_attack_config_free(cfg)
        raise
    return cfg


def attack(model, x, y, kind="pgd", source=None, seed=None, quiet=True, **opts):
    """Attack images x (labels y) on source (default: model) with kind, one
    of ATTACKS ("suite": --suite standard), and score the adversarial
    images on model as `edd attack` does. opts are edd attack's options by
    name, "_" for "-" (eps, ord="inf"|"2", steps, step_size, restarts,
    loss, no_rand_start=True, gamma, jacobian, confidence, cw_goal,
    max_iterations, queries, batch, ...), with its defaults, ranges and
    messages: the engine's one option table; a flag takes True or False. seed (as --seed, default 1) draws the JSMA
    and CW targets and the random starts. Returns an AttackResult: adv,
    outcome (and scores). Error on a bad input or option."""
    if kind not in ATTACKS:
        raise Error("attack: kind '%s', expected one of %s" % (kind, ", ".join(ATTACKS)))
    src = source or model
    a = _images(x)
    n = a.shape[0]
    lab = _labels(y, n)
    cfg = _config(model, kind, seed, quiet, opts)
    adv = np.empty_like(a)
    s = S.AttackScores()
    try:
        model._check(model._lib.edd_attack_config_run(model._ctx, cfg, src._handle(), model._handle(), _ptr(a),
                                                      _ptr(lab, C.c_uint8), n, _ptr(adv), C.byref(s), None))
    finally:
        model._lib.edd_attack_config_free(cfg)
    scores = {f: getattr(s, f) for f, _ in S.AttackScores._fields_ if f != "source_success"}
    scores["attack_success"] = s.source_success
    pred = np.argmax(model._logits(adv), axis=1)
    outlier = 10 if model.k == 11 else -1
    outcome = np.where(pred == lab, "recovered", np.where(pred == outlier, "detected", "misclassified"))
    return AttackResult(adv.reshape(n, 1, 28, 28), outcome, scores)
