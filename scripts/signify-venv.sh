#!/usr/bin/env bash
# signify 0.9.3 (PE only) in a venv in the cache, and the script that verifies files with it
# (CACHE/signify-bench.py ROOT FILE...: prints how many verified), for bench-compare.sh and
# bench-formats.sh. Exits 1 when pip cannot install it (the benchmarks then leave signify out).
#
#   scripts/signify-venv.sh "$HOME/.cache/authverify"
set -euo pipefail
CACHE=$1
VENV=$CACHE/signify-venv
mkdir -p "$CACHE"
if ! [ -x "$VENV/bin/python" ]; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q signify==0.9.3; } >/dev/null 2>&1 || { rm -rf "$VENV"; exit 1; }
fi
# oscrypto 1.3.0 (signify's dependency) cannot parse two-digit OpenSSL patch versions
# ("3.0.19") and refuses to load; upstream fixed the regex after the release. Apply the
# same one-character-class fix inside the benchmark's own venv.
"$VENV/bin/python" - "$VENV" <<'PY'
import glob, sys
for p in glob.glob(sys.argv[1] + "/lib/python3*/site-packages/oscrypto/_openssl/_libcrypto_ctypes.py"):
    s = open(p).read()
    open(p, "w").write(s.replace(r"\\d\\.\\d\\.\\d[a-z]*", r"\\d+\\.\\d+\\.\\d+[a-z]*"))
PY
cat > "$CACHE/signify-bench.py" <<'PY'
import pathlib, sys
from signify.authenticode import AuthenticodeFile
from signify.x509 import FileSystemCertificateStore
# The set's root as signify's trust store, so that signify does the whole verification
# (digest, signer, chain, countersignature) as authverify does; "first" = the primary
# signature decides, as Windows and authverify's default.
store = FileSystemCertificateStore(location=pathlib.Path(sys.argv[1]), trusted=True)
ok = 0
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        result, _ = AuthenticodeFile.from_stream(f).explain_verify(
            trusted_certificate_store=store, multi_verify_mode="first")
        ok += str(result).endswith("OK")
print(ok)
PY
