"""Safe model files: one ``.npz`` (``allow_pickle=False``) holding JSON metadata and arrays.

Why: a model file may be uploaded through the admin UI or copied between hosts; unpickling it
would execute arbitrary code. Here loading only ever parses JSON and plain numeric arrays, and a
SHA-256 over everything detects tampering or truncation with a clear :class:`ModelFileError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "zabota-nlu"
FORMAT_VERSION = 1
_META = "__meta__"


class ModelFileError(ValueError):
    """The model file is missing, corrupt, tampered with, or of an unknown format."""


def _digest(meta_bytes: bytes, arrays: dict[str, np.ndarray[Any, Any]]) -> str:
    h = hashlib.sha256(meta_bytes)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write_model(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray[Any, Any]]) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a model."""
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta}
    meta_bytes = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
    digest = _digest(meta_bytes, arrays)
    payload = {
        **arrays,
        _META: np.frombuffer(meta_bytes, dtype=np.uint8),
        "__sha256__": np.frombuffer(digest.encode(), dtype=np.uint8),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temp name of its own: two processes training the same model into one cache (two
    # workers starting, a test run in two processes) must not rename each other's file.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **payload)  # type: ignore[arg-type]
        os.chmod(tmp, 0o644)  # as an ordinary file (mkstemp's is 0600)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_model(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFileError(f"{path}: not a valid model file ({exc})") from exc
    except ValueError as exc:  # object arrays refuse to load without pickle
        raise ModelFileError(f"{path}: refusing to load pickled data ({exc})") from exc
    try:
        meta_bytes = arrays.pop(_META).tobytes()
        digest = arrays.pop("__sha256__").tobytes().decode()
    except KeyError as exc:
        raise ModelFileError(f"{path}: not a Zabota NLU model (missing {exc})") from exc
    if _digest(meta_bytes, arrays) != digest:
        raise ModelFileError(
            f"{path}: checksum mismatch — the model file was modified or is corrupt"
        )
    try:
        meta: dict[str, Any] = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: bad metadata ({exc})") from exc
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: unsupported model format {meta.get('format')!r} v{meta.get('format_version')}"
        )
    return meta, arrays


def file_bytes(path: Path) -> int:
    return path.stat().st_size


__all__ = ["ModelFileError", "file_bytes", "read_model", "write_model"]
