"""Where the Spark engine reads and writes: a local path, or a URI (``hdfs://``, ``s3a://``,
``file:///``, any scheme the cluster's Hadoop knows) handed to Spark untouched.

``Uri`` speaks the part of ``pathlib.Path`` the engine uses (``/``, ``name``, ``suffix``,
``exists``, ``is_dir``, ``open``, ``write_text``, ``replace``, ...), each through Hadoop's
``FileSystem`` in the driver's JVM, so that a staged output folder is moved into place with
``FileSystem.rename`` where Spark wrote it, and the summary and rejects are written there too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from pyspark.sql import SparkSession

from byline.engine import put_in_place as put_file_in_place
from byline.engine import remove_output as remove_file_output

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 1 << 20  # bytes a read or write moves across the JVM gateway at once


def is_uri(text: str) -> bool:
    """Whether ``text`` is a URI (``scheme://...``) rather than a local path."""
    return bool(_SCHEME.match(text))


class Uri:
    """A file or folder named by a URI, reached through Hadoop's ``FileSystem``."""

    def __init__(self, text: str) -> None:
        if not is_uri(text):
            raise ValueError(f"{text!r} is not a URI (scheme://...)")
        self.text = text.rstrip("/") if not text.endswith(":///") else text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Uri({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Uri) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __truediv__(self, name: str) -> Uri:
        return Uri(f"{self.text}/{name}")

    @property
    def name(self) -> str:
        return self.text.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        name = self.name
        return name[name.rindex(".") :] if "." in name.lstrip(".") else ""

    def with_name(self, name: str) -> Uri:
        return Uri(f"{self.text.rsplit('/', 1)[0]}/{name}")

    def resolve(self) -> Uri:
        return self

    # -- through Hadoop's FileSystem --------------------------------------------------------
    def _fs(self) -> tuple[Any, Any]:
        spark = SparkSession.active()
        jvm = spark._jvm
        assert jvm is not None
        path = jvm.org.apache.hadoop.fs.Path(self.text)
        return path.getFileSystem(spark._jsc.hadoopConfiguration()), path

    def exists(self) -> bool:
        fs, path = self._fs()
        return bool(fs.exists(path))

    def is_dir(self) -> bool:
        fs, path = self._fs()
        return bool(fs.exists(path) and fs.getFileStatus(path).isDirectory())

    def is_file(self) -> bool:
        fs, path = self._fs()
        return bool(fs.exists(path) and fs.getFileStatus(path).isFile())

    def is_symlink(self) -> bool:
        return False

    def glob(self, pattern: str) -> Iterator[Uri]:
        fs, path = self._fs()
        for status in fs.globStatus(path.suffix("/" + pattern)) or []:
            yield Uri(str(status.getPath().toString()))

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        fs, path = self._fs()
        fs.mkdirs(path)

    def unlink(self, missing_ok: bool = False) -> None:
        fs, path = self._fs()
        if not fs.delete(path, True) and not missing_ok:
            raise FileNotFoundError(self.text)

    def replace(self, target: Uri) -> Uri:
        fs, path = self._fs()
        _, to = target._fs()
        if fs.exists(to):
            fs.delete(to, True)
        if not fs.rename(path, to):
            raise OSError(f"cannot move {self.text} to {target.text}")
        return target

    def open(self, mode: str = "r", encoding: str = "utf-8", **_: Any) -> IO[str]:
        fs, path = self._fs()
        if mode == "w":
            return cast(
                IO[str], io.TextIOWrapper(_Out(fs.create(path, True)), encoding, newline="")
            )
        if mode == "r":
            buffered = io.BufferedReader(_In(fs.open(path)), _CHUNK)
            return cast(IO[str], io.TextIOWrapper(buffered, encoding, errors="replace"))
        raise ValueError(f"mode {mode!r}: a URI opens for 'r' or 'w'")

    def read_text(self, encoding: str = "utf-8") -> str:
        with self.open("r", encoding) as f:
            return f.read()

    def write_text(self, text: str, encoding: str = "utf-8") -> int:
        with self.open("w", encoding) as f:
            return f.write(text)


class _Out(io.RawIOBase):
    """A Hadoop output stream as a Python one (bytes cross the gateway a chunk at a time)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._stream.write(bytearray(chunk))
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


class _In(io.RawIOBase):
    """A Hadoop input stream as a Python one."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = bytes(self._stream.readNBytes(min(len(buffer), _CHUNK)))
        buffer[: len(got)] = got
        return len(got)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


Where = Path | Uri  # a local path, or a URI for Spark


def as_path(where: Where) -> Path:
    """``where`` for a helper of ``byline.engine`` or ``byline.graph`` that uses only the part
    of ``Path`` that ``Uri`` speaks (a format from the suffix, a name in a message)."""
    return cast(Path, where)


def for_spark(where: Where) -> str:
    """What Spark's reader or writer is given: a URI as it is, a path made absolute."""
    return where.text if isinstance(where, Uri) else str(where.resolve())


def remove_output(where: Where) -> None:
    """An output gone, file or folder."""
    if isinstance(where, Uri):
        where.unlink(missing_ok=True)
    else:
        remove_file_output(where)


def put_in_place(staged: Where, final: Where) -> None:
    """A whole output moved to its name, replacing what was there (a URI's by ``rename``)."""
    if isinstance(staged, Uri) and isinstance(final, Uri):
        staged.replace(final)
    else:
        assert isinstance(staged, Path) and isinstance(final, Path)
        put_file_in_place(staged, final)
