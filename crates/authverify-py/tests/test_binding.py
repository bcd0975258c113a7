"""The binding against independent truth: the vectors' expected verdicts (from how the
generator built them), the real-world corpus's reviewed verdicts, and the CLI's own JSON
output for the same files."""

import json
import pathlib
import pickle
import subprocess
import threading
from datetime import datetime, timezone

import pytest

import authverify
from conftest import CACHE, REPO, VECTORS, skip_or_fail

MANIFEST = json.loads((VECTORS / "manifest.json").read_text())
AT = MANIFEST["evaluated_at"]
TRUST = [str(VECTORS / t) for t in MANIFEST["trust"]]


@pytest.fixture(scope="module")
def verifier():
    return authverify.Verifier(trust=TRUST)


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["file"])
def test_vector_verdicts(verifier, vector):
    report = verifier.verify_path(VECTORS / vector["file"], at=AT)
    assert report["status"] == vector["status"], vector["why"]
    # The manifest lists the signatures its verdict is about (all of them, or the first
    # ones of a deep nest); each must be reported as it says.
    by_index = {s["index"]: s for s in report["signatures"]}
    for want in vector["signatures"]:
        got = by_index[want["index"]]
        assert (got["digest_matches"], got["signature_valid"], got["nested_in"]) == \
            (want["digest_matches"], want["signature_valid"], want["nested_in"])


def test_vectors_are_checked():
    assert len(MANIFEST["vectors"]) >= 20


def test_verify_bytes_equals_verify_path(verifier):
    path = VECTORS / MANIFEST["vectors"][0]["file"]
    assert verifier.verify_bytes(path.read_bytes(), at=AT) == verifier.verify_path(str(path), at=AT)


