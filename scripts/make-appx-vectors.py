#!/usr/bin/env python3
"""Writes the APPX/MSIX vectors of test-vectors/appx/ and their manifest (issue 29).

Packages are built here to the documented form (a ZIP holding AppxManifest.xml,
AppxBlockMap.xml with each file's 64 KiB block hashes, [Content_Types].xml and payload
files; a bundle holds stored packages and AppxMetadata/AppxBundleManifest.xml), signed by
osslsigncode 2.9 with the test PKI (pki/signer-chain.pem, its key in
crates/authverify-testgen/keys/), then altered where a case needs it. Each entry states the
verdict its construction implies under the `windows` preset with pki/root.crt trusted (and
the finding rules that make an `invalid` one so), and
what osslsigncode calculated and concluded (its per-part digests are the independent truth
ours must equal).

osslsigncode 2.9's behaviour, recorded: it takes the digest algorithm from the block map's
HashMethod and ignores -h ("Ignore -h option"); it adds the AppxSignature.p7x override to
[Content_Types].xml and re-deflates that part before hashing; it appends AppxSignature.p7x
(deflated) as the last record and directory entry, stamped with the current local time; it
signs a bundle with the bundle SIP GUID when AppxMetadata/AppxBundleManifest.xml is present;
verifying, it compares the AXPC/AXCD/AXCT/AXBM(/AXCI) digests only: it checks neither the
block map against the files nor the manifest's publisher against the signer.

The signature record's time is outside every digest (AXPC and AXCD leave the signature's
record and entry out), so this script sets it to a fixed time: the files are then byte
stable and `--check` regenerates into a temporary folder and compares byte for byte.

hostile/ holds unsigned archives a reader must refuse with a typed error within its bounds.
"""

import argparse
import base64
import filecmp
import hashlib
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import urllib.parse
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test-vectors"
KEYS = ROOT / "crates" / "authverify-testgen" / "keys"
SIGNING_TIME = "1767225600"  # 2026-01-01T00:00:00Z
VERIFY_TIME = "1780272000"  # 2026-06-01T00:00:00Z, the manifest's evaluated_at
DATE = (2026, 1, 1, 0, 0, 0)
PUBLISHER = "CN=Authverify Test Signer RSA-2048, O=Authverify Test PKI"
HASH_METHODS = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
# osslsigncode's verify output: the section heading before each part's digests.
SECTIONS = {"Block Map": "AXBM", "Content Types": "AXCT", "Data": "AXPC",
            "Central Directory": "AXCD", "Code Integrity": "AXCI"}


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


def manifest_xml(publisher=PUBLISHER):
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n'
            '<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10">\r\n'
            f'  <Identity Name="Authverify.TestPackage" Publisher="{publisher}" Version="1.0.0.0" '
            'ProcessorArchitecture="neutral"/>\r\n'
            '  <Properties><DisplayName>Authverify test</DisplayName>'
            '<PublisherDisplayName>Authverify Test PKI</PublisherDisplayName></Properties>\r\n'
            '</Package>\r\n').encode()


def content_types(extensions):
    defaults = "".join(f'<Default Extension="{e}" ContentType="application/octet-stream"/>' for e in extensions)
    return ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'{defaults}<Override PartName="/AppxManifest.xml" ContentType="application/vnd.ms-appx.manifest+xml"/>'
            '<Override PartName="/AppxBlockMap.xml" ContentType="application/vnd.ms-appx.blockmap+xml"/>'
            '</Types>\r\n').encode()


