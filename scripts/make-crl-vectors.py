#!/usr/bin/env python3
"""Writes the revocation vectors of test-vectors/crl/ and their manifest (issue 30).

The CRLs are made by `openssl ca -gencrl` from the test PKI (test-vectors/pki/, keys in
crates/authverify-testgen/keys/) with a hand-written index.txt, so every revocation date,
reason and list date is fixed; RSA PKCS#1 v1.5 makes the output byte-identical, and
`--check` regenerates into a temporary folder and compares byte for byte.

Each case names the signed vector it applies to (existing vectors of test-vectors/), the
lists given with `--crl`, and the verdict that follows from how the lists were built (the
manifest's `status`, `chain_status` of the signer chain, and the rule ids expected among
the findings). The PKI: Root CA (root-rsa2048, serial 0x1001) issues the Code Signing CA
(inter-rsa2048, 0x2001) and the TSA (tsa-rsa2048, 0x4001); the Code Signing CA issues the
signer of pe32plus-rsa2048-sha256.exe (0x3001, no timestamp) and the signer of
ts-rfc3161-expired-signer.exe (0x3004, expired 2021-01-01, RFC 3161 timestamp of
2020-06-01). Verification time: 2026-06-01 (the manifest's evaluated_at).

`crl-in-signature.exe` is pe32plus-rsa2048-sha256.exe with leaf-revoked.crl added to its
SignedData's `crls` field (outside what the signer signs and outside the file digest): the
certificate table, its directory entry and the PE CheckSum are rewritten.
"""

import argparse
import filecmp
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test-vectors"
OUT = VECTORS / "crl"
KEYS = ROOT / "crates" / "authverify-testgen" / "keys"
PKI = VECTORS / "pki"

CSCA = "/O=Authverify Test PKI/CN=Authverify Test Code Signing CA"
SIGNER = "/O=Authverify Test PKI/CN=Authverify Test Signer RSA-2048"
EXPIRED_SIGNER = "/O=Authverify Test PKI/CN=Authverify Test Signer Expired 2021"
TSA = "/O=Authverify Test PKI/CN=Authverify Test TSA"

# name: (issuer: "root" | "csca" | "wrong-key", entries [(serial hex, subject, date, reason)],
#        lastUpdate, nextUpdate, extra crl_ext lines, output form)
LISTS = {
    "leaf-revoked": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                     "20260101000000Z", "20270101000000Z", [], "der"),
    "expired-signer-revoked-2021": ("csca", [("3004", EXPIRED_SIGNER, "210101000000Z", "superseded")],
                                    "20260101000000Z", "20270101000000Z", [], "pem"),
    "expired-signer-revoked-2020": ("csca", [("3004", EXPIRED_SIGNER, "200101000000Z", "keyCompromise")],
                                    "20260101000000Z", "20270101000000Z", [], "pem"),
    "intermediate-revoked": ("root", [("2001", CSCA, "250101000000Z", "CACompromise")],
                             "20260101000000Z", "20270101000000Z", [], "pem"),
    "tsa-revoked-2020": ("root", [("4001", TSA, "200101000000Z", "keyCompromise")],
                         "20260101000000Z", "20270101000000Z", [], "pem"),
    "tsa-revoked-2021": ("root", [("4001", TSA, "210101000000Z", "keyCompromise")],
                         "20260101000000Z", "20270101000000Z", [], "pem"),
    "tsa-superseded-2021": ("root", [("4001", TSA, "210101000000Z", "superseded")],
                            "20260101000000Z", "20270101000000Z", [], "pem"),
    "wrong-key": ("wrong-key", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                  "20260101000000Z", "20270101000000Z", [], "pem"),
    "expired": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                "20250201000000Z", "20250301000000Z", [], "pem"),
    "not-yet-valid": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                      "20270101000000Z", "20280101000000Z", [], "pem"),
    "critical-extension": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                           "20260101000000Z", "20270101000000Z", ["1.2.3.4 = critical,ASN1:NULL"], "pem"),
    "delta": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
              "20260101000000Z", "20270101000000Z", ["2.5.29.27 = critical,ASN1:INTEGER:1"], "pem"),
    "only-ca-certs": ("csca", [("3001", SIGNER, "250101000000Z", "keyCompromise")],
                      "20260101000000Z", "20270101000000Z",
                      ["issuingDistributionPoint = critical,@idp_ca"], "pem"),
    "remove-from-crl": ("csca", [("3001", SIGNER, "250101000000Z", "removeFromCRL")],
                        "20260101000000Z", "20270101000000Z", [], "pem"),
    # The leaf among 300 other serials (both sides of it in sort order, some longer, some
    # shorter), as real lists hold many: the lookup must find it wherever it sorts.
    "many-entries": ("csca", [(f"{n:04X}", f"/O=Authverify Test PKI/CN=Other {n}", "240101000000Z", "superseded")
                              for n in range(0x2F00, 0x2F96)]
                     + [("3001", SIGNER, "250101000000Z", "keyCompromise")]
                     + [(f"{n:06X}", f"/O=Authverify Test PKI/CN=Other {n}", "240101000000Z", "superseded")
                        for n in range(0x10, 0xA6)],
                     "20260101000000Z", "20270101000000Z", [], "der"),
    "revoked-2027": ("csca", [("3001", SIGNER, "270101000000Z", "keyCompromise")],
                     "20260101000000Z", "20270101000000Z", [], "pem"),
}

