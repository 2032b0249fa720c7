"""Atomic, deterministic writing of results.

Every output goes to a temporary file in the target directory and is moved into place with
os.replace, so a killed job never leaves a half-written result that a rerun would trust.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


class ResultError(ValueError):
    """A result or input file is missing, unreadable or malformed."""


def _to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays and dataclass-like objects to plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        return float(obj)
    if hasattr(obj, "to_dict"):
        return _to_jsonable(obj.to_dict())
    return obj


def dumps(obj: Any) -> str:
    """JSON text with a fixed layout (two-space indent, keys in insertion order).

    Non-finite floats are written as NaN/Infinity (Python's json dialect): a diverged loss is
    data, and replacing it by null would lose whether it was +inf or nan.
    """
    return json.dumps(_to_jsonable(obj), indent=2, allow_nan=True) + "\n"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; give it the mode open() would (0666 minus the umask),
        # so results on a shared file system are readable by whoever may read the directory.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> None:
    write_text(path, dumps(obj))


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultError(f"{path}: file not found") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultError(f"{path}: not valid JSON ({exc})") from None


def write_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """np.savez into memory, then an atomic write (np.savez on a path is not atomic)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes(path, buf.getvalue())
