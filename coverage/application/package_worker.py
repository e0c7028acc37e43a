"""A worker process that writes application packages: ``python -m
dekning.coverage.application.package_worker``, started by
:class:`~dekning.coverage.application.packages.ApplicationPackages`.

It reads tasks from its standard input — each the arguments of
:func:`~dekning.coverage.application.package.package_into`, pickled, behind an 8-byte length
(written without the folder lock: the packages go into the run's own temporary folder) —
and answers each on its standard output the same way with ``("ok", why the PDF is missing or
None)`` or ``("error", the exception)``. The end of its input ends it. Anything else a library
prints goes to standard error. The pickles come only from the run that started the process.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from typing import IO, Any

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


def main() -> None:
    """Answer tasks until the input ends."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not mix with answers
    from dekning.coverage.application.package import package_into

    tasks = sys.stdin.buffer
    while (task := receive(tasks)) is not None:
        try:
            answer: tuple[str, object] = ("ok", package_into(*task, lock=False))
        except Exception as error:  # sent back, raised in the run
            answer = ("error", error)
        try:
            send(answers, answer)
        except (pickle.PicklingError, TypeError, AttributeError):
            send(answers, ("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}")))


if __name__ == "__main__":
    main()