def block_map(files, alg="sha256", corrupt=None, lfh_extra=0):
    """The block map of `files` ((name, data, method)): each file's size, local header
    size (30 + name: this writer adds no extra field) and 64 KiB block hashes. `corrupt`
    names a file whose first block hash is replaced by the hash of nothing. The block map
    names a file by its part name: the ZIP name percent-decoded, `\\`-separated."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<BlockMap xmlns="http://schemas.microsoft.com/appx/2010/blockmap" HashMethod="{HASH_METHODS[alg]}">']
    for name, data, _ in files:
        listed = urllib.parse.unquote(name).replace("/", "\\")
        out.append(f'<File Name="{listed}" Size="{len(data)}" LfhSize="{30 + len(name.encode()) + lfh_extra}">')
        for i in range(0, len(data), 65536):
            digest = hashlib.new(alg, data[i:i + 65536]).digest()
            if corrupt == name and i == 0:
                digest = hashlib.new(alg, b"").digest()
            out.append(f'<Block Hash="{base64.b64encode(digest).decode()}"/>')
        out.append('</File>')
    out.append('</BlockMap>')
    return "\r\n".join(out).encode()


def write_zip(path, members):
    """A ZIP of `members` ((name, data, method)) in that order, at a fixed date."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            info.create_system = 0
            z.writestr(info, data)


