#!/usr/bin/env python3
"""Writes the signed scripts of test-vectors/scripts/ and their manifest (issue 29).

PowerShell and MOF: osslsigncode 2.9 signs them with the test PKI (pki/signer-chain.pem, its
key in crates/authverify-testgen/keys/) at a fixed signing time; each entry records what
osslsigncode calculated and concluded on the file when it was written (its digest is the
independent truth our digest must equal). Tampered copies change one character of the
body or one character of the block's base64.

JScript, VBScript and Windows Script Files: osslsigncode has no support for their SIP, so
this script builds them to the documented form (docs/ARCHITECTURE.md, "Scripts"): it
computes the WSH digest itself (the text without its byte order mark and without the
block, as UTF-16LE, then the block's position in UTF-16 code units as a little-endian u32),
`authverify-testgen sip-signature` signs it under the language's SIP GUID, and the block is
written as signtool writes it (lines of 44 base64 characters, CRLF). `wsh_digest` in the
manifest is that digest.

Hostile scripts (a block without its end line, two blocks, text that is not base64, a line
that is not a signature line, an empty block, a signed .wsf without </job>, UTF-16BE) carry
the ScriptError variant they must give.

Everything here is deterministic (RSA PKCS#1 v1.5, fixed times, no timestamps), so
`--check` regenerates into a temporary folder and compares byte for byte.
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

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test-vectors"
KEYS = ROOT / "crates" / "authverify-testgen" / "keys"
SIGNING_TIME = "1767225600"  # 2026-01-01T00:00:00Z
VERIFY_TIME = "1780272000"  # 2026-06-01T00:00:00Z, the manifest's evaluated_at

# The WSH SIPs' GUIDs as SpcSipInfo stores them, and the version signtool writes.
WSH = {
    "jscript": ("10e0c906ce38d411a2a300104bd35090", "// SIG // Begin signature block",
                "// SIG // ", "// SIG // End signature block"),
    "vbscript": ("4ef029169927b54d8fe5ace10f17ebab", "'' SIG '' Begin signature block",
                 "'' SIG '' ", "'' SIG '' End signature block"),
    "wsf": ("7005611ace38d411a2a300104bd35090", "<signature>", "** SIG ** ", "</signature>"),
}


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


def osslsign(src, dst, h="sha256"):
    run("osslsigncode", "sign", "-certs", VECTORS / "pki/signer-chain.pem",
        "-key", KEYS / "leaf-rsa2048.pem", "-h", h, "-time", SIGNING_TIME, "-in", src, "-out", dst)


def oracle(path):
    """osslsigncode's conclusion and the digests it calculated (PowerShell family only)."""
    r = subprocess.run(["osslsigncode", "verify", "-CAfile", str(VECTORS / "pki/root.pem"),
                        "-time", VERIFY_TIME, "-in", str(path)], capture_output=True, text=True)
    digests = re.findall(r"Calculated message digest\s*:\s*([0-9A-Fa-f]+)", r.stdout)
    return r.returncode == 0, [d.lower() for d in digests]


def changed(data, at, new):
    """`data` with the byte at `at` replaced by `new` (a character of the same width)."""
    assert data[at] != new
    return data[:at] + bytes([new]) + data[at + 1:]


