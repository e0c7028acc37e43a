"""Write an output folder in full or not at all, and never delete what dekning did not write.

A run writes into a hidden temporary folder next to the target (``.<name>.<random>``) and swaps
it into place at the end:

- on Linux the two folders are exchanged in one atomic ``renameat2(RENAME_EXCHANGE)``, so at
  every instant either the old or the new output is in place, even when the process is killed;
- elsewhere (or on a file system without it) the old folder is first renamed to ``.<name>.old``
  and the next run puts it back if a crash left no output in place.

Runs into the same parent folder hold an exclusive lock on it while they swap, so the hidden
folders left by a killed run are recognised as leftovers and removed by the next run. A folder
is replaced only when it is empty or holds a run's ``rapport.json``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from dekning.errors import InputError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
WRITING = ".dekning-skriver"
"""Marker file in a temporary folder while a run writes it (removed before the swap): only
hidden folders holding it are cleaned up as leftovers of killed runs."""

Owned = Callable[[Path], bool]
"""Decides whether an existing, non-empty folder is one dekning wrote (and may replace)."""


def _empty(folder: Path) -> bool:
    return not any(folder.iterdir())


def _written_by_dekning(folder: Path) -> bool:
    """True when ``folder`` holds a run's ``rapport.json`` (an object with ``dekning_versjon``)."""
    report = folder / "rapport.json"
    try:
        content = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and "dekning_versjon" in content


def check_replaceable(target: str | Path, owned: Owned = _written_by_dekning) -> None:
    """Check that an output folder may be written: it does not exist, is empty, or dekning
    wrote it (``owned``; by default: it holds a run's ``rapport.json``).

    Raises
    ------
    InputError
        ``target`` is a file, or a folder that dekning did not write.
    """
    out = Path(target).resolve()
    if out.exists() and (not out.is_dir() or not (_empty(out) or owned(out))):
        raise InputError(
            "utmappa finnes og er ikke skrevet av dekning; velg en ny eller tom mappe "
            "(ingenting er endret)",
            file=out,
        )


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2``).

    Returns False, changing nothing, where the system or file system cannot do it.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def leftovers(out: Path) -> list[Path]:
    """Hidden folders a killed run into ``out`` left behind: ``.<name>.<8 random>`` holding the
    :data:`WRITING` marker (a user's own hidden folder never holds it)."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.[A-Za-z0-9_]{{8}}$")
    return sorted(
        p
        for p in out.parent.iterdir()
        if p.is_dir() and pattern.match(p.name) and (p / WRITING).is_file()
    )


@contextmanager
def _locked(parent: Path) -> Iterator[None]:
    """An exclusive lock on ``parent`` shared by every dekning run writing there."""
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _recover(out: Path, owned: Owned) -> None:
    """Put back the old output a crash between two renames left as ``.<name>.old``."""
    old = out.with_name(f".{out.name}.old")
    if old.is_dir() and not _empty(old) and owned(old):
        if out.exists():
            shutil.rmtree(old)
        else:
            old.rename(out)


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` in place of ``out``; the old output ends in ``tmp``'s place or is gone."""
    if not out.exists():
        tmp.rename(out)
    elif exchange(tmp, out):
        shutil.rmtree(tmp)
    else:
        old = out.with_name(f".{out.name}.old")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)


@contextmanager
def atomic_folder(
    target: str | Path, owned: Owned = _written_by_dekning, *, lock: bool = True
) -> Iterator[Path]:
    """Write a folder in full or not at all.

    Yields a temporary folder next to ``target``; when the block ends without an error it
    takes ``target``'s place (see the module's notes), and when it fails it is removed and
    ``target`` is left as it was. Leftovers of killed runs into ``target`` are removed first.
    An existing ``target`` is replaced only when it is empty or ``owned`` says dekning wrote it
    (default: it holds a run's ``rapport.json``).

    While it is written the parent folder is locked (``flock``), so that two runs into the
    same folder follow one another. ``lock=False`` is for folders inside a folder this process
    is writing under that lock already (a run's application packages, written side by side
    into the run's own temporary folder).

    Raises
    ------
    InputError
        ``target`` exists and is a file, or a folder that dekning did not write.
    """
    out = Path(target).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent) if lock else nullcontext():
        _recover(out, owned)
        check_replaceable(out, owned)
        for stale in leftovers(out):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tmp.chmod(0o755)
        (tmp / WRITING).write_text(f"{os.getpid()}\n", encoding="utf-8")
        try:
            yield tmp
            (tmp / WRITING).unlink()
            _swap(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


__all__ = ["WRITING", "Owned", "atomic_folder", "check_replaceable", "exchange", "leftovers"]