class Unseekable:
    """A write-only stream without seek/tell: zipfile then writes data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data += b
        return len(b)

    def flush(self):
        pass


def write_streamed_zip64(path, members):
    """A ZIP as a streaming packer writes one: each record's sizes in a ZIP64 data
    descriptor after its data (local header zeroed, a ZIP64 extra field), and ZIP64 end
    records before the EOCD, whose counts, size and offset are escaped to 0xFFFF(FFFF)."""
    out = Unseekable()
    with zipfile.ZipFile(out, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            info.create_system = 0
            with z.open(info, "w", force_zip64=True) as f:
                f.write(data)
    data = bytes(out.data)
    eocd = data.rfind(b"PK\x05\x06")
    count, size, offset = struct.unpack_from("<HII", data, eocd + 10)
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd, 1)
    end = bytearray(data[eocd:])
    struct.pack_into("<HHII", end, 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    path.write_bytes(data[:eocd] + record + locator + bytes(end))


def payload():
    return [("readme.txt", b"authverify test package\r\n" * 60, zipfile.ZIP_DEFLATED),
            ("Assets/data.bin", bytes((i * 7 + 3) % 251 for i in range(150000)), zipfile.ZIP_STORED),
            ("Assets/logo%20big.bin", bytes(range(256)) * 300, zipfile.ZIP_DEFLATED)]


def package(path, alg="sha256", publisher=PUBLISHER, corrupt=None, extra=(), streamed=False):
    """An unsigned package: payload, manifest (and `extra` members), block map, content
    types; `streamed`: written as a streaming packer does (data descriptors, ZIP64)."""
    files = payload() + list(extra) + [("AppxManifest.xml", manifest_xml(publisher), zipfile.ZIP_DEFLATED)]
    lfh_extra = 20 if streamed else 0
    members = files + [("AppxBlockMap.xml", block_map(files, alg, corrupt, lfh_extra), zipfile.ZIP_STORED),
                       ("[Content_Types].xml", content_types(["txt", "bin", "cat"]), zipfile.ZIP_DEFLATED)]
    (write_streamed_zip64 if streamed else write_zip)(path, members)


def bundle(path, inner):
    """An unsigned bundle holding the package `inner`, stored, at the offset its manifest gives."""
    name = "Authverify.TestPackage_1.0.0.0_neutral.msix"
    data = inner.read_bytes()
    header = 30 + len(name)
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
                '<Bundle xmlns="http://schemas.microsoft.com/appx/2013/bundle" SchemaVersion="5.0">\r\n'
                f'  <Identity Name="Authverify.TestBundle" Publisher="{PUBLISHER}" Version="1.0.0.0"/>\r\n'
                f'  <Packages><Package Type="application" Version="1.0.0.0" Architecture="neutral" '
                f'FileName="{name}" Offset="{header}" Size="{len(data)}"/></Packages>\r\n'
                '</Bundle>\r\n').encode()
    files = [(name, data, zipfile.ZIP_STORED),
             ("AppxMetadata/AppxBundleManifest.xml", manifest, zipfile.ZIP_DEFLATED)]
    write_zip(path, files + [("AppxBlockMap.xml", block_map(files), zipfile.ZIP_STORED),
                             ("[Content_Types].xml", content_types(["msix"]), zipfile.ZIP_DEFLATED)])


def bundle_of(path, packages, method=zipfile.ZIP_STORED):
    """An unsigned bundle holding `packages` ((file name, path, architecture)), each stored
    (the first by `method`: deflated, the form no bundle takes) at the offset its manifest
    gives: `bundle` for several packages (large bundles in tests and benchmarks)."""
    files, elements, at = [], [], 0
    for name, src, arch in packages:
        data = src.read_bytes()
        at += 30 + len(name)
        elements.append(f'<Package Type="application" Version="1.0.0.0" Architecture="{arch}" '
                        f'FileName="{name}" Offset="{at}" Size="{len(data)}"/>')
        at += len(data)
        files.append((name, data, method if not files else zipfile.ZIP_STORED))
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
                '<Bundle xmlns="http://schemas.microsoft.com/appx/2013/bundle" SchemaVersion="5.0">\r\n'
                f'  <Identity Name="Authverify.TestBundle" Publisher="{PUBLISHER}" Version="1.0.0.0"/>\r\n'
                '  <Packages>' + "".join(elements) + '</Packages>\r\n'
                '</Bundle>\r\n').encode()
    files.append(("AppxMetadata/AppxBundleManifest.xml", manifest, zipfile.ZIP_DEFLATED))
    write_zip(path, files + [("AppxBlockMap.xml", block_map(files), zipfile.ZIP_STORED),
                             ("[Content_Types].xml", content_types(["msix"]), zipfile.ZIP_DEFLATED)])


def fix_signature_time(path):
    """Sets the DOS time and date of AppxSignature.p7x's local header and directory entry to
    the fixed date (osslsigncode stamps the current time there, outside every digest)."""
    data = bytearray(path.read_bytes())
    name = b"AppxSignature.p7x"
    stamp = struct.pack("<HH", 0, (2026 - 1980) << 9 | 1 << 5 | 1)
    for sig, at in ((b"PK\x03\x04", 10), (b"PK\x01\x02", 12)):
        pos = data.find(sig)
        while pos >= 0:
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[pos + at:pos + at + 4] = stamp
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def sign(src, dst):
    run("osslsigncode", "sign", "-certs", VECTORS / "pki/signer-chain.pem",
        "-key", KEYS / "leaf-rsa2048.pem", "-time", SIGNING_TIME, "-in", src, "-out", dst)
    fix_signature_time(dst)


def oracle(path):
    """osslsigncode's verdict and its calculated digest of each part (by tag)."""
    r = subprocess.run(["osslsigncode", "verify", "-CAfile", str(VECTORS / "pki/root.pem"),
                        "-time", VERIFY_TIME, "-in", str(path)], capture_output=True, text=True)
    digests = {}
    for heading, digest in re.findall(r"Checking (.+?) hashes:\n(?:.*\n){2}Calculated message digest : ([0-9A-F]+)", r.stdout):
        digests[SECTIONS[heading]] = digest.lower()
    return r.returncode == 0, digests


def flipped(src, dst, offset):
    data = bytearray(src.read_bytes())
    data[offset] ^= 0x01
    dst.write_bytes(bytes(data))


def rezipped(src, dst, change):
    """`src` rewritten member by member (same order, methods and date), `change(name,
    data)` giving each member's new data."""
    with zipfile.ZipFile(src) as z:
        members = [(i.filename, change(i.filename, z.read(i)), i.compress_type) for i in z.infolist()]
    write_zip(dst, members)