def powershell(out):
    """PowerShell and MOF texts in each encoding and line ending, signed by osslsigncode,
    and tampered copies."""
    d = out / "powershell"
    d.mkdir(parents=True)
    body_lf = 'param([string]$Name = "wörld")\nWrite-Host "Hello, $Name"\nGet-Date\n'
    body = body_lf.replace("\n", "\r\n")
    sources = [
        ("utf8-crlf.ps1", body.encode("utf-8"), "UTF-8 without BOM, CRLF"),
        ("utf8-lf.ps1", body_lf.encode("utf-8"), "UTF-8 without BOM, LF line endings kept as stored"),
        ("utf8-bom.ps1", b"\xef\xbb\xbf" + body.encode("utf-8"), "UTF-8 with BOM (hashed as U+FEFF)"),
        ("utf16le.ps1", b"\xff\xfe" + body.encode("utf-16-le"), "UTF-16LE with BOM, hashed as stored"),
        ("utf16le-lf.ps1", b"\xff\xfe" + body_lf.encode("utf-16-le"), "UTF-16LE with BOM, LF"),
        ("module.psm1", b"function Get-Answer { 42 }\r\nExport-ModuleMember -Function Get-Answer\r\n", "a module"),
        ("manifest.psd1", b"@{\r\n    ModuleVersion = '1.0'\r\n    RootModule = 'module.psm1'\r\n}\r\n", "a module manifest"),
        ("types.ps1xml", b'<?xml version="1.0" encoding="utf-8"?>\r\n<Types>\r\n</Types>\r\n', "PowerShell XML: <!-- --> block"),
        ("console.psc1", b'<?xml version="1.0" encoding="utf-8"?>\r\n<PSConsoleFile ConsoleSchemaVersion="1.0" />\r\n', "a console file"),
        ("cmdlets.cdxml", b'<?xml version="1.0" encoding="utf-8"?>\r\n<PowerShellMetadata />\r\n', "cmdlet definition XML"),
        ("class.mof", b"#pragma namespace(\"\\\\\\\\.\\\\root\\\\cimv2\")\r\nclass AuthverifyTest { string Name; };\r\n", "MOF: /* */ block"),
        ("invalid-utf8.ps1", b"Write-Host \"\xff\xc3(\xe2\x82\"\r\n",
         "bytes that are not UTF-8: each hashes as U+FFFD, so the signature does not bind them "
         "(any can be swapped for another with the digest unchanged): refused (script.unbound_text), "
         "though osslsigncode verifies it"),
    ]
    cases = []
    for name, data, why in sources:
        src = d / ("unsigned-" + name)
        src.write_bytes(data)
        osslsign(src, d / name)
        cases.append((name, "invalid" if name == "invalid-utf8.ps1" else "valid", why))
    cases.append(("unsigned-utf8-crlf.ps1", "unsigned", "no signature block"))
    osslsign(d / "unsigned-utf8-crlf.ps1", d / "sha1.ps1", h="sha1")
    for name, _, _ in sources:
        if name != "utf8-crlf.ps1":
            (d / ("unsigned-" + name)).unlink()
    cases.append(("sha1.ps1", "valid", "SHA-1 digest and signature"))

    signed = (d / "utf8-crlf.ps1").read_bytes()
    (d / "body-changed.ps1").write_bytes(changed(signed, signed.index(b"Hello"), ord("J")))
    cases.append(("body-changed.ps1", "invalid", "one character of the body changed after signing"))
    wide = (d / "utf16le.ps1").read_bytes()
    at = wide.index("Hello".encode("utf-16-le"))
    (d / "utf16le-body-changed.ps1").write_bytes(changed(wide, at, ord("J")))
    cases.append(("utf16le-body-changed.ps1", "invalid", "one character of a UTF-16LE body changed"))
    last = signed.rindex(b"\r\n# SIG # End")
    at = signed.rindex(b"\r\n# ", 0, last) + 10
    new = ord("A") if signed[at] != ord("A") else ord("B")
    (d / "block-changed.ps1").write_bytes(changed(signed, at, new))
    cases.append(("block-changed.ps1", "invalid", "one base64 character of the signature block changed (the signer's signature value)"))
    (d / "crlf-to-lf.ps1").write_bytes(signed[:signed.index(b"\r\n# SIG # Begin")].replace(b"\r\n", b"\n")
                                       + signed[signed.index(b"\r\n# SIG # Begin"):])
    cases.append(("crlf-to-lf.ps1", "invalid", "the body's CRLF line endings turned into LF after signing (as a checkout may)"))
    (d / "text-after-block.ps1").write_bytes(signed + b"Remove-Item C:\\important\r\n")
    cases.append(("text-after-block.ps1", "invalid", "a line appended after the block: no SIP hashes it"))
    return [("powershell/" + f, s, w) for f, s, w in cases]


def wsh_text(data):
    """The text of a WSH script and its encoding: the byte order mark's, else Windows-1252."""
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le"), "utf-16-le", data[:2]
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8", data[:3]
    return data.decode("cp1252"), "cp1252", b""


def units(text):
    return len(text.encode("utf-16-le")) // 2


def wsh_sign(lang, data, h="sha256"):
    """`data` signed as `lang` in the documented form: the digest, signed by the test leaf,
    in a block appended (.js, .vbs) or placed before the last </job> (.wsf)."""
    guid, begin, prefix, end = WSH[lang]
    text, encoding, bom = wsh_text(data)
    at = text.rindex("</job>") if lang == "wsf" else len(text)
    position = units(text[:at])
    digest = hashlib.new(h, text.encode("utf-16-le") + struct.pack("<I", position)).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        der_path = pathlib.Path(tmp) / "sig.der"
        run("cargo", "run", "-q", "-p", "authverify-testgen", "--", "sip-signature", der_path,
            guid, "1", h, digest, cwd=ROOT)
        b64 = base64.b64encode(der_path.read_bytes()).decode()
    lines = "".join(f"{prefix}{b64[i:i + 44]}\r\n" for i in range(0, len(b64), 44))
    block = f"\r\n{begin}\r\n{lines}{end}\r\n"
    signed = text[:at] + block + text[at:]
    return bom + signed.encode(encoding), digest


