"""Verifying a file set on a distributed engine's workers (Dask here; the functions are
plain Python and work from any engine that ships tasks to worker processes).

The unit of work is a batch of paths. Each worker process builds its Verifier once (trust
store, certificate and chain caches) and keeps it for every batch it is given: a task
carries only the verifier's arguments, never the verifier. A batch returns its JSON lines
(exactly `authverify verify --format jsonl`'s file lines) and its partial summary; the
driver writes the lines in batch order and appends the summaries in the same order, which
gives the summary one CLI run over the same list prints.
"""

import functools
import json
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ._authverify import Summary, Verifier


def _key(verifier_args: Dict) -> Tuple:
    return tuple(
        (k, tuple(v) if isinstance(v, (list, tuple)) else v) for k, v in sorted(verifier_args.items())
    )


@functools.lru_cache(maxsize=8)
def _verifier(key: Tuple) -> Verifier:
    return Verifier(**{k: (list(v) if isinstance(v, tuple) else v) for k, v in key})


def verifier_for(verifier_args: Dict) -> Verifier:
    """This process's Verifier for these arguments, built on first use."""
    return _verifier(_key(verifier_args))


def verify_partition(paths: Sequence[str], verifier_args: Dict, at: Optional[str]) -> Tuple[List[str], str]:
    """Verifies one batch on a worker: (JSON lines, partial summary as JSON). The lines are
    the CLI's own text, made in Rust: no report becomes a Python object on the way."""
    lines, summary = verifier_for(verifier_args).verify_lines(list(paths), at)
    return lines, summary.to_json()


def batches(paths: Sequence[str], size: int) -> List[List[str]]:
    """The list cut into consecutive batches (order is what makes the summary equal)."""
    return [list(paths[i:i + size]) for i in range(0, len(paths), size)]


def collect(results: Iterable[Tuple[List[str], str]]) -> Iterator[str]:
    """Batch results in batch order → every JSON line, then the summary line."""
    total = Summary()
    for lines, partial in results:
        yield from lines
        total.append(Summary.from_json(partial))
    yield total.to_line()


def read_manifest(path: str) -> List[str]:
    """Paths from a text list (one per line) or a JSON lines manifest ({"path": ...})."""
    paths = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.lstrip().startswith("{"):
                paths.append(json.loads(line)["path"])
            else:
                paths.append(line)
    return paths