def local_data_offset(data, name):
    """Where the data of the member `name` starts (its local header found by name)."""
    key = name.encode()
    pos = data.find(b"PK\x03\x04")
    while pos >= 0:
        n, e = struct.unpack_from("<HH", data, pos + 26)
        if data[pos + 30:pos + 30 + n] == key:
            return pos + 30 + n + e
        pos = data.find(b"PK\x03\x04", pos + 4)
    raise ValueError(name)


def central_entry_offset(data, name):
    key = name.encode()
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + n] == key:
            return pos
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise ValueError(name)


def signed_vectors(d):
    """Packages and a bundle: signed, and altered after signing in each signed part."""
    tmp = pathlib.Path(tempfile.mkdtemp())
    cases = []
    package(d / "unsigned.msix")
    cases.append(("unsigned.msix", "unsigned", [], "the package as built, no signature"))
    sign(d / "unsigned.msix", d / "signed.msix")
    cases.append(("signed.msix", "valid", [], "osslsigncode, SHA-256 block map: AXPC, AXCD, AXCT, AXBM"))
    package(tmp / "sha384.appx", alg="sha384")
    sign(tmp / "sha384.appx", d / "signed-sha384.appx")
    cases.append(("signed-sha384.appx", "valid", [], "a SHA-384 block map: every digest in SHA-384 (.appx name)"))
    package(tmp / "ci.msix", extra=[("AppxMetadata/CodeIntegrity.cat", b"0\x03\x02\x01\x00" * 40, zipfile.ZIP_DEFLATED)])
    sign(tmp / "ci.msix", d / "code-integrity.msix")
    cases.append(("code-integrity.msix", "valid", [], "with AppxMetadata/CodeIntegrity.cat: the AXCI digest too"))
    package(tmp / "streamed.msix", streamed=True)
    sign(tmp / "streamed.msix", d / "streamed-zip64.msix")
    cases.append(("streamed-zip64.msix", "valid", [], "written as a streaming packer does: ZIP64 data descriptors and local extra fields, ZIP64 end records"))
    bundle(tmp / "bundle.msixbundle", d / "signed.msix")
    sign(tmp / "bundle.msixbundle", d / "signed.msixbundle")
    cases.append(("signed.msixbundle", "valid", [], "a bundle holding signed.msix, signed with the bundle SIP GUID"))

    signed = (d / "signed.msix").read_bytes()
    flipped(d / "signed.msix", d / "member-byte-flipped.msix", local_data_offset(signed, "Assets/data.bin") + 70000)
    cases.append(("member-byte-flipped.msix", "invalid", ["appx.digest_mismatch", "appx.block_map"], "one byte of a stored payload member flipped: AXPC and the block map's block 1 differ"))
    flipped(d / "signed.msix", d / "block-map-changed.msix", local_data_offset(signed, "AppxBlockMap.xml") + 60)
    cases.append(("block-map-changed.msix", "invalid", ["appx.digest_mismatch"], "one byte of the stored block map flipped: AXBM and AXPC differ"))
    rezipped(d / "signed.msix", d / "content-types-changed.msix",
             lambda n, b: b.replace(b'Extension="cat"', b'Extension="cab"') if n == "[Content_Types].xml" else b)
    cases.append(("content-types-changed.msix", "invalid", ["appx.digest_mismatch"], "[Content_Types].xml changed and the package rewritten: AXCT, AXPC and AXCD differ"))
    flipped(d / "signed.msix", d / "central-directory-changed.msix", central_entry_offset(signed, "readme.txt") + 38)
    cases.append(("central-directory-changed.msix", "invalid", ["appx.digest_mismatch"], "readme.txt's external attributes changed in the central directory: AXCD differs"))
    rezipped(d / "signed.msix", d / "manifest-changed.msix",
             lambda n, b: b.replace(b"Authverify test<", b"Authverify tesT<") if n == "AppxManifest.xml" else b)
    cases.append(("manifest-changed.msix", "invalid", ["appx.digest_mismatch", "appx.block_map"], "AppxManifest.xml changed after signing: AXPC, AXCD and the block map differ"))

    package(tmp / "other-publisher.msix", publisher="CN=Somebody Else, O=Authverify Test PKI")
    sign(tmp / "other-publisher.msix", d / "publisher-mismatch.msix")
    cases.append(("publisher-mismatch.msix", "invalid", ["appx.publisher_mismatch"], "signed as built, but the manifest names another publisher than the signer's subject (osslsigncode does not check)"))
    package(tmp / "bad-map.msix", corrupt="Assets/data.bin")
    sign(tmp / "bad-map.msix", d / "block-map-wrong-signed.msix")
    cases.append(("block-map-wrong-signed.msix", "invalid", ["appx.block_map"], "a block map whose first hash of Assets/data.bin is wrong, signed as is: digests match, the block does not (osslsigncode does not check)"))
    shutil.rmtree(tmp)
    return cases


