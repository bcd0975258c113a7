"""Type stubs for the authverify extension (see __init__.py for the overview)."""

from datetime import datetime
from os import PathLike
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__version__: str

At = Union[None, str, int, datetime]
"""When to judge: None (now), RFC 3339 UTC text, seconds since the epoch, or an aware datetime."""

Report = Dict[str, Any]
"""A file's report: the JSON format's object (status, signatures, missing, notes and
findings, ...). Match reasons on `findings[].rule`, never on the notes' text."""

Record = Dict[str, Any]
"""A line of `authverify verify --format jsonl`: {"path": ..., **Report} or
{"path": ..., "status": "error", "error": ..., "error_rule": ...}."""

class AuthverifyError(Exception):
    """A file or trust material authverify could not read; the message is the library's."""

class Summary:
    """What to install across a set of files and why the others fail (the CLI's --summary)."""

    def __init__(self) -> None: ...
    def append(self, other: "Summary") -> None:
        """Adds the summary of files that come after this one's, in order."""
    def to_dict(self) -> Dict[str, Any]:
        """The JSON format's `summary` object."""
    def to_line(self) -> str:
        """The summary line `authverify verify --summary --format jsonl` ends with."""
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "Summary": ...

class Verifier:
    """Trust material, policy and caches, built once and shared by every file verified."""

    def __init__(
        self,
        trust: Optional[Sequence[str]] = None,
        intermediates: Sequence[str] = (),
        distrust: Sequence[str] = (),
        policy: str = "windows",
        signatures: str = "primary",
        catalogs: Sequence[str] = (),
        catalogs_at: At = None,
        require_signer: Sequence[str] = (),
        require_timestamp: bool = False,
        exclude_from: Sequence[Union[str, PathLike[str]]] = (),
    ) -> None:
        """`require_signer`, `require_timestamp`, `exclude_from`: the CLI's release gate; records
        then carry `gate` and summaries its counts."""
    @property
    def catalog_problems(self) -> List[str]:
        """`path: why` for each file given in `catalogs` that is not a readable catalog."""
    def verify_path(self, path: Union[str, PathLike[str]], at: At = None) -> Report:
        """One file's report; raises AuthverifyError when it cannot be read or is of no verified format."""
    def verify_bytes(self, data: bytes, at: At = None) -> Report:
        """A file's bytes' report; raises AuthverifyError when they are of no verified format."""
    def verify_paths(self, paths: Sequence[Union[str, PathLike[str]]], at: At = None) -> List[Record]:
        """One record per path, in order, verified in parallel; never raises per file."""
    def verify_batch(
        self, paths: Sequence[Union[str, PathLike[str]]], at: At = None
    ) -> Tuple[List[Record], Summary]:
        """`verify_paths` and the summary of the same files."""
    def verify_lines(
        self, paths: Sequence[Union[str, PathLike[str]]], at: At = None
    ) -> Tuple[List[str], Summary]:
        """The CLI's JSON lines for the files (exact text, no newline) and their summary."""

def schema() -> int:
    """The JSON lines schema version of the summary line."""
