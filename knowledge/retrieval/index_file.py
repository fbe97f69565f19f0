"""The retriever's index saved as one file beside the fact base, so a process
starts without analysing every fact again.

One job: write named flat numpy arrays, with the key they were made for, to a
file, and map them back. The layout is

    MAGIC | header length (8 bytes, little-endian) | header (JSON) | padding
    | the arrays, each on a 64-byte boundary | BLAKE2b digest of all before it

The header names the format version, the key (the fact base's generation and
change sequence the index reflects, and the fingerprint of the code and data
that made it) and each array's dtype, shape and offset. Only numbers and
bytes are stored, never pickled objects, so reading a file runs no code; a
file whose digest, version or layout is wrong is refused (IndexFileError).

A file is written under a temporary name beside it and renamed over the old
one, so readers see the old file or the new one, never half of one. It is
mapped copy-on-write: processes that map the same file share its pages, and
a process that changes an array changes a private copy of that page only.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path

import numpy as np

from ..errors import KnowledgeError

# Raise whenever what the arrays mean changes (the retriever's to_arrays).
FORMAT_VERSION = 2
MAGIC = b"FACTBOT-INDEX\x00\x00\x00"
ALIGN = 64
DIGEST_BYTES = 32
_LENGTH_BYTES = 8
# Plain numbers only: no object arrays.
_DTYPES = frozenset({"|u1", "<u4", "<i4", "<i8", "<f4", "<f8"})

_PACKAGE = Path(__file__).resolve().parent.parent
# What makes the index: the retrieval code, the fact model, the lexicon and
# word vectors. A change to any of them makes every saved index stale.
_INPUTS = ("retrieval/*.py", "models.py", "tomlfile.py", "data/*.toml", "data/lexicon/*")


class IndexFileError(KnowledgeError):
    """A saved index is missing, damaged, of another format, or unreadable."""


@dataclass(frozen=True)
class IndexKey:
    """What a saved index reflects: the fact base's generation and the last
    change it includes, and the fingerprint of what it was made with."""

    generation: str
    seq: int
    fingerprint: str


def fingerprint(data: bytes) -> str:
    """A hash of the format version, the code and data files the index is
    made with (_INPUTS), and `data` (the lexicon the fact base holds). Without
    the retrieval source files (an install of compiled files only) it is new
    each time, so no saved index is ever reused."""
    digest = hashlib.blake2b(f"format {FORMAT_VERSION}\n".encode(), digest_size=16)
    paths = sorted(p for pattern in _INPUTS for p in _PACKAGE.glob(pattern))
    if not any(p.name == "retriever.py" for p in paths):
        digest.update(os.urandom(16))
    for path in paths:
        digest.update(f"{path.relative_to(_PACKAGE).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    digest.update(data)
    return digest.hexdigest()


def pack_strings(values: Iterable[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array, each ended by a NUL.

    Raises ValueError when a string holds a NUL itself."""
    values = list(values)
    joined = "".join(f"{v}\x00" for v in values)
    if joined.count("\x00") != len(values):
        raise ValueError("a string to save holds a NUL character")
    blob = joined.encode("utf-8", "surrogatepass")
    return np.frombuffer(blob, dtype=np.uint8)


def unpack_strings(blob: np.ndarray) -> list[str]:
    """The strings pack_strings stored, in order."""
    return blob.tobytes().decode("utf-8", "surrogatepass").split("\x00")[:-1]


def pack_column(values: Iterable[str], name: str) -> dict[str, np.ndarray]:
    """Strings to be read one at a time (PackedStrings): the packed strings
    as `name`, and where each ends as `name.ends`.

    Raises ValueError when a string holds a NUL character."""
    blob = pack_strings(values)
    return {name: blob, f"{name}.ends": np.flatnonzero(blob == 0).astype(np.int64)}


