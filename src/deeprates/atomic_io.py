"""Atomic, deterministic writing of results, and reading that catches corrupt ones.

Every output goes to a temporary file in the target directory and is moved into place with
os.replace, so a killed job never leaves a half-written result that a rerun would trust. A file
damaged anyway (a full disk, a copy cut short, a hand edit) is caught where it is read: the
reader moves it aside to `<name>.corrupt` and raises ResultError naming it, so the job fails
with the file's name and the next run rebuilds it (the workflow also sweeps intermediates with
the cheap `looks_complete` test before it plans any job).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
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


def quarantine(path: str | os.PathLike, problem: str) -> ResultError:
    """Move a corrupt file aside to <path>.corrupt (replacing an older one) and return the error
    to raise: it names the file, the problem and where the file went."""
    path = Path(path)
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
        where = f"moved aside to {aside.name}; rerun to rebuild it"
    except OSError as exc:
        where = f"could not move it aside ({exc.strerror}); delete it and rerun"
    return ResultError(f"{path}: {problem}; {where}")


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise quarantine(path, f"not valid JSON ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise quarantine(path, f"not valid JSON ({exc})") from None


def read_npz(path: str | os.PathLike, keep=None) -> dict[str, np.ndarray]:
    """The arrays of an npz (those whose name `keep(name)` accepts), read in full, so that a
    truncated or damaged file fails here, naming itself (numpy's errors name no file)."""
    path = Path(path)
    if not path.exists():
        raise ResultError(f"{path}: file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files if keep is None or keep(k)}
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError) as exc:
        raise quarantine(path, f"not a readable npz file ({type(exc).__name__}: {exc})") from None


def looks_complete(path: str | os.PathLike) -> bool:
    """A cheap test (the file's last bytes) that a JSON or npz file written by this module was
    not cut short: JSON ends with a closing bracket and a newline, an npz (a zip) with its
    end-of-central-directory record. Files of other types count as complete."""
    path = Path(path)
    suffix = path.suffix
    if suffix not in (".json", ".npz"):
        return True
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 22))
            tail = fh.read()
    except OSError:
        return False
    if suffix == ".json":
        return tail.rstrip(b"\n").endswith((b"}", b"]"))
    return tail[:4] == b"PK\x05\x06"  # np.savez writes no zip comment: the record is the last 22 bytes


def write_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """np.savez into memory, then an atomic write (np.savez on a path is not atomic)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes(path, buf.getvalue())