def zip_bytes(members):
    """A ZIP (Python's writer) of `members` ((name, data, method)) as bytes."""
    path = pathlib.Path(tempfile.mktemp(suffix=".zip"))
    write_zip(path, members)
    data = path.read_bytes()
    path.unlink()
    return data


def hostile_vectors(d):
    """Unsigned archives each reader bound or layout rule must refuse."""
    cases = []
    files = payload()[:1] + [("AppxManifest.xml", manifest_xml(), zipfile.ZIP_DEFLATED)]
    bomb = [("zeros.bin", bytes(48 << 20), zipfile.ZIP_DEFLATED)] + files
    write_zip(d / "bomb-ratio.msix", bomb + [("AppxBlockMap.xml", block_map(bomb), zipfile.ZIP_DEFLATED),
                                             ("[Content_Types].xml", content_types(["bin"]), zipfile.ZIP_DEFLATED)])
    cases.append(("bomb-ratio.msix", "error", "bound:compression ratio", "48 MiB of zeros deflated about 1000:1 (the bound is 200:1 above 1 MiB)"))

    # Many members of 1 MiB each escape the per-member ratio (it applies above 1 MiB); the
    # archive's ratio catches them (the red team's bomb: 1.1 MB inflating to 1 GiB).
    small = [(f"zeros{i:03}.bin", bytes(1 << 20), zipfile.ZIP_DEFLATED) for i in range(96)] + files
    write_zip(d / "bomb-many-members.msix", small + [("AppxBlockMap.xml", block_map(small), zipfile.ZIP_DEFLATED),
                                                     ("[Content_Types].xml", content_types(["bin"]), zipfile.ZIP_DEFLATED)])
    cases.append(("bomb-many-members.msix", "error", "bound:compression ratio of the archive",
                  "96 members of 1 MiB of zeros, each deflated about 1000:1 and each under the per-member floor: "
                  "the archive inflates about 1000:1 (the bound is 200:1 above 64 MiB in all)"))

    plain = zip_bytes(files + [("AppxBlockMap.xml", block_map(files), zipfile.ZIP_STORED),
                               ("[Content_Types].xml", content_types(["txt"]), zipfile.ZIP_STORED)])
    eocd = plain.rfind(b"PK\x05\x06")
    many = bytearray(plain)
    struct.pack_into("<HH", many, eocd + 8, 0xFFFF, 0xFFFF)
    zip64_eocd = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1 << 20, 1 << 20,
                             struct.unpack_from("<I", plain, eocd + 12)[0], struct.unpack_from("<I", plain, eocd + 16)[0])
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd, 1)
    (d / "too-many-members.msix").write_bytes(bytes(many[:eocd]) + zip64_eocd + locator + bytes(many[eocd:]))
    cases.append(("too-many-members.msix", "error", "bound:members", "the ZIP64 end record claims 1,048,576 members (the bound is 65,536)"))

    # A stored member whose data holds a second complete local record, and a directory
    # entry pointing into it: two members share bytes.
    inner_name = "hidden.txt"
    inner_data = b"overlapping record\r\n"
    inner = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x5C21, zlib.crc32(inner_data),
                        len(inner_data), len(inner_data), len(inner_name), 0) + inner_name.encode() + inner_data
    carrier = zip_bytes([("carrier.bin", inner, zipfile.ZIP_STORED)] + files
                        + [("AppxBlockMap.xml", block_map(files), zipfile.ZIP_STORED),
                           ("[Content_Types].xml", content_types(["bin"]), zipfile.ZIP_STORED)])
    at = local_data_offset(carrier, "carrier.bin")
    eocd = carrier.rfind(b"PK\x05\x06")
    count, cd_size = struct.unpack_from("<H", carrier, eocd + 10)[0], struct.unpack_from("<I", carrier, eocd + 12)[0]
    entry = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x5C21, zlib.crc32(inner_data),
                        len(inner_data), len(inner_data), len(inner_name), 0, 0, 0, 0, 0, at) + inner_name.encode()
    end = bytearray(carrier[eocd:])
    struct.pack_into("<HHI", end, 8, count + 1, count + 1, cd_size + len(entry))
    (d / "overlapping-records.msix").write_bytes(carrier[:eocd] + entry + bytes(end))
    cases.append(("overlapping-records.msix", "error", "layout", "a directory entry points at a local record inside another member's data"))

    # readme.txt declares (in its local header, directory entry and the block map) 10 bytes
    # but inflates to 1,500: inflation stops past the declared size.
    text = payload()[0][1]
    listed = [("readme.txt", text[:10], zipfile.ZIP_DEFLATED)] + files[1:]
    liar = bytearray(zip_bytes([("readme.txt", text, zipfile.ZIP_DEFLATED)] + files[1:]
                               + [("AppxBlockMap.xml", block_map(listed), zipfile.ZIP_STORED),
                                  ("[Content_Types].xml", content_types(["txt"]), zipfile.ZIP_STORED)]))
    struct.pack_into("<I", liar, 22, 10)
    struct.pack_into("<I", liar, central_entry_offset(liar, "readme.txt") + 24, 10)
    (d / "understated-size.msix").write_bytes(bytes(liar))
    cases.append(("understated-size.msix", "error", "inflate", "a deflated member declares 10 bytes and inflates to 1,500"))
    return cases


