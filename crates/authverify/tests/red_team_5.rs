//! Red team, round 5: the changes of issue 32 that landed after round 4 (cabinet members
//! over 256 MiB streamed instead of refused, the payload catalog pass handing over only
//! catalogs, round 4's fixes, the `reader_parts` fuzz target). Each test is an attack that
//! succeeded against the code it was written for; its expected outcome comes from how the
//! input was built.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::io::Cursor;

use authverify::{Policy, Verifier};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

fn verifier() -> Verifier {
    Verifier::new(common::anchors(&["pki/root.crt".to_string()]), Policy::windows())
}

fn at() -> authverify::UnixTime {
    common::time("2026-06-01T00:00:00Z")
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// A cabinet of one MSZIP folder holding `data` as `name`: each 32 KiB block a deflate
/// stream of one stored (uncompressed) block, so no compressor is needed and decoding it
/// still goes through the MSZIP decoder (and its member reader's checkpoints).
fn mszip_cabinet(name: &str, data: &[u8]) -> Vec<u8> {
    let blocks: Vec<&[u8]> = data.chunks(32 * KIB).collect();
    let files_offset = 36 + 8;
    let data_offset = files_offset + 16 + name.len() + 1;
    let mut b = Vec::new();
    b.extend_from_slice(b"MSCF");
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&(files_offset as u32).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&[3, 1]);
    b.extend_from_slice(&1u16.to_le_bytes()); // folders
    b.extend_from_slice(&1u16.to_le_bytes()); // files
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&(data_offset as u32).to_le_bytes());
    b.extend_from_slice(&(blocks.len() as u16).to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // MSZIP
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(name.as_bytes());
    b.push(0);
    for block in blocks {
        let n = block.len() as u16;
        b.extend_from_slice(&[0; 4]); // no checksum
        b.extend_from_slice(&(block.len() as u16 + 7).to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(b"CK");
        b.push(1); // BFINAL, stored
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&(!n).to_le_bytes());
        b.extend_from_slice(block);
    }
    let len = b.len() as u32;
    b[8..12].copy_from_slice(&len.to_le_bytes());
    b
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

/// The page-hashed signed vector (PE32+) rebuilt as a 16 MiB image of `sections` sections
/// of one page each, 128 KiB apart, listed in the section table from the last in the file
/// to the first; its signature (page hashes included) kept at the new end. The headers and
/// the sections changed, so the signature no longer matches: the verdict is Invalid, with
/// page hashes computed (and not matching).
fn page_hashed_pe_sections_backwards(sections: usize) -> Vec<u8> {
    let orig = std::fs::read(common::vectors_dir().join("page-hashes-sha256.exe")).unwrap();
    let e = le32(&orig, 0x3c) as usize;
    assert_eq!(le16(&orig, e + 24), 0x20b, "PE32+");
    let security = e + 24 + 112 + 4 * 8;
    let (cert_at, cert_len) = (le32(&orig, security) as usize, le32(&orig, security + 4) as usize);
    let table = e + 24 + le16(&orig, e + 20) as usize;
    let first = 0x4000;
    let spacing = 128 * KIB;
    let body = first + sections * spacing;
    let mut pe: Vec<u8> = (0..body).map(|i| (i * 7 % 253) as u8).collect();
    pe[..0x400].copy_from_slice(&orig[..0x400]);
    pe[e + 6..e + 8].copy_from_slice(&(sections as u16).to_le_bytes());
    for k in 0..sections {
        let h = table + 40 * k;
        pe[h..h + 40].fill(0);
        pe[h..h + 5].copy_from_slice(b".sect");
        let pointer = first + (sections - 1 - k) * spacing;
        put32(&mut pe, h + 8, 4096); // VirtualSize
        put32(&mut pe, h + 12, (0x1000 + pointer) as u32); // VirtualAddress
        put32(&mut pe, h + 16, 4096); // SizeOfRawData
        put32(&mut pe, h + 20, pointer as u32); // PointerToRawData
    }
    put32(&mut pe, security, body as u32);
    pe.extend_from_slice(&orig[cert_at..cert_at + cert_len]);
    pe
}

/// Attack: a PE image over 8 MiB in an MSZIP cabinet, whose signature carries page hashes
/// and whose section table lists its sections from the last in the file to the first (the
/// format does not order them). A member over 8 MiB is read through a member reader that
/// decodes it on demand; a read behind its window restarts from the nearest checkpoint
/// (every 4 MiB) or, LZX, from the folder's start. The page hashes were computed section by
/// section in table order, so every section was a read behind the window: up to 4 MiB
/// decoded again per section (the whole folder again per section under LZX), and a 16 MiB
/// member of 128 such sections cost over 300 MB of cabinet reads where its digest and
/// tables cost a few passes: the member decoded a number of times growing with its section
/// count, the walk's decode budget (8 GiB) spent by one small cabinet. The page-hash table
/// is the same whatever order its pages are hashed in, so the same report must come from
/// reading the member a constant number of times: at most 8 times the cabinet's length
/// here (its held parts, the digest, the pages and the tables read again, each a pass).
#[test]
fn page_hashes_of_sections_listed_backwards_do_not_decode_a_member_once_per_section() {
    let v = verifier();
    let pe = page_hashed_pe_sections_backwards(128);
    let whole = v.verify_bytes_named(&pe, "big.exe", at()).expect("a report");
    assert_eq!(whole.status, authverify::FileStatus::Invalid);
    assert!(
        whole.signatures[0].page_hashes.as_ref().is_some_and(|p| !p.matches),
        "page hashes computed: {:?}",
        whole.signatures[0].page_hashes
    );
    let cab = mszip_cabinet("big.exe", &pe);
    let mut counting = Counting {
        inner: Cursor::new(&cab),
        read: 0,
    };
    let mut reports = Vec::new();
    assert!(v.verify_payload_reader(&mut counting, "big.cab", at(), &mut |m| reports.push(m)));
    assert_eq!(reports.len(), 1);
    let streamed = reports.pop().unwrap().result.expect("a report");
    assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
    let cab_len = cab.len() as u64;
    assert!(
        counting.read <= 8 * cab_len,
        "{} MiB read from a cabinet of {} MiB",
        counting.read / MIB as u64,
        cab_len / MIB as u64
    );
}

/// Attack: an MSI package above 8 MiB (read in parts: its structure and tables held, its
/// embedded cabinet read from the file through its stream) installing a catalog and a file
/// only that catalog signs, in one directory. The walk reads the cabinet twice, its
/// catalogs first; round 4 compares each catalog's two reads, but only a catalog the member
/// pass gets as bytes, and nothing checks that the member pass met every catalog the first
/// pass read. The embedded cabinet's own file table is not among the parts held (only the
/// package's tables are), so it can be rewritten between the passes: the catalog's size
/// made 9 MiB and its offset the folder's start, it comes to the member pass as a reader
/// (not compared) over other bytes, while its sibling is still reported valid on the catalog the first pass read, which the
/// file no longer holds as a catalog of its directory (read whole, the file as left gives
/// no such verdict). A verdict on bytes that are gone: the walk must report
/// `Error::Changed`.
#[test]
fn a_catalog_made_large_between_the_payload_walks_two_passes_is_changed() {
    let test = "a_catalog_made_large_between_the_payload_walks_two_passes_is_changed";
    for tool in ["gcab", "wixl"] {
        if std::process::Command::new(tool).arg("--version").output().is_err() {
            common::skip(test, tool);
            return;
        }
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
    // 9 MiB that do not compress, first; the catalog last, so the catalog pass reads the
    // cabinet to its end.
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
    // Small files before the catalog, so that its entry in the cabinet's file table lies
    // past the package's first page (held with the header sector, compared at the end).
    let mut fillers = String::new();
    for i in 0..100 {
        let file = format!("filler{i:03}.txt");
        std::fs::write(dir.path().join(&file), format!("filler {i}\n")).unwrap();
        fillers.push_str(&format!(
            "            <File Id=\"FillerFileWithALongIdentifierNumber{i:03}\" Name=\"{file}\" Source=\"{file}\"/>\n"
        ));
    }
    let wxs = r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="51111111-2222-3333-4444-555555555555" Name="Red Team 5" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="96666666-7777-8888-9999-000000000005">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="large.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="RedTeam">
          <Component Id="App" Guid="52345678-1234-1234-1234-123456789015">
            <File Id="Pad" Name="pad.bin" Source="pad.bin"/>
            <File Id="DriverInf" Name="driver.inf" Source="driver/driver.inf"/>
FILLERS            <File Id="ZDriverCatalogFile" Name="driver.cat" Source="driver/driver.cat"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="App"/></Feature>
  </Product>
</Wix>
"#;
    std::fs::write(dir.path().join("t.wxs"), wxs.replace("FILLERS", &fillers)).unwrap();
    let ok = std::process::Command::new("wixl")
        .args(["-o", "t.msi", "t.wxs"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(dir.path().join("t.msi")).unwrap();
    assert!(bytes.len() as u64 > authverify::READ_WHOLE_LIMIT, "read in parts");
    // The embedded cabinet (its stream laid out in the file as one run), and the catalog's
    // entry in its file table: 16 bytes (size, offset, folder, date, time, attributes)
    // before its name.
    let cab = bytes.windows(4).position(|w| w == b"MSCF").expect("embedded cabinet");
    let cab_len = le32(&bytes, cab + 8) as usize;
    let key = b"ZDriverCatalogFile\0";
    let entry = bytes[cab..cab + cab_len]
        .windows(key.len())
        .position(|w| w == key)
        .expect("the catalog's entry")
        + cab
        - 16;
    let name = "t.msi";
    let v = verifier();
    let inf = ("Program Files/RedTeam/driver.inf".to_string(), "Valid".to_string());
    let whole = common::payload_reports_in_memory(&v, &bytes, name, at());
    assert!(whole.contains(&inf), "{whole:?}");
    assert_eq!(
        common::payload_reports(&v, &mut Cursor::new(bytes.clone()), name, at()),
        whole
    );
    // Its size 9 MiB, its offset the folder's start: a member the folder holds (the pad's
    // bytes, then the rest), no catalog.
    let mut patch = ((9 * MIB) as u32).to_le_bytes().to_vec();
    patch.extend_from_slice(&0u32.to_le_bytes());
    let mut left = bytes.clone();
    left[entry..entry + 8].copy_from_slice(&patch);
    let as_left = common::payload_reports_in_memory(&v, &left, name, at());
    assert!(
        !as_left.contains(&inf),
        "the file as left does not sign driver.inf: {as_left:?}"
    );

    let mut r = common::RewrittenAfter {
        inner: Cursor::new(bytes.clone()),
        seen: (cab + cab_len - 1) as u64,
        before: entry as u64,
        at: entry,
        patch,
        covered: false,
        done: false,
    };
    let read = common::payload_reports(&v, &mut r, name, at());
    assert!(r.done, "the cabinet's file table was rewritten during the walk");
    assert!(
        read.iter().any(|(_, s)| s.starts_with("Changed")),
        "no Changed report: {read:?} (the file as left: {as_left:?})"
    );
}

/// Attack: an MSI package whose File table names one file no embedded cabinet carries (an
/// external cabinet's, added with msibuild) beside a signed file its embedded cabinet does
/// carry. Such files are "named rather than left out, after every carried file has been
/// handed over" (payload/msi.rs, `file.payload`); but the catalog pass, which walks the
/// same members first, failed on the same check, and its error ended the walk before the
/// member pass: the signed file carried in the package got no report at all, only the
/// error. Nothing the package carries may go unreported because of a file it does not
/// carry: the carried file's own report (valid: the test leaf's signature), then the error
/// naming the missing one.
#[test]
fn a_file_carried_nowhere_does_not_hide_the_files_that_are_carried() {
    let test = "a_file_carried_nowhere_does_not_hide_the_files_that_are_carried";
    for tool in ["wixl", "msiinfo", "msibuild"] {
        if std::process::Command::new("which")
            .arg(tool)
            .output()
            .map_or(true, |o| !o.status.success())
        {
            common::skip(test, tool);
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::vectors_dir().join("pe32plus-rsa2048-sha256.exe"),
        dir.path().join("app.exe"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("t.wxs"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="61111111-2222-3333-4444-555555555555" Name="Red Team 5" Language="1033"
           Version="1.0.0" Manufacturer="Authverify Test PKI" UpgradeCode="96666666-7777-8888-9999-000000000006">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="in.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="RT">
          <Component Id="App" Guid="52345678-1234-1234-1234-123456789016">
            <File Id="App" Name="app.exe" Source="app.exe"/>
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
    let run = |args: &[&str]| {
        let out = std::process::Command::new(args[0])
            .args(&args[1..])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        out.stdout
    };
    run(&["wixl", "-o", "t.msi", "t.wxs"]);
    let carried = std::fs::read(dir.path().join("t.msi")).unwrap();
    let v = verifier();
    let app = ("Program Files/RT/app.exe".to_string(), "Valid".to_string());
    assert_eq!(
        common::payload_reports_in_memory(&v, &carried, "t.msi", at()),
        vec![app.clone()]
    );
    // A second file, in the File table only (its content in no embedded cabinet).
    let mut file_table = run(&["msiinfo", "export", "t.msi", "File"]);
    file_table.extend_from_slice(b"Ext\tApp\text.txt\t3\t\t\t512\t2\r\n");
    std::fs::write(dir.path().join("File.idt"), file_table).unwrap();
    run(&["msibuild", "t.msi", "-i", "File.idt"]);
    let bytes = std::fs::read(dir.path().join("t.msi")).unwrap();
    let reports = common::payload_reports_in_memory(&v, &bytes, "t.msi", at());
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(reports[0], app, "{reports:?}");
    assert!(
        reports[1].0.is_empty() && reports[1].1.contains("Program Files/RT/ext.txt"),
        "{reports:?}"
    );
    // From the file, in parts or whole, the same.
    assert_eq!(
        common::payload_reports(&v, &mut Cursor::new(bytes), "t.msi", at()),
        reports
    );
}
