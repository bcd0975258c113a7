#!/usr/bin/env python3
"""After a fuzzing run: keeps in fuzz/corpus/<target>/ the committed seeds plus the small
inputs libFuzzer discovered (<= 4 KiB, at most 200 per target, smallest first), and moves the
rest to $AUTHVERIFY_CACHE/fuzz-corpus/<target>/ (default ~/.cache/authverify) so the next run
can start from everything without the repository growing by megabytes.

Usage: python3 scripts/fuzz-keep.py TARGET...
"""
import os, pathlib, shutil, subprocess, sys

root = pathlib.Path(__file__).resolve().parent.parent
cache = pathlib.Path(os.environ.get("AUTHVERIFY_CACHE", pathlib.Path.home() / ".cache" / "authverify")) / "fuzz-corpus"
listing = subprocess.run(["git", "ls-files", "fuzz/corpus"], cwd=root, capture_output=True, text=True)
if listing.returncode != 0 or not listing.stdout.strip():
    # Outside a git checkout every seed would look untracked, and be moved away.
    sys.exit(f"fuzz-keep: cannot list the committed seeds with git ({listing.stderr.strip() or 'none tracked'}); nothing moved")
tracked = set(listing.stdout.split())
for target in sys.argv[1:]:
    d = root / "fuzz" / "corpus" / target
    new = sorted((p for p in d.iterdir() if p.is_file() and str(p.relative_to(root)) not in tracked), key=lambda p: (p.stat().st_size, p.name))
    keep = [p for p in new if p.stat().st_size <= 4096][:200]
    out = cache / target
    out.mkdir(parents=True, exist_ok=True)
    moved = 0
    for p in new:
        shutil.copy2(p, out / p.name)
        if p not in keep:
            p.unlink()
            moved += 1
    print(f"{target}: kept {len(keep)} new inputs, moved {moved} to {out}")