PLAIN = "pe32plus-rsa2048-sha256.exe"
STAMPED = "ts-rfc3161-expired-signer.exe"

# (case, vector, lists, status, chain_status, timestamp_valid or None, rules expected)
CASES = [
    ("no CRL", PLAIN, [], "valid", "trusted", None, []),
    ("revoked leaf without a timestamp", PLAIN, ["leaf-revoked"], "untrusted", "revoked", None, ["chain.revoked"]),
    ("revoked after the stamped time", STAMPED, ["expired-signer-revoked-2021"], "valid", "trusted", True,
     ["crl.revoked_later"]),
    ("revoked before the stamped time", STAMPED, ["expired-signer-revoked-2020"], "untrusted", "revoked", True,
     ["chain.revoked"]),
    ("revoked leaf among many entries", PLAIN, ["many-entries"], "untrusted", "revoked", None, ["chain.revoked"]),
    ("revoked intermediate", PLAIN, ["intermediate-revoked"], "untrusted", "revoked", None, ["chain.revoked"]),
    ("TSA revoked before it stamped", STAMPED, ["tsa-revoked-2020"], "untrusted", "expired", False,
     ["timestamp.chain"]),
    # RFC 3161 §4: a TSA key revoked for keyCompromise (or with no reason) signed no token
    # that can be trusted, whatever time the token claims; superseded keeps earlier tokens.
    ("TSA revoked for key compromise after the time it claims", STAMPED, ["tsa-revoked-2021"], "untrusted",
     "expired", False, ["timestamp.chain"]),
    ("TSA superseded after it stamped", STAMPED, ["tsa-superseded-2021"], "valid", "trusted", True, []),
    ("CRL signed by the wrong key", PLAIN, ["wrong-key"], "valid", "trusted", None, ["crl.unused"]),
    ("expired CRL", PLAIN, ["expired"], "untrusted", "revoked", None, ["chain.revoked", "crl.expired"]),
    ("CRL not yet valid", PLAIN, ["not-yet-valid"], "valid", "trusted", None, ["crl.unused"]),
    ("CRL with an unknown critical extension", PLAIN, ["critical-extension"], "valid", "trusted", None,
     ["crl.unused"]),
    ("CRL with an unknown critical entry extension", PLAIN, ["critical-entry-extension"], "valid", "trusted", None,
     ["crl.unused"]),
    ("indirect CRL entry (certificateIssuer)", PLAIN, ["certificate-issuer"], "valid", "trusted", None,
     ["crl.unused"]),
    ("delta CRL", PLAIN, ["delta"], "valid", "trusted", None, ["crl.unused"]),
    ("issuing distribution point for CA certificates only", PLAIN, ["only-ca-certs"], "valid", "trusted", None,
     ["crl.unused"]),
    ("removeFromCRL entry", PLAIN, ["remove-from-crl"], "valid", "trusted", None, ["crl.remove_from_crl"]),
    ("revocation dated after the verification time", PLAIN, ["revoked-2027"], "valid", "trusted", None,
     ["crl.revoked_later"]),
    ("wrong-key list beside the right one", PLAIN, ["wrong-key", "leaf-revoked"], "untrusted", "revoked", None,
     ["chain.revoked", "crl.unused"]),
    ("CRL inside the signature", "crl/crl-in-signature.exe", [], "untrusted", "revoked", None, ["chain.revoked"]),
]


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_list(name, spec, work, out):
    issuer, entries, last, nxt, extra, form = spec
    d = work / name
    d.mkdir()
    lines = []
    for serial, subject, date, reason in entries:
        lines.append(f"R\t450101000000Z\t{date},{reason}\t{serial}\tunknown\t{subject}\n")
    (d / "index.txt").write_text("".join(lines))
    (d / "crlnumber").write_text("01\n")
    aki = [] if issuer == "wrong-key" else ["authorityKeyIdentifier = keyid:always"]
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = CA_default\n[CA_default]\ndatabase = index.txt\ncrlnumber = crlnumber\n"
        "default_md = sha256\nunique_subject = no\ncrl_extensions = crl_ext\n[crl_ext]\n" + "\n".join(aki + extra) + "\n"
        "[idp_ca]\nonlyCA = TRUE\n")
    if issuer == "root":
        cert, key = PKI / "root.pem", KEYS / "root-rsa2048.pem"
    elif issuer == "csca":
        run(["openssl", "x509", "-inform", "der", "-in", str(PKI / "intermediate.crt"), "-out", "ca.pem"], d)
        cert, key = d / "ca.pem", KEYS / "inter-rsa2048.pem"
    else:
        # The Code Signing CA's name over another key (the signer's): only the list's
        # issuer name and signature come from this certificate, so its dates do not matter.
        key = KEYS / "leaf-rsa2048.pem"
        run(["openssl", "req", "-new", "-x509", "-key", str(key), "-subj", CSCA, "-days", "1",
             "-set_serial", "1", "-out", "ca.pem"], d)
        cert = d / "ca.pem"
    run(["openssl", "ca", "-config", "ca.cnf", "-gencrl", "-cert", str(cert), "-keyfile", str(key),
         "-crl_lastupdate", last, "-crl_nextupdate", nxt, "-out", "crl.pem"], d)
    if form == "der":
        run(["openssl", "crl", "-in", "crl.pem", "-outform", "der", "-out", str(out / f"{name}.crl")], d)
    else:
        shutil.copy(d / "crl.pem", out / f"{name}.crl")


