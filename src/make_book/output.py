"""Writing files so that a failed or killed build never leaves a partial file under a final name."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from make_book.errors import MakeBookError


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise MakeBookError(f"cannot write here: {_reason(exc)}", path.parent) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise MakeBookError(f"cannot write: {_reason(exc)}; the previous file is unchanged", path) from None


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)
