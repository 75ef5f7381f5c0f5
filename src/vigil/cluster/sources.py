"""Which files a list of manifest arguments names, and their bytes.

An argument is a file, a directory (read recursively, ``*.yaml``, ``*.yml`` and ``*.json`` in
name order) or ``-`` for standard input. Each input keeps the path as the user would write it
(the argument joined with the path below it), so an error in ``manifests/team-a/web.yaml`` says
so rather than ``web.yaml``. A file larger than the input bound is refused before it is read.
A pipe or a device has no size to check first (``<(helm template ...)``, ``/dev/zero``): every
file is read up to one byte past the bound. With the loader, this is the only module of
`vigil.cluster` that touches the file system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vigil.cluster.documents import DEFAULT_BOUNDS, MIB, too_large
from vigil.cluster.errors import ManifestError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class Input:
    """One input: its display path and a way to read its bytes (read when needed)."""

    name: str
    size: int
    read: Callable[[], bytes]


def _file(path: Path, name: str, max_bytes: int) -> Input:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ManifestError(name, "", "", exc.strerror or str(exc)) from None

    def read() -> bytes:
        if size > max_bytes:
            raise too_large(name, size, max_bytes)
        try:
            with path.open("rb") as stream:
                data = stream.read(max_bytes + 1)
        except OSError as exc:
            raise ManifestError(name, "", "", exc.strerror or str(exc)) from None
        if len(data) > max_bytes:
            raise ManifestError(
                name, "", "", f"input is larger than the {max_bytes // MIB} MiB bound"
            )
        return data

    return Input(name, size, read)


def _constant(data: bytes) -> Callable[[], bytes]:
    def read() -> bytes:
        return data

    return read


def list_inputs(
    args: Iterable[str | Path],
    stdin: Callable[[], bytes] | None = None,
    *,
    stdin_name: str = STDIN_NAME,
    max_bytes: int = DEFAULT_BOUNDS.max_bytes,
) -> Iterator[Input]:
    """The inputs named by ``args``, in order; ``stdin`` reads standard input for ``-``
    (named ``stdin_name`` in messages and findings).

    A missing path raises `ManifestError` (``path: no such file or directory``); reading a file
    larger than ``max_bytes`` raises it too, before any byte is read.
    """
    for arg in args:
        text = str(arg)
        if text == STDIN:
            if stdin is None:
                raise ManifestError("-", "", "", "standard input is not available")
            data = stdin()
            yield Input(stdin_name, len(data), _constant(data))
            continue
        path = Path(arg)
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*") if f.suffix in MANIFEST_SUFFIXES and f.is_file()
            )
            for f in files:
                yield _file(f, str(path / f.relative_to(path)), max_bytes)
        elif path.exists():
            yield _file(path, text, max_bytes)
        else:
            raise ManifestError(text, "", "", "no such file or directory")
