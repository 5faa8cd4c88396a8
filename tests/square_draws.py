"""The random draws of the Square attack (Andriushchenko et al. 2020) for tests/attack_reference.py,
from one of two sources with one interface:

  TorchDraws  a torch.Generator: the reference's own randomness, independent of edd's;
  EddDraws    edd's counter RNG (include/edd/core.h: edd_rng_key, edd_rng_u32, edd_rng_uniform;
              docs/DESIGN.md section 5) keyed and laid out as edd_square documents it
              (include/edd/square.h, include/edd/internal/square.h): key (seed, restart, image),
              the start at counter 0, query q at counter 64 q; each window draws its row then its
              column, then come the sign and the orientation.

With EddDraws the reference's Square makes the same random choices as edd's, so the two searches
differ only where float rounding changes a decision: a check of the algorithm without the sampling
noise of a 300-query random search. Owns the draws only; the attack is attack_reference.py's.

Interface (idx: the global image numbers of the n images drawn for, r: the restart):
  linf_start(r, idx, w) -> (n, w) signs +-1, one per column;
  l2_start(r, idx, cells) -> (n, cells) signs, (n, cells) transposes (bool);
  query(r, idx, q, s, span, windows) -> rows (n, windows), cols (n, windows) in [0, span),
                                        signs (n,), transposes (n,) (bool)."""
import numpy as np
import torch

CTR_STRIDE = 64  # counters one start or one query of an image may draw (EDD_SQUARE_CTR_STRIDE)
U32 = np.uint64(0xFFFFFFFF)


class TorchDraws:
    def __init__(self, gen):
        self.gen = gen

    def _sign(self, *shape):
        return torch.randint(0, 2, shape, generator=self.gen).double() * 2 - 1

    def linf_start(self, r, idx, w):
        return self._sign(len(idx), w)

    def l2_start(self, r, idx, cells):
        return self._sign(len(idx), cells), torch.randint(0, 2, (len(idx), cells), generator=self.gen).bool()

    def query(self, r, idx, q, s, span, windows):
        n = len(idx)
        pos = torch.randint(0, span, (n, 2 * windows), generator=self.gen)
        return (pos[:, 0::2], pos[:, 1::2], self._sign(n),
                torch.randint(0, 2, (n,), generator=self.gen).bool())


def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _avalanche(x):
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def rng_key(seed, stream, index):
    """edd_rng_key for an array of indices (uint64 arithmetic wraps, as in C)."""
    with np.errstate(over="ignore"):
        k = _mix64(np.full(1, seed, np.uint64) + np.uint64(0x9E3779B97F4A7C15))
        k = _mix64(k ^ (np.full(1, stream, np.uint64) + np.uint64(0x632BE59BD9B4E019)))
        return _mix64(k ^ (np.asarray(index, np.uint64) + np.uint64(0x8CB92BA72F3D8DD7)))


def rng_u32(key, ctr):
    """edd_rng_u32 of counter ctr (an int or an array broadcasting with key) under each key."""
    with np.errstate(over="ignore"):
        x = np.asarray(ctr, np.uint32) * np.uint32(0x9E3779B9) + (key & U32).astype(np.uint32)
        return _avalanche(_avalanche(x) ^ (key >> np.uint64(32)).astype(np.uint32))


def rng_uniform(key, ctr):
    """edd_rng_uniform: 24 random bits times 2^-24, in float32."""
    return (rng_u32(key, ctr) >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)


class EddDraws:
    def __init__(self, seed):
        self.seed = seed

    def _keys(self, r, idx):
        return rng_key(self.seed, r, np.asarray(idx, np.int64))[:, None]

    @staticmethod
    def _sign(bits):
        return torch.from_numpy(np.where(bits >> np.uint32(31), -1.0, 1.0))

    def linf_start(self, r, idx, w):
        return self._sign(rng_u32(self._keys(r, idx), np.arange(w)))

    def l2_start(self, r, idx, cells):
        bits = rng_u32(self._keys(r, idx), np.arange(2 * cells))
        return self._sign(bits[:, 0::2]), torch.from_numpy((bits[:, 1::2] >> np.uint32(31)).astype(bool))

    def query(self, r, idx, q, s, span, windows):
        ctr = q * CTR_STRIDE + np.arange(2 * windows + 2)
        key = self._keys(r, idx)
        pos = (rng_uniform(key, ctr[:2 * windows]) * np.float32(span)).astype(np.int64)
        bits = rng_u32(key, ctr[2 * windows:])
        pos = torch.from_numpy(pos)
        return (pos[:, 0::2], pos[:, 1::2], self._sign(bits[:, 0]),
                torch.from_numpy((bits[:, 1] >> np.uint32(31)).astype(bool)))
