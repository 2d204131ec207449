"""Reading input files a person names (a genesis, a pricing policy, a trace, a snapshot).

`read_regular(path, max_bytes=...)` reads a regular file whole, or raises `OSError` (as `open` does) for
anything else: a device such as `/dev/zero` or a pipe would never end, a directory is not a file, and a
file above `max_bytes` is refused before it is read. Callers turn the `OSError` into their own typed error
("cannot read ...").
"""

from __future__ import annotations

import errno
import os
import stat

MAX_JSON_BYTES = 64 << 20
"""A JSON input (genesis, pricing policy) larger than 64 MiB is refused unread."""


def read_regular(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file `path` (at most `max_bytes`), else `OSError`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, a pipe or a directory)", str(path))
        if max_bytes is not None and info.st_size > max_bytes:
            raise OSError(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
        data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))
    return data
