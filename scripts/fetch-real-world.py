#!/usr/bin/env python3
"""Fetch the real-world PE files of test-vectors/real-world/corpus.tsv by pinned version.

Uses the ordinary clients only (pip download, npm pack, apt-get download), checks every
file's SHA-256 against the corpus, and caches outside the repository:
  $AUTHVERIFY_CACHE (default ~/.cache/authverify)/real-world/<file>
A file that cannot be fetched, or whose SHA-256 differs, is skipped and counted; the
script always exits 0 unless --strict is given. Tests read only the cache.
Usage: scripts/fetch-real-world.py [--timeout SECONDS] [--only SUBSTRING] [--strict]
"""
import argparse, csv, hashlib, io, os, pathlib, shutil, subprocess, sys, tarfile, tempfile, time, zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "test-vectors" / "real-world" / "corpus.tsv"
# Real containers for `verify --payload` (issue 31), pinned the same way; fetched into the
# same cache, read by crates/authverify-cli/tests/payload.rs.
PAYLOAD = ROOT / "test-vectors" / "real-world" / "payload.tsv"
CACHE = pathlib.Path(os.environ.get("AUTHVERIFY_CACHE", pathlib.Path.home() / ".cache" / "authverify"))
OUT = CACHE / "real-world"
ARTIFACTS = CACHE / "artifacts"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def run(cmd, cwd, timeout):
    return subprocess.run(cmd, cwd=cwd, timeout=timeout, capture_output=True, text=True)


APT_REFRESHED = False


def refresh_apt_lists(timeout):
    """Runs `apt-get update` once per run (as root only); True when it ran now."""
    global APT_REFRESHED
    if APT_REFRESHED or os.geteuid() != 0:
        return False
    APT_REFRESHED = True
    print("refreshing the apt package lists once (a pinned Debian version was not found)")
    subprocess.run(["apt-get", "update", "-qq"], timeout=timeout, capture_output=True)
    return True


def fetch_artifact(source, pip_args, timeout):
    """Downloads the package artifact once; returns its path or raises."""
    kind, spec = source.split(":", 1)
    key = hashlib.sha1((source + "|" + pip_args).encode()).hexdigest()[:16]
    d = ARTIFACTS / key
    done = d / ".done"
    if done.exists():
        return next(p for p in d.iterdir() if p.name != ".done")
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    if kind == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(d)] + pip_args.split() + [spec]
    elif kind == "npm":
        name, ver = (spec.rsplit("==", 1) if "==" in spec else spec.rsplit("@", 1))
        cmd = ["npm", "pack", "--silent", f"{name}@{ver}"]
    elif kind == "debian":
        name, ver = spec.split("==", 1)
        cmd = ["apt-get", "download", f"{name}={ver}"]
    else:
        raise RuntimeError(f"unknown source kind {kind}")
    r = run(cmd, d, timeout)
    if kind == "debian" and r.returncode != 0 and refresh_apt_lists(timeout):
        # A pinned version "was not found" when the package lists predate it: the
        # machine's lists may be stale, not the pin. Refresh them once and try again.
        r = run(cmd, d, timeout)
    files = [p for p in d.iterdir()]
    if r.returncode != 0 or not files:
        raise RuntimeError((r.stderr or r.stdout).strip().splitlines()[-1:] or ["download failed"])
    done.touch()
    return files[0]


def read_member(artifact, path):
    """Reads `path` (optionally `outer!inner` through a zip) out of a wheel/zip, tarball or .deb."""
    outer, _, inner = path.partition("!")
    name = artifact.name
    if name.endswith(".deb"):
        with tempfile.TemporaryDirectory() as t:
            subprocess.run(["dpkg-deb", "-x", str(artifact), t], check=True, capture_output=True)
            data = (pathlib.Path(t) / outer).read_bytes()
    elif name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(artifact) as z:
            data = z.read(outer)
    else:
        with tarfile.open(artifact) as t:
            f = t.extractfile(outer)
            if f is None:
                raise RuntimeError(f"{outer}: not a file in {name}")
            data = f.read()
    if inner:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            data = z.read(inner)
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=int, default=300, help="per download, seconds")
    ap.add_argument("--only", default="", help="fetch only files whose name contains this")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a file is missing")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(CORPUS.open(), delimiter="\t"))
    rows += list(csv.DictReader(PAYLOAD.open(), delimiter="\t"))
    ok = skipped = 0
    for row in rows:
        name = row["file"]
        if a.only not in name:
            continue
        dest = OUT / name
        if dest.exists() and sha256(dest.read_bytes()) == row["sha256"]:
            ok += 1
            continue
        t0 = time.time()
        try:
            art = fetch_artifact(row["source"], row.get("pip_args") or "", a.timeout)
            data = read_member(art, row["path_in_artifact"])
            if sha256(data) != row["sha256"]:
                raise RuntimeError(f"SHA-256 {sha256(data)} differs from the corpus")
            dest.write_bytes(data)
            ok += 1
            print(f"fetched  {name} ({len(data)} bytes, {time.time() - t0:.1f}s)")
        except Exception as e:  # one bad source never stops the run
            skipped += 1
            print(f"SKIPPED  {name}: {e}")
    print(f"real-world corpus: {ok} files available in {OUT}, {skipped} skipped")
    return 1 if (a.strict and skipped) else 0


if __name__ == "__main__":
    sys.exit(main())