def wsh(out):
    """JScript, VBScript and WSF in each encoding, signed to the documented form, and
    tampered copies."""
    d = out / "wsh"
    d.mkdir(parents=True)
    js = 'var shell = WScript.CreateObject("WScript.Shell");\r\nWScript.Echo("caf\u00e9 \u20ac");\r\n'
    vbs = 'Dim greeting\r\ngreeting = "caf\u00e9"\r\nWScript.Echo greeting\r\n'
    wsf = '<package>\r\n<job id="main">\r\n<script language="JScript">\r\nWScript.Echo("hi");\r\n</script>\r\n</job>\r\n</package>\r\n'
    sources = [
        ("ansi.js", "jscript", js.encode("cp1252"), "JScript, no BOM: Windows-1252 (é and € as one byte each)"),
        ("utf8-bom.js", "jscript", b"\xef\xbb\xbf" + js.encode("utf-8"), "JScript, UTF-8 with BOM (the BOM is not hashed)"),
        ("utf16le.js", "jscript", b"\xff\xfe" + js.encode("utf-16-le"), "JScript, UTF-16LE with BOM"),
        ("lf.js", "jscript", js.replace("\r\n", "\n").encode("cp1252"), "JScript with LF line endings"),
        ("ansi.vbs", "vbscript", vbs.encode("cp1252"), "VBScript, Windows-1252"),
        ("utf16le.vbs", "vbscript", b"\xff\xfe" + vbs.encode("utf-16-le"), "VBScript, UTF-16LE"),
        ("job.wsf", "wsf", wsf.encode("cp1252"), "a Windows Script File: the block before the last </job>"),
        ("sha1.js", "jscript", js.encode("cp1252"), "JScript, SHA-1"),
    ]
    cases = []
    for name, lang, data, why in sources:
        signed, digest = wsh_sign(lang, data, "sha1" if name.startswith("sha1") else "sha256")
        (d / name).write_bytes(signed)
        cases.append((name, lang, "valid", digest, why))
    signed = (d / "ansi.js").read_bytes()
    (d / "body-changed.js").write_bytes(changed(signed, signed.index(b"Echo"), ord("e")))
    cases.append(("body-changed.js", "jscript", "invalid", None, "one character of the body changed after signing"))
    block = signed.index(b"// SIG // Begin")
    (d / "text-after-block.js").write_bytes(signed + b"WScript.Echo(1);\r\n")
    cases.append(("text-after-block.js", "jscript", "invalid", None, "a line appended after the block: the WSH SIP hashes it, so the digest changes"))
    (d / "moved-block.js").write_bytes(signed[:block - 2] + b"\r\nvar x;" + signed[block - 2:])
    cases.append(("moved-block.js", "jscript", "invalid", None, "text inserted before the block: covered by the digest and the position"))
    wsf_signed = (d / "job.wsf").read_bytes()
    at = wsf_signed.index(b"hi")
    (d / "body-changed.wsf").write_bytes(changed(wsf_signed, at, ord("H")))
    cases.append(("body-changed.wsf", "wsf", "invalid", None, "one character inside the job changed"))
    return [("wsh/" + f, l, s, dg, w) for f, l, s, dg, w in cases]


