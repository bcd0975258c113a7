#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<target>/ from the generated vectors and the
trust data in the repository (deterministic; re-run after regenerating vectors)."""
import hashlib, pathlib, shutil, struct

root = pathlib.Path(__file__).resolve().parent.parent
vectors = root / "test-vectors"
corpus = root / "fuzz" / "corpus"


def put(target, data, name=None):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / (name or hashlib.sha1(data).hexdigest())).write_bytes(data)


def pkcs7_blobs(image):
    """The PKCS#7 of every WIN_CERTIFICATE entry of a PE image."""
    e = struct.unpack_from("<I", image, 0x3C)[0]
    magic = struct.unpack_from("<H", image, e + 24)[0]
    sec = e + 24 + (144 if magic == 0x20B else 128)
    off, size = struct.unpack_from("<II", image, sec)
    out, pos = [], off
    while pos + 8 <= off + size:
        length = struct.unpack_from("<I", image, pos)[0]
        if length < 8:
            break
        out.append(image[pos + 8 : pos + length])
        pos += (length + 7) & ~7
    return out


images = (
    sorted(vectors.glob("*.exe"))
    + sorted((vectors / "chains").glob("*.exe"))
    + sorted((vectors / "hostile").glob("*.exe"))
)
for p in images:
    data = p.read_bytes()
    # Whole images only when small (libFuzzer mutates small inputs best); every image's
    # PKCS#7 seeds signed_data.
    if len(data) <= 40 * 1024:
        put("pe_image", data, p.name)
        put("verify_file", data, p.name)
    try:
        for i, blob in enumerate(pkcs7_blobs(data)):
            put("signed_data", blob, f"{p.stem}-{i}")
    except struct.error:
        pass

trust = vectors / "trust"
certs = sorted((trust / "anchors").glob("*.crt"))[:12] + sorted((vectors / "chains" / "certs").glob("*.crt"))
for p in certs:
    put("trust_material", p.read_bytes(), p.name)
for p in sorted((trust / "azure-trusted-signing-chain").iterdir()):
    put("trust_material", p.read_bytes(), p.name)
for p in sorted((vectors / "chains" / "ctl").glob("*.stl")):
    put("trust_material", p.read_bytes(), p.name)
put("trust_material", (trust / "authrootstl.cab").read_bytes(), "authrootstl.cab")
sst = b"\0\0\0\0CERT"
for p in certs[:3]:
    der = p.read_bytes()
    sst += struct.pack("<III", 0x20, 1, len(der)) + der
put("trust_material", sst + b"\0" * 12, "three.sst")
for p in sorted((vectors / "registry").glob("*.reg")):
    put("trust_material", p.read_bytes(), p.name)

# registry_hive: the hivex-written hive small enough to mutate well (SOFTWARE.hiv carries a
# 200 KB value).
put("registry_hive", (vectors / "registry" / "NTUSER.hiv").read_bytes(), "NTUSER.hiv")

# chain_builder: [role][len:u16 BE][DER] records.
def bag(entries):
    return b"".join(bytes([role]) + struct.pack(">H", len(der)) + der for role, der in entries)

pki = vectors / "pki"
root_der = (pki / "root.crt").read_bytes()
inter = (pki / "intermediate.crt").read_bytes()
put("chain_builder", bag([(0, root_der)]), "root-only")
put("chain_builder", bag([(0, root_der), (1, inter)]), "root-and-intermediate")
put("chain_builder", bag([(1, inter)]), "intermediate-only")
put("chain_builder", bag([(0, root_der), (2, inter)]), "intermediate-distrusted")
chain_certs = [p.read_bytes() for p in sorted((vectors / "chains" / "certs").glob("*.crt"))]
put("chain_builder", bag([(i % 3, c) for i, c in enumerate(chain_certs)]), "families")
# reader_parts: the first byte names the file (PART_NAMES in crates/authverify-fuzz-entry).
part_names = ["exe", "cab", "msi", "appx", "msixbundle", "ps1", "psm1", "ps1xml", "mof", "js", "vbs", "wsf", "cat"]
for ext, path in [
    ("exe", vectors / "pe32plus-rsa2048-sha256.exe"),
    ("cab", vectors / "containers" / "cab" / "signed.cab"),
    ("msi", vectors / "containers" / "msi" / "signed.msi"),
    ("appx", vectors / "appx" / "signed.msix"),
    ("msixbundle", vectors / "appx" / "signed.msixbundle"),
    ("ps1", vectors / "scripts" / "powershell" / "sha1.ps1"),
    ("psm1", vectors / "scripts" / "powershell" / "module.psm1"),
    ("mof", vectors / "scripts" / "powershell" / "class.mof"),
    ("js", vectors / "scripts" / "wsh" / "sha1.js"),
    ("vbs", vectors / "scripts" / "wsh" / "utf16le.vbs"),
    ("wsf", vectors / "scripts" / "wsh" / "job.wsf"),
    ("cat", vectors / "catalogs" / "driver-sha256.cat"),
]:
    put("reader_parts", bytes([part_names.index(ext)]) + path.read_bytes(), f"{ext}-{path.stem}")
print("seeds:", {d.name: len(list(d.iterdir())) for d in sorted(corpus.iterdir())})