class PackedStrings(Sequence[str]):
    """The strings pack_column saved, each decoded only when it is read."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, arrays: Mapping[str, np.ndarray], name: str) -> None:
        self._blob = arrays[name].data  # memoryviews: faster to index than numpy
        self._ends = arrays[f"{name}.ends"].data

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]  # no slices
        start = self._ends[i - 1] + 1 if i else 0
        return str(self._blob[start : self._ends[i]], "utf-8", "surrogatepass")


def write_index(path: Path, key: IndexKey, arrays: Mapping[str, np.ndarray]) -> None:
    """Save the arrays under `key`, replacing the file at `path` in one rename.

    Raises OSError when the folder cannot be written; the old file is kept."""
    placed: list[tuple[np.ndarray, int]] = []  # each array, little-endian, and its offset
    table = []
    offset = 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        if data.dtype == np.bool_:
            data = data.view(np.uint8)
        if data.dtype.str not in _DTYPES:
            raise ValueError(f"array {name!r}: unsupported dtype {array.dtype}")
        offset = _aligned(offset)
        placed.append((data, offset))
        table.append({"name": name, "dtype": data.dtype.str, "shape": data.shape, "offset": offset})
        offset += data.nbytes
    header = json.dumps(
        {
            "version": FORMAT_VERSION,
            "generation": key.generation,
            "seq": key.seq,
            "fingerprint": key.fingerprint,
            "arrays": table,
        }
    ).encode()
    start = _aligned(len(MAGIC) + _LENGTH_BYTES + len(header))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    try:
        with open(temporary, "wb") as out:

            def put(data: bytes | memoryview) -> None:
                digest.update(data)
                out.write(data)

            put(MAGIC + len(header).to_bytes(_LENGTH_BYTES, "little") + header)
            put(bytes(start - len(MAGIC) - _LENGTH_BYTES - len(header)))
            written = 0
            for data, at in placed:
                put(bytes(at - written))
                put(data.reshape(-1).view(np.uint8).data)
                written = at + data.nbytes
            out.write(digest.digest())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_index(path: Path) -> tuple[IndexKey, dict[str, np.ndarray]]:
    """The key and arrays of a saved index, mapped copy-on-write.

    Raises IndexFileError when the file is missing, truncated, damaged (its
    digest does not match), or of another format version."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < len(MAGIC) + _LENGTH_BYTES + DIGEST_BYTES:
                raise IndexFileError(f"{path}: too short to be an index file")
            body = size - DIGEST_BYTES
            # Read, not through the mapping: the process then holds in memory
            # only the pages it uses, not every page the checksum reads.
            if _digest(file, body) != file.read(DIGEST_BYTES):
                raise IndexFileError(f"{path}: damaged (its checksum does not match)")
            mapped = mmap.mmap(file.fileno(), size, access=mmap.ACCESS_COPY)
    except OSError as exc:
        raise IndexFileError(f"{path}: cannot read: {exc}") from None
    if mapped[: len(MAGIC)] != MAGIC:
        raise IndexFileError(f"{path}: not an index file")
    length = int.from_bytes(mapped[len(MAGIC) : len(MAGIC) + _LENGTH_BYTES], "little")
    start = len(MAGIC) + _LENGTH_BYTES
    try:
        header = json.loads(mapped[start : start + length])
        version = header["version"]
        if version != FORMAT_VERSION:
            raise IndexFileError(f"{path}: format {version}, not {FORMAT_VERSION}")
        key = IndexKey(str(header["generation"]), int(header["seq"]), str(header["fingerprint"]))
        data = _aligned(start + length)
        arrays = {}
        for entry in header["arrays"]:
            dtype = np.dtype(entry["dtype"])
            if entry["dtype"] not in _DTYPES:
                raise ValueError(f"unsupported dtype {entry['dtype']}")
            shape = tuple(int(n) for n in entry["shape"])
            count = int(np.prod(shape, dtype=np.int64))
            offset = data + int(entry["offset"])
            if offset + count * dtype.itemsize > body:
                raise ValueError(f"array {entry['name']!r} runs past the end")
            arrays[str(entry["name"])] = np.frombuffer(
                mapped, dtype=dtype, count=count, offset=offset
            ).reshape(shape)
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexFileError(f"{path}: malformed header: {exc}") from None
    return key, arrays


def _digest(file: BufferedReader, size: int) -> bytes:
    """The digest of the first `size` bytes of the file, read in chunks."""
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    chunk = memoryview(bytearray(1 << 20))
    left = size
    while left > 0:
        read = file.readinto(chunk[: min(left, len(chunk))])
        if not read:
            break
        digest.update(chunk[:read])
        left -= read
    return digest.digest()


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN
