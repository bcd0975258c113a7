#!/usr/bin/env python3
"""Regenerates the examples of docs/report-format.md from the shipped vectors.

Builds the CLI first (`cargo build -p authverify-cli`, so the binary is never stale), runs
the commands the page quotes, checks each exit code (0 or 1: a verdict; anything else is an
error and stops the script), shortens long arrays and strings, and replaces everything after
the page's commands block.
The CLI test `the_examples_in_the_format_page_match_the_schema` validates the result.
"""
import json, os, pathlib, subprocess

root = pathlib.Path(__file__).resolve().parent.parent
# The build below honours CARGO_TARGET_DIR; so does the binary run.
binary = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target")) / "debug" / "authverify"
T = "test-vectors"
runs = [
    ["verify", "--trust", f"{T}/pki/root.crt", "--at", "2026-06-01T00:00:00Z", "--format", "jsonl",
     f"{T}/pe32plus-rsa2048-sha256.exe", f"{T}/digest-mismatch.exe", f"{T}/unsigned.exe"],
    ["verify", "--trust", f"{T}/chains/certs/publisher-root.crt", "--at", "2026-06-01T00:00:00Z",
     "--format", "jsonl", f"{T}/chains/iv-signed-root-embedded.exe"],
    ["verify", "--format", "jsonl", f"{T}/manifest.json"],
]
subprocess.run(["cargo", "build", "-q", "-p", "authverify-cli"], cwd=root, check=True)
lines = []
for args in runs:
    r = subprocess.run([str(binary), *args], cwd=root, capture_output=True, text=True)
    # 0 all valid, 1 some file not valid, 2 nothing verified (the manifest.json run: an
    # `error` report is the example wanted); stderr names any other failure.
    if r.returncode not in (0, 1, 2) or not r.stdout.strip():
        raise SystemExit(f"gen-report-examples: {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    lines += [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def trim(o):
    if isinstance(o, dict):
        out = {}
        for k, v in o.items():
            if k == "alternatives" and isinstance(v, list):
                v = v[:1]
            if k == "certificates" and isinstance(v, list) and len(v) > 2:
                v = v[:2]
            out[k] = trim(v)
        return out
    if isinstance(o, list):
        return [trim(x) for x in o]
    if isinstance(o, str) and len(o) > 100:
        return o[:97] + "..."
    return o


page = root / "docs" / "report-format.md"
text = page.read_text()
marker = "authverify verify --format jsonl test-vectors/manifest.json\n```\n"
head = text[: text.index(marker) + len(marker)]
body = "".join(f"\n### `{l['status']}`\n\n```json\n{json.dumps(trim(l), indent=2)}\n```\n" for l in lines)
page.write_text(head + body)
print(f"{len(lines)} examples written to {page}")