def hostile(out):
    """Scripts whose block cannot be read: each with the ScriptError variant it must give."""
    d = out / "hostile"
    d.mkdir(parents=True)
    good = (out / "powershell/utf8-crlf.ps1").read_bytes()
    begin = good.index(b"\r\n# SIG # Begin")
    footer = good.rindex(b"# SIG # End")
    cases = [
        ("no-end.ps1", good[:footer], "UnterminatedBlock", "the end line removed"),
        ("two-blocks.ps1", good + good[begin + 2:], "DuplicateBlock", "the block twice"),
        ("not-base64.ps1", good[:footer] + b"# !!not*base64!!\r\n" + good[footer:], "NotBase64", "a line of characters outside base64 inside the block"),
        ("stray-line.ps1", good[:footer] + b"Write-Host x\r\n" + good[footer:], "MalformedLine", "a line without the comment prefix inside the block"),
        ("empty-block.ps1", b"Get-Date\r\n# SIG # Begin signature block\r\n# SIG # End signature block\r\n", "EmptyBlock", "begin and end lines with nothing between"),
        ("utf16be.ps1", b"\xfe\xff" + "Get-Date\r\n".encode("utf-16-be"), "UnsupportedEncoding", "a UTF-16BE byte order mark"),
        ("odd-utf16.ps1", b"\xff\xfe" + "Get-Date".encode("utf-16-le") + b"\x00", "OddLength", "UTF-16LE of an odd number of bytes"),
    ]
    wsf = (out / "wsh/job.wsf").read_bytes()
    cases.append(("no-job.wsf", wsf.replace(b"</job>", b"</jab>"), "WsfWithoutJob", "a signed .wsf whose </job> is gone"))
    for name, data, _, _ in cases:
        (d / name).write_bytes(data)
    return [("hostile/" + f, e, w) for f, _, e, w in cases]


def lookup(cat, path):
    """osslsigncode's catalog lookup: whether it finds `path` in `cat` (and the catalog's
    signature verifies), and the digest it calculated for the file."""
    r = subprocess.run(["osslsigncode", "verify", "-CAfile", str(VECTORS / "pki/root.pem"),
                        "-time", VERIFY_TIME, "-catalog", str(cat), "-in", str(path)],
                       capture_output=True, text=True)
    digests = re.findall(r"Calculated message digest\s*:\s*([0-9A-Fa-f]+)", r.stdout)
    return r.returncode == 0, digests[0].lower() if digests else None


def catalogs(out, sip_digest):
    """Two catalogs listing the unsigned script: flat.cat by the hash of its bytes,
    sip.cat by the digest its SIP computes (under SPC_SIPINFO; testgen's `msi` kind, whose
    GUID is the MSI SIP's: the lookup compares hashes only). Which one osslsigncode finds it
    in is the evidence for the catalog hash of a script."""
    d = out / "catalog"
    d.mkdir(parents=True)
    script = out / "powershell/unsigned-utf8-crlf.ps1"
    flat = hashlib.sha256(script.read_bytes()).hexdigest()
    for cat, kind, digest in [("flat.cat", "flat", flat), ("sip.cat", "msi", sip_digest)]:
        run("cargo", "run", "-q", "-p", "authverify-testgen", "--", "catalog", d / cat, "sha256",
            f"unsigned-utf8-crlf.ps1:{kind}:{digest}", cwd=ROOT)
    lookups = []
    for cat, listed in [("flat.cat", "flat"), ("sip.cat", "sip")]:
        found, digest = lookup(d / cat, script)
        lookups.append({"catalog": "catalog/" + cat, "file": "powershell/unsigned-utf8-crlf.ps1",
                        "listed": listed, "osslsigncode_digest": digest, "osslsigncode_found": found})
    return lookups


def write(out):
    entries = []
    for file, status, why in powershell(out):
        ok, digests = oracle(out / file)
        entries.append({"file": file, "family": "powershell", "osslsigncode_digests": digests,
                        "osslsigncode_ok": ok, "status": status, "why": why})
    for file, lang, status, digest, why in wsh(out):
        entries.append({"file": file, "family": "wsh", "language": lang, "status": status,
                        "wsh_digest": digest, "why": why})
    for file, error, why in hostile(out):
        entries.append({"file": file, "family": "hostile", "error": error, "why": why})
    sip_digest = oracle(out / "powershell/utf8-crlf.ps1")[1][0]
    manifest = {
        "catalog_lookups": catalogs(out, sip_digest),
        "evaluated_at": "2026-06-01T00:00:00Z",
        "generator": "scripts/make-script-vectors.py",
        "trust": ["pki/root.crt"],
        "vectors": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return len(entries)


def check(fresh, target):
    fresh_files = {p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()}
    target_files = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    bad = sorted(fresh_files ^ target_files)
    bad += [f for f in sorted(fresh_files & target_files)
            if not filecmp.cmp(fresh / f, target / f, shallow=False)]
    if bad:
        return f"make-script-vectors: differs from a fresh generation: {bad}"
    print("make-script-vectors: test-vectors/scripts matches a fresh generation")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare")
    args = ap.parse_args()
    target = VECTORS / "scripts"
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = pathlib.Path(tmp) / "scripts"
            write(fresh)
            sys.exit(check(fresh, target))
    if target.exists():
        shutil.rmtree(target)
    n = write(target)
    print(f"wrote {n} script vectors to {target}")


if __name__ == "__main__":
    main()
