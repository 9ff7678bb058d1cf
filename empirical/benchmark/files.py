"""Reading and writing plain result files: JSON Lines (optionally gzip) and atomic writes.

Every reader error names the file and line; every writer writes to a temporary file in the target's
folder and renames it, so a result file is either whole or absent.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any


class InputError(ValueError):
    """Bad input file or row; the message names the file and line."""


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")  # noqa: SIM115


def read_text(path: str | os.PathLike, missing: str) -> str:
    """A UTF-8 text file (a byte-order mark dropped); ``missing`` is the message when there is no such file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(missing)
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not valid UTF-8 ({exc.reason}); save it as UTF-8") from None


def read_jsonl(path: str | os.PathLike, required: Iterable[str] = ()) -> Iterator[dict]:
    """Yield one dict per non-empty line of a ``.jsonl`` or ``.jsonl.gz`` file.

    Raises :class:`InputError` naming the file and line for a missing file, a truncated gzip, a
    non-UTF-8 line, malformed JSON, a non-object row or a missing required field.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    req = tuple(required)
    lineno = 0
    try:
        with _open_binary(p) as fh:
            for raw in fh:
                lineno += 1
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(f"{p}:{lineno}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                    raise InputError(f"{p}:{lineno}: malformed JSON ({msg})") from None
                if not isinstance(row, dict):
                    raise InputError(f"{p}:{lineno}: each line must be a JSON object, found {type(row).__name__}")
                missing = [k for k in req if k not in row]
                if missing:
                    raise InputError(f"{p}:{lineno}: missing field(s) {', '.join(repr(m) for m in missing)}")
                yield row
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(f"{p}:{lineno + 1}: unreadable or truncated gzip ({exc})") from None


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, private: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it over ``path``, on error delete it.

    ``.gz`` paths are gzip-compressed (with a zero timestamp, so equal content gives equal bytes). ``private``: the
    file stays readable by its owner only (0600) from its creation on, for secrets.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        if str(p).endswith(".gz"):
            raw = open(tmp, "wb")  # noqa: SIM115
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            fh: IO[Any] = io.TextIOWrapper(gz, encoding="utf-8", newline="\n") if "b" not in mode else gz
            try:
                yield fh
            finally:
                fh.close()
                raw.close()
        else:
            with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": "\n"})) as fh:
                yield fh
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the result normal file permissions
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    """Write rows as JSON Lines atomically (UTF-8, one compact object per line); returns the count."""
    n = 0
    with atomic_write(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n
