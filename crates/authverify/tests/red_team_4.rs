//! Red team, round 4: the three "read in parts" paths that landed for issue 32 (a cabinet
//! or MSI package's payload walked from its file, APPX/MSIX bundles read in parts, scripts
//! over `READ_WHOLE_LIMIT` read through the feed). Their claim: the report from a reader is
//! the report of the same bytes in memory, and a file changed during the read is
//! `Error::Changed`, never a verdict on bytes that were not verified. Each test is an
//! attack that succeeded against the code it was written for; its expected outcome comes
//! from how the input was built.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use authverify::script::ScriptLanguage;
use authverify::{DigestAlgorithm, Error, FileStatus, Policy, Verifier, READ_WHOLE_LIMIT};

const MIB: usize = 1 << 20;

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

/// About `size` bytes of ANSI VBScript lines ending CR LF.
fn vbs_text(size: usize) -> Vec<u8> {
    let mut t = Vec::with_capacity(size + 64);
    let mut n = 0u64;
    while t.len() < size {
        t.extend_from_slice(format!("WScript.Echo \"line {n}\"\r\n").as_bytes());
        n += 1;
    }
    t
}

/// `text` (ANSI) signed as a VBScript the way make-script-vectors.py's `wsh_sign` does (as
/// tests/scripts_reader.rs does): the text as UTF-16LE then its length in units as a
/// little-endian u32, hashed, signed under the VBScript SIP, in a block appended as signtool
/// writes it. Returns the file and where its begin line starts.
fn vbs_signed(text: &[u8]) -> (Vec<u8>, usize) {
    let mut hashed: Vec<u8> = text.iter().flat_map(|&b| [b, 0]).collect();
    hashed.extend_from_slice(&u32::try_from(text.len()).unwrap().to_le_bytes());
    let digest = DigestAlgorithm::Sha256.hash(&hashed);
    let sip = ScriptLanguage::VbScript.sip();
    let der = authverify_testgen::scripts::sip_signature(&sip.guid, 1, "sha256", &digest).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = text.to_vec();
    out.extend_from_slice(b"\r\n");
    let begin = out.len();
    out.extend_from_slice(b"'' SIG '' Begin signature block\r\n");
    for line in b64.as_bytes().chunks(44) {
        out.extend_from_slice(b"'' SIG '' ");
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"'' SIG '' End signature block\r\n");
    (out, begin)
}

/// Attack: a large script's begin line (or the line break before it) rewritten once the
/// search for begin lines has passed it. The begin line is in no digest (the SIP hashes the
/// text before its line break and, for WSH, after the end line) and the reader checked only
/// the script's first 4 KiB and the block's lines *after* the begin line unchanged, so the
/// verdict was the signed file's (valid) while the file as left has no begin line at all:
/// read whole it is an unsigned script. A verdict on bytes that are no longer there: the
/// read must end in `Error::Changed`.
#[test]
fn a_scripts_begin_line_rewritten_after_it_was_found_is_changed() {
    let (signed, begin) = vbs_signed(&vbs_text(9 * MIB));
    assert!(signed.len() as u64 > READ_WHOLE_LIMIT, "takes the streamed path");
    let v = verifier();
    let name = "big.vbs";
    let whole = v.verify_bytes_named(&signed, name, at()).unwrap();
    assert_eq!(whole.status, FileStatus::Valid, "{:?}", whole.notes);
    let from_reader = v.verify_reader_named(&mut Cursor::new(&signed), name, at()).unwrap();
    assert_eq!(from_reader, whole);

    // "Begin" made "begin": no begin line any more; the CR before it made a space: the line
    // break before the block is no longer CR LF, so the hashed text would end a byte later.
    let flips: [(usize, u8, &str); 2] = [(begin + 10, b'b', "begin line"), (begin - 2, b' ', "CR before it")];
    for (at_byte, to, what) in flips {
        let mut left = signed.clone();
        left[at_byte] = to;
        let as_left = v.verify_bytes_named(&left, name, at()).map(|r| r.status);
        assert_ne!(
            as_left.as_ref().ok(),
            Some(&FileStatus::Valid),
            "{what}: the file as left is not valid"
        );
        // Rewritten once the whole text has been searched (about its length read), before
        // the digest pass has ended.
        let mut r = common::changing(&signed, signed.len() as u64 + MIB as u64, move |f| f[at_byte] = to);
        match v.verify_reader_named(&mut r, name, at()) {
            Err(Error::Changed { .. }) => {}
            other => panic!(
                "{what} rewritten: {:?} (the file as left: {as_left:?})",
                other.map(|r| r.status)
            ),
        }
    }
}