def write(out):
    out.mkdir(parents=True)
    (out / "hostile").mkdir()
    entries = []
    for file, status, rules, why in signed_vectors(out):
        ok, digests = oracle(out / file)
        entries.append({"file": file, "format": "appx", "osslsigncode_digests": digests,
                        "osslsigncode_ok": ok, "rules": rules, "status": status, "why": why})
    hostile = [{"file": "hostile/" + f, "status": s, "error": e, "why": w}
               for f, s, e, w in hostile_vectors(out / "hostile")]
    version = run("osslsigncode", "--version").stdout.decode().splitlines()[0]
    manifest = {"evaluated_at": "2026-06-01T00:00:00Z", "generator": "scripts/make-appx-vectors.py",
                "hostile": hostile, "oracle": version, "publisher": PUBLISHER,
                "trust": ["pki/root.crt"], "vectors": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return len(entries) + len(hostile)


def check(fresh, target):
    bad = []
    names = lambda t: {p.relative_to(t).as_posix() for p in t.rglob("*") if p.is_file()}
    for rel in sorted(names(fresh) | names(target)):
        a, b = fresh / rel, target / rel
        if not (a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)):
            bad.append(rel)
    if bad:
        return f"make-appx-vectors: differs from a fresh generation: {bad}"
    print("make-appx-vectors: test-vectors/appx matches a fresh generation")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare")
    args = ap.parse_args()
    target = VECTORS / "appx"
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = pathlib.Path(tmp) / "appx"
            write(fresh)
            sys.exit(check(fresh, target))
    if target.exists():
        shutil.rmtree(target)
    n = write(target)
    print(f"wrote {n} APPX vectors to {target}")


if __name__ == "__main__":
    main()
