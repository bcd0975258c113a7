#!/usr/bin/env python3
"""Writes the containers of test-vectors/payload/ and their manifest (issue 31, `verify --payload`).

One payload, put into every container format the walker reads:

  app.exe               test-vectors/pe32plus-rsa2048-sha256.exe: signed by the test leaf (valid)
  helper.dll            test-vectors/pe32-rsa2048-sha256.exe with its signature removed by
                        osslsigncode (unsigned)
  driver/driver.sys     test-vectors/catalogs/driver/*: listed by driver/driver.cat (a copy of
  driver/driver.inf     catalogs/driver-sha256.cat, signed by the test leaf), so valid by the
  driver/readme.txt     catalog; changed.inf is listed by none (unsigned)
  driver/changed.inf
  driver/driver.cat

Containers: payload.cab (gcab, MSZIP) and signed-payload.cab (osslsigncode), payload.msi
(wixl: the files installed under AuthverifyPayload/ from an embedded cabinet) and
signed-payload.msi, payload.zip (deflated), nested.zip (holding signed-payload.msi and
signed-payload.cab), and bombs the walk must refuse by its bounds: zip-bomb.zip (a member of
2 MiB of zeros, deflated about 1000:1), cab-bomb.cab (the same through gcab's MSZIP),
deep.zip (ZIP archives nested 6 deep, past the depth bound of 4).

Each member's expected verdict is the one its construction implies (manifest `members`), under
the windows preset with pki/root.crt trusted at 2026-06-01; the tests also compare every
member's verdict with the verdict of the same file extracted by gcab, msiextract and unzip and
verified in a folder with `--catalogs` on it.

`--check` regenerates into a temporary folder and compares: the cabinets and ZIP archives
byte for byte (gcab, osslsigncode and zipfile write the same bytes for the same inputs at
fixed times), the MSI packages by the manifest (wixl stamps a random package code).
"""

import argparse
import io
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "test-vectors"
KEYS = ROOT / "crates" / "authverify-testgen" / "keys"
SIGNING_TIME = "1767225600"  # 2026-01-01T00:00:00Z
MTIME = "2026-01-01 00:00:00 UTC"
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
NOT_BYTE_STABLE = {"payload.msi", "signed-payload.msi", "nested.zip"}

# path in the payload -> (source, expected verdict, why)
PAYLOAD = {
    "app.exe": ("pe32plus-rsa2048-sha256.exe", "valid", "signed by the test leaf"),
    "helper.dll": (None, "unsigned", "pe32-rsa2048-sha256.exe, signature removed by osslsigncode"),
    "driver/driver.sys": ("catalogs/driver/driver.sys", "valid", "listed by driver/driver.cat (Authenticode digest)"),
    "driver/driver.inf": ("catalogs/driver/driver.inf", "valid", "listed by driver/driver.cat (flat hash)"),
    "driver/readme.txt": ("catalogs/driver/readme.txt", "valid", "listed by driver/driver.cat (flat hash)"),
    "driver/changed.inf": ("catalogs/driver/changed.inf", "unsigned", "listed by no catalog"),
    "driver/driver.cat": ("catalogs/driver-sha256.cat", "valid", "the catalog, signed by the test leaf"),
}

WXS = """<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="21111111-2222-3333-4444-555555555555" Name="Authverify Payload" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="76666666-7777-8888-9999-000000000000">
    <Package InstallerVersion="200" Compressed="yes" Comments="authverify payload vector"/>
    <Media Id="1" Cabinet="payload.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="AuthverifyPayload">
          <Component Id="App" Guid="22345678-1234-1234-1234-123456789012">
            <File Id="AppExe" Name="app.exe" Source="app.exe"/>
            <File Id="HelperDll" Name="helper.dll" Source="helper.dll"/>
          </Component>
          <Directory Id="DRIVERDIR" Name="driver">
            <Component Id="Driver" Guid="32345678-1234-1234-1234-123456789012">
              <File Id="DriverSys" Name="driver.sys" Source="driver/driver.sys"/>
              <File Id="DriverInf" Name="driver.inf" Source="driver/driver.inf"/>
              <File Id="DriverReadme" Name="readme.txt" Source="driver/readme.txt"/>
              <File Id="ChangedInf" Name="changed.inf" Source="driver/changed.inf"/>
              <File Id="DriverCat" Name="driver.cat" Source="driver/driver.cat"/>
            </Component>
          </Directory>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="App"/><ComponentRef Id="Driver"/></Feature>
  </Product>
</Wix>
"""


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