def with_entry_extension(crl_der, extension, key):
    """The list with `extension` (a DER Extension) added to its first entry's
    crlEntryExtensions, re-signed with `key` (sha256WithRSAEncryption, as openssl signed it):
    `openssl ca` cannot write entry extensions other than the reason and dates."""
    _, h, n = tlv(crl_der, 0)
    tbs, alg, _sig = children(crl_der, h, h + n)
    _, th, tn = tlv(crl_der, tbs[1])
    fields = children(crl_der, tbs[1] + th, tbs[1] + th + tn)
    out = b""
    for tag, a, b in fields:
        if tag == 0x30 and crl_der[a + 2 if crl_der[a + 1] < 0x80 else a + 2 + (crl_der[a + 1] & 0x7F)] == 0x30:
            # revokedCertificates: SEQUENCE OF SEQUENCE; rebuild its first entry.
            _, rh, rn = tlv(crl_der, a)
            entries = children(crl_der, a + rh, a + rh + rn)
            _, eh, en = tlv(crl_der, entries[0][1])
            parts = children(crl_der, entries[0][1] + eh, entries[0][1] + eh + en)
            serial, date, exts = parts
            _, xh, xn = tlv(crl_der, exts[1])
            body = crl_der[exts[1] + xh:exts[2]] + extension
            entry = crl_der[serial[1]:serial[2]] + crl_der[date[1]:date[2]] + b"\x30" + der_len(len(body)) + body
            seq = b"\x30" + der_len(len(entry)) + entry
            rest = b"".join(crl_der[x:y] for _, x, y in entries[1:])
            out += b"\x30" + der_len(len(seq) + len(rest)) + seq + rest
        else:
            out += crl_der[a:b]
    new_tbs = b"\x30" + der_len(len(out)) + out
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key)], input=new_tbs,
                         check=True, capture_output=True).stdout
    bits = b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    body = new_tbs + crl_der[alg[1]:alg[2]] + bits
    return b"\x30" + der_len(len(body)) + body


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(data, pos):
    """(tag, header length, content length) of the TLV at pos (definite lengths only)."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    return tag, 2 + n, int.from_bytes(data[pos + 2:pos + 2 + n], "big")


def children(data, start, end):
    out = []
    while start < end:
        tag, h, n = tlv(data, start)
        out.append((tag, start, start + h + n))
        start += h + n
    return out


def add_crl_to_signed_data(pkcs7, crl_der):
    """ContentInfo → [0] → SignedData: inserts [1] { crl } before signerInfos."""
    tag, h, n = tlv(pkcs7, 0)
    ci = children(pkcs7, h, h + n)
    oid, explicit = ci[0], ci[1]
    _, eh, en = tlv(pkcs7, explicit[1])
    sd_start = explicit[1] + eh
    _, sh, sn = tlv(pkcs7, sd_start)
    parts = children(pkcs7, sd_start + sh, sd_start + sh + sn)
    assert parts[-1][0] == 0x31 and all(p[0] != 0xA1 for p in parts), "unexpected SignedData"
    body = b"".join(pkcs7[a:b] for _, a, b in parts[:-1])
    body += b"\xa1" + der_len(len(crl_der)) + crl_der + pkcs7[parts[-1][1]:parts[-1][2]]
    sd = b"\x30" + der_len(len(body)) + body
    exp = b"\xa0" + der_len(len(sd)) + sd
    inner = pkcs7[oid[1]:oid[2]] + exp
    return b"\x30" + der_len(len(inner)) + inner


def pe_checksum(data, checksum_offset):
    total = 0
    padded = data + b"\0" * (len(data) % 2)
    for i in range(0, len(padded), 2):
        if checksum_offset <= i < checksum_offset + 4:
            continue
        total += struct.unpack_from("<H", padded, i)[0]
        total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return (total + len(data)) & 0xFFFFFFFF


def crl_in_signature(src, crl_der, dst):
    data = bytearray(src.read_bytes())
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", data, opt)[0]
    dirs = opt + (112 if magic == 0x20B else 96)
    sec_entry = dirs + 4 * 8
    off, size = struct.unpack_from("<II", data, sec_entry)
    assert off + size == len(data), "the certificate table must end the file"
    length, rev, kind = struct.unpack_from("<IHH", data, off)
    pkcs7 = bytes(data[off + 8:off + length])
    _, h, n = tlv(pkcs7, 0)
    new = add_crl_to_signed_data(pkcs7[:h + n], crl_der)
    entry = struct.pack("<IHH", 8 + len(new), rev, kind) + new
    entry += b"\0" * ((8 - len(entry) % 8) % 8)
    out = bytearray(data[:off]) + entry
    struct.pack_into("<II", out, sec_entry, off, len(entry))
    struct.pack_into("<I", out, opt + 64, 0)
    struct.pack_into("<I", out, opt + 64, pe_checksum(bytes(out), opt + 64))
    dst.write_bytes(bytes(out))


def generate(out):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for name, spec in LISTS.items():
            make_list(name, spec, work, out)
    # An unknown critical entry extension (1.2.3.4, critical, empty value), and the
    # certificateIssuer entry extension of indirect lists (RFC 5280 §5.3.3, critical; here
    # one directoryName, an empty Name).
    base = (out / "leaf-revoked.crl").read_bytes()
    (out / "critical-entry-extension.crl").write_bytes(
        with_entry_extension(base, bytes.fromhex("300a06032a03040101ff0400"), KEYS / "inter-rsa2048.pem"))
    (out / "certificate-issuer.crl").write_bytes(
        with_entry_extension(base, bytes.fromhex("30100603551d1d0101ff04063004a4023000"),
                             KEYS / "inter-rsa2048.pem"))
    crl_in_signature(VECTORS / PLAIN, (out / "leaf-revoked.crl").read_bytes(), out / "crl-in-signature.exe")
    manifest = {
        "generator": "scripts/make-crl-vectors.py",
        "evaluated_at": "2026-06-01T00:00:00Z",
        "trust": ["pki/root.crt"],
        "cases": [
            {
                "case": case,
                "file": vector,
                "crls": [f"crl/{n}.crl" for n in lists],
                "status": status,
                "chain_status": chain,
                "timestamp_valid": ts,
                "rules": rules,
            }
            for case, vector, lists, status, chain, ts, rules in CASES
        ],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="regenerate elsewhere and compare")
    args = ap.parse_args()
    if not args.check:
        if OUT.exists():
            shutil.rmtree(OUT)
        generate(OUT)
        print(f"wrote {OUT}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = pathlib.Path(tmp) / "crl"
        generate(fresh)
        names = sorted(p.name for p in fresh.iterdir())
        have = sorted(p.name for p in OUT.iterdir()) if OUT.exists() else []
        _, mismatch, errors = filecmp.cmpfiles(fresh, OUT, names, shallow=False)
        if names != have or mismatch or errors:
            print(f"test-vectors/crl differs from what the script writes: {mismatch + errors}"
                  f" {sorted(set(names) ^ set(have))}", file=sys.stderr)
            return 1
    print("test-vectors/crl matches scripts/make-crl-vectors.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
