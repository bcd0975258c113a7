#!/usr/bin/env python3
"""Writes the signed containers of test-vectors/containers/ and their manifest (issue 17).

Real files from the tools that make them: cabinets by gcab, signed by osslsigncode with the
test PKI that authverify-testgen writes (pki/signer-chain.pem, its key in
crates/authverify-testgen/keys/), at fixed signing and timestamp times, then altered by one
byte where a case needs it. Each entry states the verdict its construction implies under the
`windows` preset with pki/root.crt trusted, and what osslsigncode calculated and concluded
on the file when it was written (its digest is the independent truth our digest must equal).

Needs: gcab, wixl (Debian wixl), osslsigncode. gcab and osslsigncode write the same bytes for the same inputs
(file times are fixed, RSA PKCS#1 v1.5 is deterministic), so `--check` regenerates into a
temporary folder and compares byte for byte (timestamp tokens excepted: see
NOT_BYTE_STABLE; the manifest, which states their verdicts and digests, is compared).

catalog/ holds catalogs (written by `authverify-testgen catalog`) that list the unsigned
cabinet and package by the hashes Windows gives them; `catalog_lookups` in the manifest says
whether osslsigncode's `verify -catalog` finds each file there and what it calculated.
"""

import argparse
import filecmp
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test-vectors"
KEYS = ROOT / "crates" / "authverify-testgen" / "keys"
SIGNING_TIME = "1767225600"  # 2026-01-01T00:00:00Z
TSA_TIME = "1767312000"  # 2026-01-02T00:00:00Z
VERIFY_TIME = "1780272000"  # 2026-06-01T00:00:00Z, the manifests' evaluated_at
MTIME = "2026-01-01 00:00:00 UTC"
# osslsigncode's built-in TSA (-TSA-certs/-TSA-key) gives each token a random serial number:
# these files differ run to run by those bytes only, so --check compares their manifest
# entries (verdict, digests, osslsigncode's conclusion) instead of their bytes.
NOT_BYTE_STABLE = {"cab/timestamped.cab"}
# wixl stamps each package with a random revision UUID and the current time, so the MSI
# vectors are committed as generated once: --check regenerates them and requires the same
# verdicts and osslsigncode conclusions (their digests differ with the stamp).
# The catalogs list the package's hashes, so they change with it too.
UNSTABLE_PREFIXES = ("msi/", "catalog/")


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


def sign(src, dst, *extra, h="sha256"):
    run("osslsigncode", "sign", "-certs", VECTORS / "pki/signer-chain.pem",
        "-key", KEYS / "leaf-rsa2048.pem", "-h", h, "-time", SIGNING_TIME, *extra,
        "-in", src, "-out", dst)


def timestamp_args():
    return ["-TSA-certs", VECTORS / "pki/tsa.pem", "-TSA-key", KEYS / "tsa-rsa2048.pem",
            "-TSA-time", TSA_TIME]


def flipped(src, dst, offset):
    data = bytearray(src.read_bytes())
    data[offset] ^= 0x01
    dst.write_bytes(bytes(data))


