"""Atomic writes: the file appears whole, with the permissions a plain open() would give; a
damaged file is caught on read, named and moved aside."""

from __future__ import annotations

import os

import numpy as np
import pytest

from deeprates import atomic_io


def test_written_file_has_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_io.write_json(tmp_path / "r.json", {"x": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o640
    assert atomic_io.read_json(tmp_path / "r.json") == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_truncated_json_is_named_and_moved_aside(tmp_path):
    """Issue 12 item 7: a truncated result failed every rerun until deleted by hand."""
    path = tmp_path / "exact.json"
    atomic_io.write_json(path, {"result": list(range(50))})
    path.write_bytes(path.read_bytes()[:40])
    assert not atomic_io.looks_complete(path)
    with pytest.raises(atomic_io.ResultError, match=f"{path}: not valid JSON .* moved aside to exact.json.corrupt"):
        atomic_io.read_json(path)
    assert not path.exists() and (tmp_path / "exact.json.corrupt").exists()


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_npz_is_named_and_moved_aside(tmp_path, damage):
    """Issue 12 item 7: a truncated .npz raised zipfile.BadZipFile without the file's name."""
    path = tmp_path / "c00-p0.npz"
    atomic_io.write_npz(path, a=np.arange(4000.0), b=np.ones(3))
    assert atomic_io.read_npz(path, keep=lambda k: k == "b").keys() == {"b"}
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:  # same length, damaged array bytes: only the zip's CRC check catches it, on read
        data[200:260] = bytes(60)
    path.write_bytes(bytes(data))
    assert atomic_io.looks_complete(path) == (damage == "flip")
    with pytest.raises(atomic_io.ResultError, match=f"{path}: not a readable npz file"):
        atomic_io.read_npz(path)
    assert not path.exists() and (tmp_path / "c00-p0.npz.corrupt").exists()


def test_complete_files_pass_the_cheap_check(tmp_path):
    atomic_io.write_json(tmp_path / "a.json", [1, 2])
    atomic_io.write_npz(tmp_path / "a.npz", x=np.zeros(3))
    assert atomic_io.looks_complete(tmp_path / "a.json") and atomic_io.looks_complete(tmp_path / "a.npz")


def test_a_terminated_job_leaves_no_temporary_file(tmp_path):
    """SIGTERM in the middle of an atomic write (scancel, a cancelled Snakemake job): the CLI
    turns it into SystemExit, so the write's cleanup removes its temporary file."""
    import subprocess
    import sys

    code = (
        "import os, signal\n"
        "from deeprates import atomic_io, cli\n"
        "signal.signal(signal.SIGTERM, cli._exit_on_sigterm)\n"
        "real_fsync = os.fsync\n"
        "def fsync_then_terminated(fd):\n"
        "    real_fsync(fd)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "os.fsync = fsync_then_terminated\n"
        f"atomic_io.write_bytes({str(tmp_path / 'r.json')!r}, b'x')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 128 + 15, res.stderr
    assert list(tmp_path.iterdir()) == []
