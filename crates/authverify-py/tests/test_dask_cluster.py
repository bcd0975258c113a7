"""The example job on a real local Dask cluster (worker processes, tasks shipped over the
scheduler) gives the same per-file records and the same summary as one CLI run over the
same list."""

import json
import pathlib
import shutil
import subprocess
import sys

from conftest import REPO, VECTORS, skip_or_fail

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))

MANIFEST = json.loads((VECTORS / "manifest.json").read_text())
AT = MANIFEST["evaluated_at"]
TRUST = str(VECTORS / MANIFEST["trust"][0])


def file_set(tmp_path):
    """A generated set: every vector (valid, invalid, untrusted, unsigned, errors) copied
    several times under distinct names, plus a file that is not PE and one that vanished."""
    paths = []
    for copy in range(4):
        d = tmp_path / f"set{copy}"
        d.mkdir()
        for v in MANIFEST["vectors"]:
            dst = d / v["file"]
            shutil.copyfile(VECTORS / v["file"], dst)
            paths.append(str(dst))
    (tmp_path / "readme.txt").write_text("not a PE image")
    paths.insert(5, str(tmp_path / "readme.txt"))
    paths.insert(9, str(tmp_path / "gone.exe"))
    return paths


def test_local_cluster_matches_one_cli_run(tmp_path, cli):
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        skip_or_fail("dask[distributed] (pip install 'dask[distributed]')")
    import dask_verify

    paths = file_set(tmp_path)
    listing = tmp_path / "paths.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    manifest = tmp_path / "paths.jsonl"
    manifest.write_text("".join(json.dumps({"path": p}) + "\n" for p in paths))

    out = tmp_path / "cluster.jsonl"
    # Small batches so that the work really spreads over both workers.
    rc = dask_verify.main(["--local", "2", "--manifest", str(manifest), "--out", str(out),
                           "--trust", TRUST, "--at", AT, "--batch", "9"])
    assert rc == 0

    cli_out = subprocess.run([cli, "verify", "--format", "jsonl", "--summary", "--at", AT, "--trust", TRUST,
                              "--files-from", str(listing)], capture_output=True, text=True)
    assert cli_out.returncode in (0, 1), cli_out.stderr

    # Byte for byte: the job writes the CLI's own lines, and the summary appended from the
    # batches' partial summaries is the one the single run printed.
    assert out.read_text() == cli_out.stdout
    ours = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(ours) == len(paths) + 1
    statuses = {r["status"] for r in ours[:-1]}
    assert {"valid", "invalid", "error"} <= statuses
    assert ours[-1]["summary"]["files"] == len(paths)


def test_one_worker_builds_its_verifier_once():
    from authverify.distributed import verifier_for

    args = {"trust": [TRUST], "intermediates": [], "distrust": [], "policy": "windows", "signatures": "primary"}
    assert verifier_for(args) is verifier_for(dict(args))