/// Attack: a large cabinet (read in parts, its data blocks read from the file as decoded)
/// holding a catalog and a file only that catalog signs. The payload walk reads the
/// container twice: a pass that verifies its catalogs, then a pass over every member
/// judged with them. The catalog's bytes rewritten between the two passes (it is broken
/// now: read whole, the file it listed is no longer valid) went unnoticed: the member was
/// reported valid on the strength of a catalog the file no longer holds, and the only check
/// at the end compares the cabinet's tables. A verdict on bytes that are gone: the walk
/// must report `Error::Changed`.
#[test]
fn a_catalog_rewritten_between_the_payload_walks_two_passes_is_changed() {
    let test = "a_catalog_rewritten_between_the_payload_walks_two_passes_is_changed";
    if std::process::Command::new("gcab").arg("--version").output().is_err() {
        common::skip(test, "gcab");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = common::repo_root().join("test-vectors/payload/payload.cab");
    let ok = std::process::Command::new("gcab")
        .arg("-x")
        .arg(&src)
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    // 9 MiB that do not compress, first; the catalog last, so the catalog pass reads it last
    // and the member pass starts again before it.
    let mut state = 0x9e37_79b9_u32;
    let pad: Vec<u8> = (0..9 * MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(dir.path().join("pad.bin"), pad).unwrap();
    let cab = dir.path().join("big.cab");
    let ok = std::process::Command::new("gcab")
        .arg("-c")
        .arg(&cab)
        .args(["pad.bin", "driver/driver.inf", "driver/driver.cat"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(&cab).unwrap();
    assert!(bytes.len() as u64 > READ_WHOLE_LIMIT, "read in parts");
    let catalog = std::fs::read(dir.path().join("driver/driver.cat")).unwrap();
    // A stored cabinet: the catalog's first bytes are in the file as they are.
    let start = bytes
        .windows(64)
        .position(|w| w == &catalog[..64])
        .expect("catalog stored");
    let flip = start + 40;
    let name = "big.cab";
    let v = verifier();

    let whole = common::payload_reports_in_memory(&v, &bytes, name, at());
    let inf = ("driver/driver.inf".to_string(), "Valid".to_string());
    assert!(whole.contains(&inf), "{whole:?}");
    assert_eq!(
        common::payload_reports(&v, &mut Cursor::new(bytes.clone()), name, at()),
        whole
    );
    let mut left = bytes.clone();
    left[flip] ^= 0xff;
    let as_left = common::payload_reports_in_memory(&v, &left, name, at());
    assert!(
        !as_left.contains(&inf),
        "the file as left does not sign driver.inf: {as_left:?}"
    );

    let mut r = common::RewrittenAfter {
        inner: Cursor::new(bytes.clone()),
        seen: flip as u64,
        before: start as u64,
        at: flip,
        patch: vec![bytes[flip] ^ 0xff],
        covered: false,
        done: false,
    };
    let read = common::payload_reports(&v, &mut r, name, at());
    assert!(r.done, "the catalog was rewritten during the walk");
    assert!(
        read.iter().any(|(_, s)| s.starts_with("Changed")),
        "no Changed report: {read:?} (the file as left: {as_left:?})"
    );
}

// A global allocator counting, per thread, the bytes live on the heap: the payload walk runs
// on the test's thread, so the other tests of this binary running beside it do not count.
mod heap {
    #![allow(unsafe_code)]

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub(crate) struct PerThread;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn add(n: isize) {
        let _ = LIVE.try_with(|live| {
            let now = live.get() + n;
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }

    // SAFETY: every call forwards to `System` with the caller's arguments unchanged; the
    // counters are thread-local cells of constant initialisation (no allocation) and never
    // affect what is allocated.
    unsafe impl GlobalAlloc for PerThread {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded as received.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                add(layout.size() as isize);
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded as received.
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                add(layout.size() as isize);
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: forwarded as received.
            unsafe { System.dealloc(ptr, layout) };
            add(-(layout.size() as isize));
        }
    }

    /// How far this thread's heap rose above where it stood while `f` ran.
    pub(crate) fn growth<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(before));
        let out = f();
        (out, (PEAK.with(Cell::get) - before).max(0) as usize)
    }
}

#[global_allocator]
static HEAP: heap::PerThread = heap::PerThread;

/// Little-endian u32 at `at`.
fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// The compound file `msi` (version 3, 512-byte sectors) with its largest stream's sectors
/// in the reverse order: the same sectors hold the same stream, its chain now running
/// backwards (sector k's successor is k - 1), so that no two of them are contiguous in
/// stream order. Every stream reads the same bytes as before ([MS-CFB] allows any order).
fn reverse_largest_stream(msi: &[u8]) -> Vec<u8> {
    const SECTOR: usize = 512;
    const END: u32 = 0xffff_fffe;
    assert_eq!(u16::from_le_bytes([msi[0x1e], msi[0x1f]]), 9, "512-byte sectors");
    let at = |n: u32| (n as usize + 1) * SECTOR;
    // The FAT's sectors: 109 in the header, then the DIFAT chain (127 and a next each).
    let fat_count = le32(msi, 0x2c) as usize;
    let mut fat_sectors: Vec<u32> = (0..109).map(|i| le32(msi, 0x4c + 4 * i)).collect();
    let mut difat = le32(msi, 0x44);
    while fat_sectors.len() < fat_count {
        let s = at(difat);
        fat_sectors.extend((0..127).map(|i| le32(msi, s + 4 * i)));
        difat = le32(msi, s + 508);
    }
    fat_sectors.truncate(fat_count);
    let fat_at = |n: u32| at(fat_sectors[n as usize / 128]) + 4 * (n as usize % 128);
    let next = |b: &[u8], n: u32| le32(b, fat_at(n));
    // The largest stream's directory entry (the directory's chain from the header).
    let mut entries = Vec::new();
    let mut d = le32(msi, 0x30);
    while d != END {
        entries.extend((0..4).map(|i| at(d) + 128 * i));
        d = next(msi, d);
    }
    let entry = *entries
        .iter()
        .filter(|&&e| msi[e + 66] == 2)
        .max_by_key(|&&e| le32(msi, e + 120))
        .unwrap();
    let size = le32(msi, entry + 120) as usize;
    assert!(size >= 4096, "a stream of the FAT, not of the mini stream");
    let mut chain = vec![le32(msi, entry + 116)];
    while chain.len() < size.div_ceil(SECTOR) {
        chain.push(next(msi, *chain.last().unwrap()));
    }
    let mut out = msi.to_vec();
    // Stream sector i moves to the place of sector n - 1 - i; the chain follows.
    let n = chain.len();
    for i in 0..n {
        let (from, to) = (at(chain[i]), at(chain[n - 1 - i]));
        out[to..to + SECTOR].copy_from_slice(&msi[from..from + SECTOR]);
    }
    for i in 0..n {
        let here = chain[n - 1 - i];
        let then = if i + 1 == n { END } else { chain[n - 2 - i] };
        let f = fat_at(here);
        out[f..f + 4].copy_from_slice(&then.to_le_bytes());
    }
    out[entry + 116..entry + 120].copy_from_slice(&chain[n - 1].to_le_bytes());
    out
}

/// Attack: a large MSI package (walked from its file in parts) whose embedded cabinet's
/// stream runs through its sectors backwards. Memory the walk holds besides the buffer as
/// long as the file is meant to be bounded by the structure it holds (4 bytes of FAT per
/// 512-byte sector, within 256 MiB); but the cabinet's stream was kept as a list of its
/// runs of contiguous sectors, one entry (56 bytes with the list it was built from) per
/// sector when none are contiguous: 14 times the FAT, charged to no bound (448 MiB for a
/// stream of 4 GiB, more than the 256 MiB all held parts may take). The same package laid
/// out contiguously costs a few entries. The two layouts hold the same bytes, get the same
/// reports, and must cost about the same memory.
#[test]
fn an_msi_cabinet_stream_in_reverse_sector_order_costs_no_memory_per_sector() {
    let test = "an_msi_cabinet_stream_in_reverse_sector_order_costs_no_memory_per_sector";
    if std::process::Command::new("wixl").arg("--version").output().is_err() {
        common::skip(test, "wixl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_u32;
    let pad: Vec<u8> = (0..9 * MIB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    std::fs::write(dir.path().join("pad.bin"), pad).unwrap();
    std::fs::write(
        dir.path().join("t.wxs"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="41111111-2222-3333-4444-555555555555" Name="Red Team 4" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="96666666-7777-8888-9999-000000000000">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="large.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="RedTeam">
          <Component Id="App" Guid="52345678-1234-1234-1234-123456789012">
            <File Id="Pad" Name="pad.bin" Source="pad.bin"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="App"/></Feature>
  </Product>
</Wix>
"#,
    )
    .unwrap();
    let ok = std::process::Command::new("wixl")
        .args(["-o", "t.msi", "t.wxs"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let contiguous = std::fs::read(dir.path().join("t.msi")).unwrap();
    assert!(contiguous.len() as u64 > READ_WHOLE_LIMIT, "read in parts");
    let reversed = reverse_largest_stream(&contiguous);
    assert_ne!(reversed, contiguous);
    let v = verifier();
    let name = "t.msi";
    let whole = common::payload_reports_in_memory(&v, &contiguous, name, at());
    assert_eq!(
        common::payload_reports_in_memory(&v, &reversed, name, at()),
        whole,
        "the same package"
    );
    let (read, base) = heap::growth(|| common::payload_reports(&v, &mut Cursor::new(&contiguous), name, at()));
    assert_eq!(read, whole);
    let (read, cost) = heap::growth(|| common::payload_reports(&v, &mut Cursor::new(&reversed), name, at()));
    assert_eq!(read, whole);
    // 18,000 sectors: one entry each would be about 1 MB.
    assert!(
        cost <= base + (128 << 10),
        "reversed: {cost} bytes of heap at the peak, contiguous: {base} ({} sectors)",
        9 * MIB / 512
    );
}

/// A reader that counts the bytes read through it.
struct Counting<'b> {
    inner: Cursor<&'b [u8]>,
    read: u64,
}

impl std::io::Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Counting<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

/// Attack: a bundle (over 8 MiB, read in parts) of one 9 MiB package whose manifest names
/// that package 40 times, each `<Package>` element with the member's true offset and size.
/// Each element was located and the package parsed and read again, its records through the
/// feed: 40 reads of the package, in memory and from the file alike, so the work grew with
/// the product of the manifest's length and the package's size (a 64 MiB manifest holds
/// 600,000 elements: a 9 MiB package hashed 600,000 times). A bundle names each of its
/// packages once; one named again is the typed error the other unlocatable packages get,
/// both ways, after reading the file about once.
#[test]
fn a_package_named_many_times_by_a_bundle_manifest_is_not_read_once_per_name() {
    let dir = tempfile::tempdir().unwrap();
    let code = r#"
import importlib.util, pathlib, random, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
out = pathlib.Path(sys.argv[1])
big = random.Random(4).randbytes(9 << 20)
m.payload = lambda: [("Assets/big.bin", big, zipfile.ZIP_STORED)]
m.package(out / "p.msix")
name = "Authverify.TestPackage_1.0.0.0_x64.msix"
data = (out / "p.msix").read_bytes()
at = 30 + len(name)
element = (f'<Package Type="application" Version="1.0.0.0" Architecture="x64" '
           f'FileName="{name}" Offset="{at}" Size="{len(data)}"/>')
manifest = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
            '<Bundle xmlns="http://schemas.microsoft.com/appx/2013/bundle" SchemaVersion="5.0">\r\n'
            f'  <Identity Name="Authverify.TestBundle" Publisher="{m.PUBLISHER}" Version="1.0.0.0"/>\r\n'
            '  <Packages>' + element * 40 + '</Packages>\r\n'
            '</Bundle>\r\n').encode()
files = [(name, data, zipfile.ZIP_STORED), ("AppxMetadata/AppxBundleManifest.xml", manifest, zipfile.ZIP_DEFLATED)]
m.write_zip(out / "b.msixbundle", files + [("AppxBlockMap.xml", m.block_map(files), zipfile.ZIP_STORED),
                                          ("[Content_Types].xml", m.content_types(["msix"]), zipfile.ZIP_DEFLATED)])
"#;
    let out = std::process::Command::new("python3")
        .current_dir(common::repo_root())
        .args(["-c", code, dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(dir.path().join("b.msixbundle")).unwrap();
    assert!(bytes.len() as u64 > READ_WHOLE_LIMIT, "read in parts");
    let v = verifier();
    let name = "b.msixbundle";
    let whole = v.verify_bytes_named(&bytes, name, at());
    let mut r = Counting {
        inner: Cursor::new(&bytes),
        read: 0,
    };
    let read = v.verify_reader_named(&mut r, name, at());
    assert_eq!(format!("{read:?}"), format!("{whole:?}"), "the same outcome both ways");
    assert!(
        r.read <= 4 * bytes.len() as u64,
        "{} bytes read for a file of {} ({:?})",
        r.read,
        bytes.len(),
        read.map(|r| r.status)
    );
    match whole {
        Err(Error::Appx(authverify::error::AppxError::BundlePackage { detail, .. })) => {
            assert!(detail.contains("twice"), "{detail}")
        }
        other => panic!("{:?}", other.map(|r| r.status)),
    }
}
