"""Verify a file set on a Dask cluster and write `authverify verify --format jsonl
--summary`'s output: one JSON line per file, in the manifest's order, then the summary.

    # a local cluster of 2 worker processes
    python dask_verify.py --local 2 --manifest paths.txt --out results.jsonl --trust builtin
    # a real cluster: the same code, the scheduler's address instead of --local
    python dask_verify.py --scheduler tcp://scheduler:8786 --manifest paths.txt --out results.jsonl

The manifest is a text list of paths or JSON lines with a "path" field; every worker must
see the files at those paths (a shared file system or object store mount). Each worker
builds its verifier once and keeps it (authverify.distributed). Why Dask rather than
Spark: see crates/authverify-py/README.md.
"""

import argparse
import sys

from dask.distributed import Client, LocalCluster

from authverify.distributed import batches, collect, read_manifest, verify_partition


def run(client, paths, verifier_args, at, out, batch_size=256):
    """Verifies `paths` on `client`'s workers and writes the JSON lines to `out`."""
    futures = client.map(verify_partition, batches(paths, batch_size), verifier_args=verifier_args, at=at,
                         pure=False)
    # Results are read in batch order: the output order and the summary do not depend on
    # which worker finished first.
    with open(out, "w", encoding="utf-8") as f:
        for line in collect(future.result() for future in futures):
            f.write(line + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", help="address of a running Dask scheduler")
    where.add_argument("--local", type=int, metavar="N", help="start a local cluster of N worker processes")
    p.add_argument("--manifest", required=True, help="text list of paths, or JSON lines with a path field")
    p.add_argument("--out", required=True, help="JSON lines output")
    p.add_argument("--trust", action="append", help="as authverify verify --trust (default: builtin)")
    p.add_argument("--intermediates", action="append", default=[])
    p.add_argument("--distrust", action="append", default=[])
    p.add_argument("--policy", default="windows", choices=["windows", "strict"])
    p.add_argument("--signatures", default="primary", choices=["primary", "all", "any"])
    p.add_argument("--at", help="RFC 3339 UTC time to judge at (default: now)")
    p.add_argument("--batch", type=int, default=256, help="paths per task")
    args = p.parse_args(argv)
    verifier_args = {
        "trust": args.trust or ["builtin"],
        "intermediates": args.intermediates,
        "distrust": args.distrust,
        "policy": args.policy,
        "signatures": args.signatures,
    }
    paths = read_manifest(args.manifest)
    if args.local:
        with LocalCluster(n_workers=args.local, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            run(client, paths, verifier_args, args.at, args.out, args.batch)
    else:
        with Client(args.scheduler) as client:
            run(client, paths, verifier_args, args.at, args.out, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
