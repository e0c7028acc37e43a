"""A worker process that writes application packages: ``python -P -m
dekning.coverage.application.package_worker FD``, started by
:class:`~dekning.coverage.application.packages.ApplicationPackages`.

It reads tasks from its standard input — each the arguments of
:func:`~dekning.coverage.application.package.package_into`, pickled, behind an 8-byte length
(written without the folder lock: the packages go into the run's own temporary folder) — and
answers each on the pipe ``FD`` the same way with ``("ok", why the PDF is missing or None)`` or
``("error", the exception)``. Its standard output is never read, so nothing a library prints can
be taken for an answer. The end of its input ends it; Ctrl-C is left to the run, which stops its
workers by closing their input. The pickles come only from the run that started the process.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from typing import IO, Any

from dekning.coverage.application.package import package_into

HEADER = struct.Struct("<Q")
"""The length in front of each message."""


def send(stream: IO[bytes], value: object) -> None:
    """``value`` pickled behind its length, flushed."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # written by the run that started this process


def portable(error: Exception) -> BaseException:
    """``error`` as the run can read it back: with this process's traceback as a note, or,
    when it cannot be unpickled as it is (an ``__init__`` with other arguments), a
    RuntimeError with its type, text and traceback."""
    where = traceback.format_exc()
    try:
        error.add_note(where)
        back = pickle.loads(pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL))
        if isinstance(back, BaseException):
            return error
    except Exception:  # any failure to round-trip: sent as text below
        pass
    return RuntimeError(f"{type(error).__name__}: {error}\n{where}")


def main() -> None:
    """Answer tasks until the input ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run stops its workers itself
    answers = os.fdopen(int(sys.argv[1]), "wb")
    tasks = sys.stdin.buffer
    while (task := receive(tasks)) is not None:
        try:
            answer: tuple[str, object] = ("ok", package_into(*task, lock=False))
        except Exception as error:  # sent back, raised in the run
            answer = ("error", portable(error))
        send(answers, answer)


if __name__ == "__main__":
    main()