def der_length(data, at):
    """Length of the DER element at `at`, header included."""
    first = data[at + 1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    return 2 + n + int.from_bytes(data[at + 2:at + 2 + n], "big")


def oracle(path):
    """osslsigncode's verdict and the digest(s) it calculated for the signatures: for an MSI
    package the `Calculated DigitalSignature` lines (its `Calculated message digest` there is
    a plain hash of the file), elsewhere `Calculated message digest`."""
    r = subprocess.run(["osslsigncode", "verify", "-CAfile", str(VECTORS / "pki/root.pem"),
                        "-TSA-CAfile", str(VECTORS / "pki/root.pem"), "-time", VERIFY_TIME,
                        "-in", str(path)], capture_output=True, text=True)
    label = "Calculated DigitalSignature" if path.suffix == ".msi" else "Calculated message digest"
    digests = re.findall(label + r"\s*:\s*([0-9A-Fa-f]+)", r.stdout)
    return r.returncode == 0, [d.lower() for d in digests]


def cabinets(out):
    """Cabinets: unsigned, signed (SHA-256, SHA-1, timestamped, nested), and altered."""
    d = out / "cab"
    d.mkdir(parents=True)
    src = pathlib.Path(tempfile.mkdtemp())
    (src / "readme.txt").write_bytes(b"authverify test cabinet\r\n" * 40)
    (src / "data.bin").write_bytes(bytes((i * 7 + 3) % 251 for i in range(6000)))
    for f in src.iterdir():
        run("touch", "-d", MTIME, f)
    run("gcab", "-c", "-z", d / "unsigned.cab", "readme.txt", "data.bin", cwd=src)
    shutil.rmtree(src)
    cases = [("unsigned.cab", "unsigned", 0, "gcab output, no signature")]
    sign(d / "unsigned.cab", d / "signed.cab")
    cases.append(("signed.cab", "valid", 1, "osslsigncode, SHA-256, leaf and intermediate embedded"))
    sign(d / "unsigned.cab", d / "signed-sha1.cab", h="sha1")
    cases.append(("signed-sha1.cab", "valid", 1, "SHA-1 file digest and signature (the windows preset accepts SHA-1)"))
    sign(d / "unsigned.cab", d / "timestamped.cab", *timestamp_args())
    cases.append(("timestamped.cab", "valid", 1, "with an RFC 3161 timestamp by the test TSA at 2026-01-02"))
    sign(d / "signed.cab", d / "nested.cab", "-nest", h="sha1")
    cases.append(("nested.cab", "valid", 2, "a SHA-1 signature nested in the SHA-256 one (osslsigncode -nest)"))

    signed = (d / "signed.cab").read_bytes()
    sigpos = int.from_bytes(signed[44:48], "little")
    coff_files = int.from_bytes(signed[16:20], "little")
    flipped(d / "signed.cab", d / "data-byte-flipped.cab", (coff_files + sigpos) // 2)
    cases.append(("data-byte-flipped.cab", "invalid", 1, "one byte of the CFFILE/CFDATA area flipped after signing"))
    flipped(d / "signed.cab", d / "set-id-changed.cab", 32)
    cases.append(("set-id-changed.cab", "invalid", 1, "setID (offset 32, inside the digest) changed after signing"))
    flipped(d / "signed.cab", d / "icabinet-changed.cab", 34)
    cases.append(("icabinet-changed.cab", "valid", 1, "iCabinet (offset 34) changed: outside the digest, as the format leaves it to the signer"))
    flipped(d / "signed.cab", d / "signature-corrupted.cab", sigpos + der_length(signed, sigpos) - 1)
    cases.append(("signature-corrupted.cab", "invalid", 1, "the last byte of the signer's RSA signature flipped"))
    (d / "appended.cab").write_bytes(signed + b"APPENDED-AFTER-SIG")
    cases.append(("appended.cab", "invalid", 1, "18 bytes appended after the signature, outside the digest (refused as MS12-024 data after the table)"))
    return [("cab/" + f, "cabinet", s, n, w) for f, s, n, w in cases]


WXS = """<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="11111111-2222-3333-4444-555555555555" Name="Authverify Test Package" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="66666666-7777-8888-9999-000000000000">
    <Package InstallerVersion="200" Compressed="yes" Comments="authverify test vector"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="AuthverifyTest">
          <Component Id="Readme" Guid="12345678-1234-1234-1234-123456789012">
            <File Id="ReadmeFile" Name="readme.txt" Source="readme.txt"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="Readme"/></Feature>
  </Product>
</Wix>
"""


def entry_offset(data, name):
    """Offset of the directory entry whose name is `name` (UTF-16LE at the entry's start)."""
    key = name.encode("utf-16-le") + b"\0\0"
    at = data.find(key)
    assert at >= 0 and at % 128 == 0, f"directory entry {name!r} not found"
    return at


def directory_entries(data):
    """(offset, name, type, size) of every directory entry of a compound file: the header's
    first DIFAT entries give the FAT, the FAT the directory's sector chain."""
    shift = int.from_bytes(data[0x1E:0x20], "little")
    size = 1 << shift
    sector = lambda n: (n + 1) * size
    fat_sectors = [int.from_bytes(data[0x4C + 4 * i:0x50 + 4 * i], "little")
                   for i in range(min(109, int.from_bytes(data[0x2C:0x30], "little")))]
    fat = b"".join(data[sector(f):sector(f) + size] for f in fat_sectors)
    nxt = lambda n: int.from_bytes(fat[4 * n:4 * n + 4], "little")
    out, at = [], int.from_bytes(data[0x30:0x34], "little")
    while at < 0xFFFFFFFA:
        for k in range(size // 128):
            e = sector(at) + 128 * k
            name_len = int.from_bytes(data[e + 64:e + 66], "little")
            name = data[e:e + max(name_len - 2, 0)].decode("utf-16-le", "replace")
            out.append((e, name, data[e + 66], int.from_bytes(data[e + 120:e + 124], "little")))
        at = nxt(at)
    return out


def reordered_entries(src, dst):
    """Two directory entries (the first and last streams) exchange their places in the
    directory, every sibling and child reference following them: the same tree of the same
    streams, stored in another order. Nothing the digest or the MsiDigitalSignatureEx
    pre-hash covers changes (both take entries in name order), so the signature stays valid."""
    data = bytearray(src.read_bytes())
    entries = directory_entries(data)
    streams = [k for k, e in enumerate(entries) if e[2] == 2]
    i, j = streams[0], streams[-1]
    oi, oj = entries[i][0], entries[j][0]
    data[oi:oi + 128], data[oj:oj + 128] = data[oj:oj + 128], data[oi:oi + 128]
    for e in entries:
        for at in (e[0] + 68, e[0] + 72, e[0] + 76):  # left sibling, right sibling, child
            ref = int.from_bytes(data[at:at + 4], "little")
            if ref in (i, j):
                data[at:at + 4] = (j if ref == i else i).to_bytes(4, "little")
    names = lambda d: [e[1] for e in directory_entries(d)]
    assert names(data) != names(src.read_bytes()) and sorted(names(data)) == sorted(names(src.read_bytes()))
    dst.write_bytes(bytes(data))


def swapped_streams(src, dst):
    """Two root streams of different sizes in the mini stream exchange their contents (start
    sector and size): the same streams under other names, so the hash takes them in another
    order."""
    data = bytearray(src.read_bytes())
    streams = [e for e in directory_entries(data) if e[2] == 2 and 0 < e[3] < 4096
               and e[1] not in ("\x05DigitalSignature", "\x05MsiDigitalSignatureEx")]
    a, b = next((x, y) for x in streams for y in streams if x[3] != y[3])
    for field in (slice(116, 120), slice(120, 128)):
        fa = slice(a[0] + field.start, a[0] + field.stop)
        fb = slice(b[0] + field.start, b[0] + field.stop)
        data[fa], data[fb] = data[fb], data[fa]
    dst.write_bytes(bytes(data))


def packages(out):
    """MSI packages: unsigned, signed (SHA-256, with MsiDigitalSignatureEx, nested,
    timestamped), and altered in content, in metadata, in stream order and in the
    signature."""
    d = out / "msi"
    d.mkdir(parents=True)
    src = pathlib.Path(tempfile.mkdtemp())
    (src / "readme.txt").write_bytes(b"authverify test package\r\n" * 30)
    (src / "t.wxs").write_text(WXS)
    run("touch", "-d", MTIME, src / "readme.txt")
    run("wixl", "-o", d / "unsigned.msi", "t.wxs", cwd=src)
    shutil.rmtree(src)
    cases = [("unsigned.msi", "unsigned", 0, "wixl output, no signature")]
    sign(d / "unsigned.msi", d / "signed.msi")
    cases.append(("signed.msi", "valid", 1, "osslsigncode, SHA-256: the content digest"))
    sign(d / "unsigned.msi", d / "signed-dse.msi", "-add-msi-dse")
    cases.append(("signed-dse.msi", "valid", 1, "with MsiDigitalSignatureEx: the metadata pre-hash, then the content"))
    sign(d / "signed.msi", d / "nested.msi", "-nest", h="sha1")
    cases.append(("nested.msi", "valid", 2, "a SHA-1 signature nested in the SHA-256 one"))
    sign(d / "unsigned.msi", d / "timestamped.msi", *timestamp_args())
    cases.append(("timestamped.msi", "valid", 1, "with an RFC 3161 timestamp by the test TSA"))

    signed = (d / "signed.msi").read_bytes()
    flipped(d / "signed.msi", d / "stream-byte-flipped.msi", signed.find(b"MSCF") + 64)
    cases.append(("stream-byte-flipped.msi", "invalid", 1, "one byte of the embedded data.cab stream flipped after signing"))
    at = entry_offset(signed, "\x05SummaryInformation") + 0x6C
    flipped(d / "signed.msi", d / "metadata-changed.msi", at + 3)
    cases.append(("metadata-changed.msi", "valid", 1, "SummaryInformation's modification time changed: metadata is outside the content digest"))
    dse = (d / "signed-dse.msi").read_bytes()
    at = entry_offset(dse, "\x05SummaryInformation") + 0x6C
    flipped(d / "signed-dse.msi", d / "dse-metadata-changed.msi", at + 3)
    cases.append(("dse-metadata-changed.msi", "invalid", 1, "the same change under MsiDigitalSignatureEx: the pre-hash covers it"))
    start = signed.find(bytes.fromhex("06092a864886f70d010702")) - 4
    flipped(d / "signed.msi", d / "signature-corrupted.msi", start + der_length(signed, start) - 1)
    cases.append(("signature-corrupted.msi", "invalid", 1, "the last byte of the signer's RSA signature flipped"))
    reordered_entries(d / "signed-dse.msi", d / "entries-reordered.msi")
    cases.append(("entries-reordered.msi", "valid", 1, "two directory entries exchange their places (references follow): the same package stored in another order, under MsiDigitalSignatureEx"))
    swapped_streams(d / "signed.msi", d / "streams-swapped.msi")
    cases.append(("streams-swapped.msi", "invalid", 1, "two streams exchange their contents after signing: the digest takes streams in name order"))
    return [("msi/" + f, "msi", s, n, w) for f, s, n, w in cases]


def testgen_catalog(out, members):
    """A SHA-256 catalog listing `members` (NAME, KIND, HEX), written by authverify-testgen
    and signed by the test leaf."""
    run("cargo", "run", "-q", "-p", "authverify-testgen", "--", "catalog", out, "sha256",
        *[f"{n}:{k}:{h}" for n, k, h in members], cwd=ROOT)


def lookup(cat, path):
    """osslsigncode's catalog lookup: whether it finds `path` in `cat` (and the catalog's
    signature verifies), and the digest it calculated for the file."""
    r = subprocess.run(["osslsigncode", "verify", "-CAfile", str(VECTORS / "pki/root.pem"),
                        "-time", VERIFY_TIME, "-catalog", str(cat), "-in", str(path)],
                       capture_output=True, text=True)
    digests = re.findall(r"Calculated message digest\s*:\s*([0-9A-Fa-f]+)", r.stdout)
    return r.returncode == 0, digests[0].lower() if digests else None


def catalogs(out):
    """Catalogs listing the unsigned cabinet and package by the hashes a catalog may hold
    for them (the evidence is in docs/ARCHITECTURE.md): packages.cat lists the cabinet by its
    digest over bytes 0..4 and 8..end (osslsigncode's cab_digest_calc for a cabinet without
    a signature) and the package by its content digest (what osslsigncode calculated for
    signed.msi, signed from unsigned.msi without MsiDigitalSignatureEx, under SPC_SIPINFO);
    flat.cat lists the package by the hash of its bytes. Windows' catalog lookup hashes
    every file but PE images and cabinets flat, and osslsigncode's does too: it finds the
    package in flat.cat, not in packages.cat (catalog_lookups records what it found)."""
    d = out / "catalog"
    d.mkdir(parents=True)
    cab = (out / "cab/unsigned.cab").read_bytes()
    msi = (out / "msi/unsigned.msi").read_bytes()
    content = oracle(out / "msi/signed.msi")[1][0]
    testgen_catalog(d / "packages.cat", [
        ("unsigned.cab", "cab", hashlib.sha256(cab[:4] + cab[8:]).hexdigest()),
        ("unsigned.msi", "msi", content),
    ])
    testgen_catalog(d / "flat.cat", [("unsigned.msi", "flat", hashlib.sha256(msi).hexdigest())])
    lookups = []
    for cat, file, listed, why in [
        ("packages.cat", "cab/unsigned.cab", "cab", "the cabinet by its digest"),
        ("packages.cat", "msi/unsigned.msi", "msi", "the package by its content digest (SPC_SIPINFO): a catalog lookup hashes a package flat, so not found"),
        ("flat.cat", "msi/unsigned.msi", "flat", "the package by the hash of its bytes (SPC_CAB_DATA)"),
    ]:
        found, digest = lookup(d / cat, out / file)
        lookups.append({"catalog": "catalog/" + cat, "file": file, "listed": listed,
                        "osslsigncode_digest": digest, "osslsigncode_found": found, "why": why})
    cases = [("packages.cat", "valid", 1, "lists cab/unsigned.cab and msi/unsigned.msi, signed by the test leaf"),
             ("flat.cat", "valid", 1, "lists msi/unsigned.msi by the hash of its bytes, signed by the test leaf")]
    return [("catalog/" + f, "catalog", s, n, w) for f, s, n, w in cases], lookups


def write(out):
    entries = []
    made = cabinets(out) + packages(out)
    catalog_vectors, lookups = catalogs(out)
    for file, fmt, status, signatures, why in made + catalog_vectors:
        ok, digests = oracle(out / file)
        entries.append({
            "file": file,
            "format": fmt,
            "osslsigncode_digests": digests,
            "osslsigncode_ok": ok,
            "signatures": signatures,
            "status": status,
            "why": why,
        })
    manifest = {
        "catalog_lookups": lookups,
        "evaluated_at": "2026-06-01T00:00:00Z",
        "generator": "scripts/make-container-vectors.py",
        "trust": ["pki/root.crt"],
        "vectors": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return len(entries)


def check(fresh, target):
    """What differs between a fresh generation and the committed tree: every byte-stable
    file's bytes, and every manifest entry (the MSI ones without their digests)."""
    bad = []
    for f in sorted(fresh.rglob("*")):
        rel = str(f.relative_to(fresh))
        if f.is_dir() or rel == "manifest.json" or rel in NOT_BYTE_STABLE or rel.startswith(UNSTABLE_PREFIXES):
            continue
        if not (target / rel).is_file() or not filecmp.cmp(f, target / rel, shallow=False):
            bad.append(rel)
    committed = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    bad += sorted(committed - {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()})

    def comparable(e):
        unstable = e["file"].startswith(UNSTABLE_PREFIXES)
        return {k: v for k, v in e.items() if not (unstable and k.startswith("osslsigncode_digest"))}
    fresh_m, target_m = (json.loads((t / "manifest.json").read_text()) for t in (fresh, target))
    for key in ("vectors", "catalog_lookups"):
        new = [comparable(e) for e in fresh_m.get(key, [])]
        old = [comparable(e) for e in target_m.get(key, [])]
        bad += [f"{key} entry {e['file']}" for e in new if e not in old]
        bad += [f"{key} entry {e['file']} (no longer generated)" for e in old if e not in new]
    if bad:
        return f"make-container-vectors: differs from a fresh generation: {bad}"
    print("make-container-vectors: test-vectors/containers matches a fresh generation")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare")
    args = ap.parse_args()
    target = VECTORS / "containers"
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = pathlib.Path(tmp) / "containers"
            write(fresh)
            sys.exit(check(fresh, target))
    if target.exists():
        shutil.rmtree(target)
    n = write(target)
    print(f"wrote {n} container vectors to {target}")


if __name__ == "__main__":
    main()