def sign(src, dst):
    run("osslsigncode", "sign", "-certs", VECTORS / "pki/signer-chain.pem",
        "-key", KEYS / "leaf-rsa2048.pem", "-h", "sha256", "-time", SIGNING_TIME,
        "-in", src, "-out", dst)


def payload_tree(src):
    for path, (source, _, _) in PAYLOAD.items():
        dst = src / path
        dst.parent.mkdir(parents=True, exist_ok=True)
        if source is None:
            run("osslsigncode", "remove-signature", "-in", VECTORS / "pe32-rsa2048-sha256.exe", "-out", dst)
        else:
            shutil.copyfile(VECTORS / source, dst)
        run("touch", "-d", MTIME, dst)


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def write(out):
    out.mkdir(parents=True, exist_ok=True)
    src = pathlib.Path(tempfile.mkdtemp())
    try:
        payload_tree(src)
        run("gcab", "-c", "-z", out / "payload.cab", *PAYLOAD.keys(), cwd=src)
        sign(out / "payload.cab", out / "signed-payload.cab")
        (src / "t.wxs").write_text(WXS)
        run("wixl", "-o", out / "payload.msi", "t.wxs", cwd=src)
        sign(out / "payload.msi", out / "signed-payload.msi")
        (out / "payload.zip").write_bytes(zip_bytes([(p, (src / p).read_bytes()) for p in PAYLOAD]))
        (out / "nested.zip").write_bytes(zip_bytes([
            ("setup/signed-payload.msi", (out / "signed-payload.msi").read_bytes()),
            ("setup/signed-payload.cab", (out / "signed-payload.cab").read_bytes()),
        ]))
        (out / "zip-bomb.zip").write_bytes(zip_bytes([("zeros.bin", bytes(2 << 20))]))
        (src / "zeros.bin").write_bytes(bytes(2 << 20))
        run("touch", "-d", MTIME, src / "zeros.bin")
        run("gcab", "-c", "-z", out / "cab-bomb.cab", "zeros.bin", cwd=src)
        deep = (VECTORS / "pe32plus-rsa2048-sha256.exe").read_bytes()
        name = "app.exe"
        for level in range(6):
            deep = zip_bytes([(name, deep)])
            name = f"level{level}.zip"
        (out / "deep.zip").write_bytes(deep)
    finally:
        shutil.rmtree(src)
    members = [{"member": p, "status": s, "why": w} for p, (_, s, w) in PAYLOAD.items()]
    manifest = {
        "evaluated_at": "2026-06-01T00:00:00Z",
        "generator": "scripts/make-payload-vectors.py",
        "trust": ["pki/root.crt"],
        "members": members,
        "containers": {
            "payload.cab": {"status": "unsigned", "prefix": ""},
            "signed-payload.cab": {"status": "valid", "prefix": ""},
            "payload.msi": {"status": "unsigned", "prefix": "Program Files/AuthverifyPayload/"},
            "signed-payload.msi": {"status": "valid", "prefix": "Program Files/AuthverifyPayload/"},
            "payload.zip": {"status": None, "prefix": ""},
        },
        "bombs": {
            "zip-bomb.zip": "compression ratio of a member",
            "cab-bomb.cab": "compression ratio of a folder",
            "deep.zip": "nesting depth",
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def check(target):
    fresh = pathlib.Path(tempfile.mkdtemp()) / "payload"
    try:
        write(fresh)
        bad = []
        for f in sorted(fresh.iterdir()):
            old = target / f.name
            if not old.exists():
                bad.append(f"{f.name}: missing")
            elif f.name not in NOT_BYTE_STABLE and f.read_bytes() != old.read_bytes():
                bad.append(f"{f.name}: differs")
        if bad:
            print("payload vectors are stale:\n  " + "\n  ".join(bad), file=sys.stderr)
            return 1
        print(f"payload vectors match ({len(list(fresh.iterdir()))} files)")
        return 0
    finally:
        shutil.rmtree(fresh.parent)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="regenerate and compare, write nothing")
    args = ap.parse_args()
    target = VECTORS / "payload"
    if args.check:
        return check(target)
    if target.exists():
        shutil.rmtree(target)
    write(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