def test_reports_equal_the_cli_json(verifier, cli):
    files = [str(VECTORS / v["file"]) for v in MANIFEST["vectors"]]
    out = subprocess.run([cli, "verify", "--format", "json", "--at", AT, "--trust", TRUST[0], *files],
                         capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    cli_reports = {r["path"]: r for r in json.loads(out.stdout)["files"]}
    for record in verifier.verify_paths(files, at=AT):
        assert record == cli_reports[record["path"]]


def test_verify_paths_keeps_order_and_reports_unreadable_files(verifier, tmp_path):
    missing = str(tmp_path / "absent.exe")
    text = tmp_path / "notes.txt"
    text.write_text("not a PE image")
    files = [str(VECTORS / MANIFEST["vectors"][1]["file"]), missing, str(text),
             str(VECTORS / MANIFEST["vectors"][0]["file"])]
    records = verifier.verify_paths(files, at=AT)
    assert [r["path"] for r in records] == files
    assert records[1]["status"] == "error" and records[1]["error"] == "no such file or directory"
    assert records[2]["status"] == "error"
    assert records[0]["status"] == MANIFEST["vectors"][1]["status"]


def test_errors_are_exceptions_with_the_library_message(verifier, tmp_path):
    with pytest.raises(authverify.AuthverifyError):
        verifier.verify_path(tmp_path / "absent.exe", at=AT)
    with pytest.raises(authverify.AuthverifyError, match="PE|MZ|DOS"):
        verifier.verify_bytes(b"not a PE image", at=AT)
    with pytest.raises(authverify.AuthverifyError, match="policy"):
        authverify.Verifier(policy="lenient")
    with pytest.raises(authverify.AuthverifyError, match="cannot load"):
        authverify.Verifier(trust=[str(tmp_path / "no-such-roots")])
    with pytest.raises(authverify.AuthverifyError, match="RFC 3339"):
        verifier.verify_path(VECTORS / MANIFEST["vectors"][0]["file"], at="yesterday")
    with pytest.raises(authverify.AuthverifyError, match="naive"):
        verifier.verify_path(VECTORS / MANIFEST["vectors"][0]["file"], at=datetime(2026, 6, 1))


def test_time_forms_agree(verifier):
    path = VECTORS / MANIFEST["vectors"][0]["file"]
    as_text = verifier.verify_path(path, at=AT)
    dt = datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert verifier.verify_path(path, at=dt) == as_text
    assert verifier.verify_path(path, at=int(dt.timestamp())) == as_text
    # None is now: the vector's test root is valid until 2036, so the verdict holds today.
    assert verifier.verify_path(path)["status"] == "valid"


def test_pickled_verifier_is_rebuilt_from_its_arguments(verifier):
    clone = pickle.loads(pickle.dumps(verifier))
    assert repr(clone) == repr(verifier)
    path = VECTORS / MANIFEST["vectors"][0]["file"]
    assert clone.verify_path(path, at=AT) == verifier.verify_path(path, at=AT)
    strict = authverify.Verifier(trust=TRUST, policy="strict", signatures="all")
    assert "strict" in repr(pickle.loads(pickle.dumps(strict)))


def test_summary_of_batches_appends_to_the_summary_of_all(verifier):
    files = [str(VECTORS / v["file"]) for v in MANIFEST["vectors"]]
    _, whole = verifier.verify_batch(files, at=AT)
    merged = authverify.Summary()
    for i in range(0, len(files), 7):
        _, part = verifier.verify_batch(files[i:i + 7], at=AT)
        merged.append(pickle.loads(pickle.dumps(part)))
    assert merged.to_dict() == whole.to_dict()
    assert whole.to_dict()["files"] == len(files)


def test_the_gil_is_released_while_verifying(verifier):
    # Two threads verifying at once must overlap: while one is inside verify_paths the
    # other gets the interpreter (with the GIL held, the ticks below could not advance).
    files = [str(VECTORS / v["file"]) for v in MANIFEST["vectors"]] * 20
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        verifier.verify_paths(files, at=AT)
    finally:
        done.set()
        t.join()
    assert len(ticks) > 3


def test_real_world_corpus_verdicts():
    expected_path = VECTORS / "real-world" / "expected.tsv"
    rows = [line.split("\t") for line in expected_path.read_text().splitlines()
            if line and not line.startswith("#") and not line.startswith("file\t")]
    files = [(row[0], row[1].split("/")[0]) for row in rows]
    present = [(CACHE / "real-world" / name, status) for name, status in files
               if (CACHE / "real-world" / name).exists()]
    if len(present) < len(files):
        skip_or_fail(f"real-world corpus: {len(present)} of {len(files)} files fetched (scripts/fetch-real-world.py)")
    v = authverify.Verifier(trust=["builtin", str(VECTORS / "trust" / "uefi-db")])
    records = v.verify_paths([str(p) for p, _ in present], at="2026-11-25T00:00:00Z")
    for (path, status), record in zip(present, records):
        assert record["status"] == status, path.name
    assert len(records) >= 50


def test_verify_lines_are_the_cli_jsonl_byte_for_byte(verifier, cli, tmp_path):
    files = [str(VECTORS / v["file"]) for v in MANIFEST["vectors"]] + [str(tmp_path / "gone.exe")]
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f + "\n" for f in files))
    out = subprocess.run([cli, "verify", "--format", "jsonl", "--summary", "--at", AT, "--trust", TRUST[0],
                          "--files-from", str(listing)], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    lines, summary = verifier.verify_lines(files, at=AT)
    assert "".join(line + "\n" for line in lines + [summary.to_line()]) == out.stdout
    # The same records as verify_paths gives as objects.
    assert [json.loads(line) for line in lines] == verifier.verify_paths(files, at=AT)


CATALOGS = json.loads((VECTORS / "catalogs/manifest.json").read_text())


def test_catalogs_decide_like_the_cli(cli, tmp_path):
    # The driver folder through its catalogs: each file's verdict is the one the catalogs
    # manifest gives it (listed → valid, the INF changed after cataloguing → unsigned), and
    # the lines equal `authverify verify --catalogs` byte for byte.
    cats = str(VECTORS / "catalogs")
    v = authverify.Verifier(trust=TRUST, catalogs=[cats], catalogs_at=AT)
    assert v.catalog_problems == []
    files = [str(VECTORS / "catalogs" / f["file"]) for f in CATALOGS["files"]]
    for record, want in zip(v.verify_paths(files, at=AT), CATALOGS["files"]):
        status = "valid" if want["catalogs"] else "unsigned"
        assert record["status"] == status, (want["file"], record)
        listed = {s["catalog"]["path"].rsplit("/", 1)[-1] for s in record["signatures"] if s["kind"] == "catalog"}
        assert set(want["catalogs"]) <= listed, (want["file"], listed)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f + "\n" for f in files))
    out = subprocess.run([cli, "verify", "--format", "jsonl", "--summary", "--at", AT, "--trust", TRUST[0],
                          "--catalogs", cats, "--files-from", str(listing)], capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    lines, summary = v.verify_lines(files, at=AT)
    assert "".join(line + "\n" for line in lines + [summary.to_line()]) == out.stdout
    # Without catalogs the same files are unsigned or not verifiable at all.
    plain = authverify.Verifier(trust=TRUST).verify_paths(files, at=AT)
    assert all(r["status"] in ("unsigned", "error") for r in plain)


def test_catalogs_pickle_with_the_instant_they_were_verified_at(tmp_path):
    note = tmp_path / "notes.cat"
    note.write_bytes(b"not a catalog")
    v = authverify.Verifier(trust=TRUST, catalogs=[str(VECTORS / "catalogs/driver.cat"), str(note)])
    assert len(v.catalog_problems) == 1 and v.catalog_problems[0].startswith(str(note))
    clone = pickle.loads(pickle.dumps(v))
    assert repr(clone) == repr(v) and "catalogs_at=" in repr(v)
    sys_file = VECTORS / "catalogs/driver/driver.sys"
    assert clone.verify_path(sys_file, at=AT) == v.verify_path(sys_file, at=AT)
    assert v.verify_path(sys_file, at=AT)["status"] == "valid"
    with pytest.raises(authverify.AuthverifyError, match="no such file"):
        authverify.Verifier(trust=TRUST, catalogs=[str(tmp_path / "absent")])


SCRIPTS = json.loads((VECTORS / "scripts/manifest.json").read_text())
APPX = json.loads((VECTORS / "appx/manifest.json").read_text())


@pytest.mark.parametrize("family,manifest", [("scripts", SCRIPTS), ("appx", APPX)], ids=["scripts", "appx"])
def test_scripts_and_packages_get_their_manifest_verdicts_like_the_cli(family, manifest, cli, tmp_path):
    # Issue 29: the binding verifies scripts and APPX/MSIX packages as the CLI does: each
    # vector's verdict (or, for a hostile script, its typed error) is the manifest's, built
    # with osslsigncode or to the documented form, and the lines equal the CLI's JSONL.
    v = authverify.Verifier(trust=[str(VECTORS / t) for t in manifest["trust"]])
    files = [str(VECTORS / family / m["file"]) for m in manifest["vectors"]]
    records = v.verify_paths(files, at=manifest["evaluated_at"])
    for record, want in zip(records, manifest["vectors"]):
        if want.get("status") is None:
            assert record["error_rule"] == "file.script", (want["file"], record)
        else:
            assert record["status"] == want["status"], (want["file"], record)
            assert record["format"] == ("script" if family == "scripts" else "appx")
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f + "\n" for f in files))
    out = subprocess.run([cli, "verify", "--format", "jsonl", "--summary", "--at", manifest["evaluated_at"],
                          "--trust", str(VECTORS / manifest["trust"][0]), "--files-from", str(listing)],
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # tampered vectors are among them
    lines, summary = v.verify_lines(files, at=manifest["evaluated_at"])
    assert "".join(line + "\n" for line in lines + [summary.to_line()]) == out.stdout


def test_the_gate_answers_like_the_cli(cli, tmp_path):
    # Issue 31: the same gate options give the same records and summary as
    # `authverify verify --require-signer --require-timestamp --exclude-from`, byte for byte;
    # the RSA-2048 test leaf (first certificate of pki/signer-chain.pem) signed only some.
    chain = (VECTORS / "pki/signer-chain.pem").read_text()
    end = "-----END CERTIFICATE-----"
    leaf = tmp_path / "ours.pem"
    leaf.write_text(chain[: chain.index(end) + len(end)] + "\n")
    exclude = tmp_path / "exclude.txt"
    exclude.write_text("unsigned*.exe # not ours\n")
    files = [str(VECTORS / v["file"]) for v in MANIFEST["vectors"]]
    gate = dict(require_signer=[str(leaf)], require_timestamp=True, exclude_from=[str(exclude)])
    v = authverify.Verifier(trust=TRUST, **gate)
    listing = tmp_path / "list.txt"
    listing.write_text("".join(f + "\n" for f in files))
    out = subprocess.run([cli, "verify", "--format", "jsonl", "--summary", "--at", AT, "--trust", TRUST[0],
                          "--require-signer", str(leaf), "--require-timestamp", "--exclude-from", str(exclude),
                          "--files-from", str(listing)], capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    lines, summary = v.verify_lines(files, at=AT)
    assert "".join(line + "\n" for line in lines + [summary.to_line()]) == out.stdout
    records = v.verify_paths(files, at=AT)
    by_name = {pathlib.Path(r["path"]).name: r["gate"] for r in records}
    assert by_name["unsigned.exe"]["excluded"]["reason"] == "not ours"
    assert by_name["pe32plus-rsa2048-sha256.exe"]["failed"] == [
        {"rule": "gate.timestamp", "detail": "without a valid timestamp: signature 0"}]
    assert summary.to_dict()["gate"]["failed"] == sum(not g["passed"] for g in by_name.values())
    # Pickled, the gate comes along; without gate options no record carries one.
    assert pickle.loads(pickle.dumps(v)).verify_paths(files[:1], at=AT) == records[:1]
    assert all("gate" not in r for r in authverify.Verifier(trust=TRUST).verify_paths(files, at=AT))


CRL_MANIFEST = json.loads((VECTORS / "crl" / "manifest.json").read_text())


@pytest.mark.parametrize("case", CRL_MANIFEST["cases"], ids=lambda c: c["case"])
@pytest.mark.parametrize("policy", ["windows", "strict"])
def test_crl_cases_match_the_manifest(case, policy):
    # test-vectors/crl/manifest.json: verdicts from how scripts/make-crl-vectors.py built
    # each list; `crl=` takes what `--crl` takes.
    trust = [str(VECTORS / t) for t in CRL_MANIFEST["trust"]]
    v = authverify.Verifier(trust=trust, policy=policy, crl=[str(VECTORS / c) for c in case["crls"]])
    report = v.verify_path(VECTORS / case["file"], at=CRL_MANIFEST["evaluated_at"])
    assert report["status"] == case["status"]
    assert report["signatures"][0]["chain"]["status"] == case["chain_status"]
    if case["crls"]:
        assert "crl=" in repr(pickle.loads(pickle.dumps(v)))
