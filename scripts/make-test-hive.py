#!/usr/bin/env python3
"""Writes the registry hive files of test-vectors/registry/ with libhivex (issue 16).

The hives hold exactly what the committed `reg export` (system-certificates.reg) holds,
so a test can require both to give the same trust; SOFTWARE.hiv adds the real
authroot.stl as `AuthRoot\\AutoUpdate\\EncodedCtl` (200 KB: a value far larger than one
cell of a Windows hive). hivex cannot create a hive from nothing, so this script writes
an empty one (a base block, one hive bin, a root key and its security cell) and lets
`hivexregedit --merge` add every key and value.

  SOFTWARE.hiv   the stores as in HKLM\\SOFTWARE (Microsoft\\SystemCertificates, Policies\\...)
  NTUSER.hiv     the same stores one level down (Software\\Microsoft\\...), as a user's
                 NTUSER.DAT holds HKCU's

Needs: hivexregedit (Debian libwin-hivex-perl) and gcab. hivex writes the same bytes for the
same input, so `--check` regenerates into a temporary folder and compares byte for byte.
"""

import argparse
import filecmp
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "test-vectors" / "registry"
HIVES = {"SOFTWARE.hiv": "HKEY_LOCAL_MACHINE\\SOFTWARE", "NTUSER.hiv": "HKEY_LOCAL_MACHINE"}


def cell(payload: bytes) -> bytes:
    size = (len(payload) + 4 + 7) & ~7
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def empty_hive() -> bytes:
    """A hive of version 1.5 with only a root key (and the security cell hivex copies to
    each new key)."""
    root_offset = 0x20
    name = b"authverify-test-hive"
    nk = b"nk" + struct.pack("<HQII", 0x2C, 0, 0, 0)  # HIVE_ENTRY|NO_DELETE|COMP_NAME
    nk += struct.pack("<IIII", 0, 0, 0xFFFFFFFF, 0xFFFFFFFF)  # subkeys and their lists
    nk += struct.pack("<II", 0, 0xFFFFFFFF)  # values and their list
    sk_offset = root_offset + len(cell(nk + b"\0" * 32 + name))  # the fields below
    nk += struct.pack("<II", sk_offset, 0xFFFFFFFF)  # security, class name
    nk += struct.pack("<IIIII", 0, 0, 0, 0, 0)
    nk += struct.pack("<HH", len(name), 0) + name
    # A self-relative security descriptor with no owner, group or ACLs.
    descriptor = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)
    sk = b"sk" + struct.pack("<HIIII", 0, sk_offset, sk_offset, 1, len(descriptor)) + descriptor
    cells = cell(nk) + cell(sk)
    bin_size = 4096
    free = bin_size - 32 - len(cells)
    hbin = b"hbin" + struct.pack("<IIQQI", 0, bin_size, 0, 0, 0) + cells + struct.pack("<i", free) + b"\0" * (free - 4)
    assert len(hbin) == bin_size
    base = bytearray(4096)
    base[0:4] = b"regf"
    # sequence numbers, timestamp, version 1.5, primary file, direct memory load format,
    # root cell, hive bins size, clustering factor
    struct.pack_into("<IIQIIIIIII", base, 4, 1, 1, 0, 1, 5, 0, 1, root_offset, bin_size, 1)
    checksum = 0
    for i in range(0, 508, 4):
        checksum ^= struct.unpack_from("<I", base, i)[0]
    struct.pack_into("<I", base, 508, checksum)
    return bytes(base) + hbin


def merged_reg(prefix: str, stl: bytes | None) -> str:
    """The committed export, after the parent keys hivexregedit needs to exist first, plus
    the cached authroot.stl when given."""
    export = (REGISTRY / "system-certificates.reg").read_bytes().decode("utf-16")
    lines = export.replace("\r\n", "\n").split("\n")
    assert lines[0].lstrip("\ufeff") == "Windows Registry Editor Version 5.00", lines[0]
    out = ["Windows Registry Editor Version 5.00", ""]
    # With the prefix HKEY_LOCAL_MACHINE, SOFTWARE becomes the hive's first key.
    parents = ([""] if prefix == "HKEY_LOCAL_MACHINE" else []) + [
        "\\Microsoft", "\\Microsoft\\SystemCertificates", "\\Policies", "\\Policies\\Microsoft",
        "\\Policies\\Microsoft\\SystemCertificates"]
    for parent in parents:
        out += [f"[HKEY_LOCAL_MACHINE\\SOFTWARE{parent}]", ""]
    out += lines[1:]
    if stl is not None:
        store = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot"
        out += [f"[{store}]", "", f"[{store}\\AutoUpdate]",
                '"EncodedCtl"=hex:' + ",".join(f"{b:02x}" for b in stl), ""]
    return "\n".join(out) + "\n"


def authroot_stl(work: pathlib.Path) -> bytes:
    subprocess.run(["gcab", "-x", "-C", str(work), str(ROOT / "test-vectors" / "trust" / "authrootstl.cab")],
                   check=True)
    return (work / "authroot.stl").read_bytes()


def write_hives(out: pathlib.Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        stl = authroot_stl(work)
        for name, prefix in HIVES.items():
            hive = out / name
            hive.write_bytes(empty_hive())
            reg = work / f"{name}.reg"
            reg.write_text(merged_reg(prefix, stl if name == "SOFTWARE.hiv" else None), encoding="utf-8")
            subprocess.run(["hivexregedit", "--merge", "--prefix", prefix, str(hive), str(reg)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare")
    args = ap.parse_args()
    for tool in ["hivexregedit", "gcab"]:
        if shutil.which(tool) is None:
            print(f"make-test-hive: {tool} not found (apt-get install libwin-hivex-perl gcab)", file=sys.stderr)
            return 2
    if not args.check:
        write_hives(REGISTRY)
        print(f"wrote {', '.join(HIVES)} in {REGISTRY.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write_hives(pathlib.Path(tmp))
        differ = [n for n in HIVES if not filecmp.cmp(pathlib.Path(tmp) / n, REGISTRY / n, shallow=False)]
    if differ:
        print(f"make-test-hive --check: {', '.join(differ)} differ from what hivex writes now; "
              "run scripts/make-test-hive.py and commit", file=sys.stderr)
        return 1
    print(f"make-test-hive --check: {', '.join(HIVES)} are what hivex writes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
