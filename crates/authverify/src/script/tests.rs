use super::*;

const DER: &[u8] = b"\x30\x03\x02\x01\x01";

/// `body` signed in `language`'s block syntax around `DER` (not a signature: the layer
/// only carries it).
fn signed(body: &str, begin: &str, line: &str, end: &str) -> String {
    format!("{body}\r\n{begin}\r\n{line}\r\n{end}\r\n")
}

#[test]
fn powershell_block_is_found_and_decoded() {
    let t = signed(
        "Write-Host hi",
        "# SIG # Begin signature block",
        "# MAMCAQE=",
        "# SIG # End signature block",
    );
    let s = Script::parse(t.as_bytes(), ScriptLanguage::PowerShell).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    assert_eq!(s.signature(), Some(DER));
    assert_eq!(s.block_offset(), Some(15));
    assert_eq!(s.text_after_block(), None);
    let want = DigestAlgorithm::Sha256.hash(
        &"Write-Host hi"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<_>>(),
    );
    assert_eq!(s.digests(&[DigestAlgorithm::Sha256]), [(DigestAlgorithm::Sha256, want)]);
}

#[test]
fn wsh_digest_appends_the_position() {
    let t = signed(
        "WScript.Echo 1",
        "'' SIG '' Begin signature block",
        "'' SIG '' MAMCAQE=",
        "'' SIG '' End signature block",
    );
    let s = Script::parse(t.as_bytes(), ScriptLanguage::VbScript).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    let mut want: Vec<u8> = "WScript.Echo 1".encode_utf16().flat_map(u16::to_le_bytes).collect();
    want.extend_from_slice(&14u32.to_le_bytes());
    assert_eq!(
        s.digests(&[DigestAlgorithm::Sha1])[0].1,
        DigestAlgorithm::Sha1.hash(&want)
    );
}

#[test]
fn wsf_position_is_the_last_job_end() {
    let t = "<job>\r\nx\r\n<signature>\r\n** SIG ** MAMCAQE=\r\n</signature>\r\n</job>\r\n";
    let s = Script::parse(t.as_bytes(), ScriptLanguage::WindowsScriptFile).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    assert_eq!(s.wsf_position().unwrap(), 8); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    let without = "<job>\r\nx\r\n<signature>\r\n** SIG ** MAMCAQE=\r\n</signature>\r\n";
    assert_eq!(
        Script::parse(without.as_bytes(), ScriptLanguage::WindowsScriptFile).unwrap_err(),
        ScriptError::WsfWithoutJob
    );
}

#[test]
fn hostile_blocks_are_typed_errors() {
    let ps = ScriptLanguage::PowerShell;
    let two = format!(
        "{}{}",
        signed(
            "a",
            "# SIG # Begin signature block",
            "# MAMCAQE=",
            "# SIG # End signature block"
        ),
        signed(
            "",
            "# SIG # Begin signature block",
            "# MAMCAQE=",
            "# SIG # End signature block"
        )
    );
    assert!(matches!(
        Script::parse(two.as_bytes(), ps),
        Err(ScriptError::DuplicateBlock { .. })
    ));
    let open = "a\r\n# SIG # Begin signature block\r\n# MAMCAQE=\r\n";
    assert_eq!(
        Script::parse(open.as_bytes(), ps).unwrap_err(),
        ScriptError::UnterminatedBlock { offset: 3 }
    );
    let bad = signed(
        "a",
        "# SIG # Begin signature block",
        "# ***",
        "# SIG # End signature block",
    );
    assert!(matches!(
        Script::parse(bad.as_bytes(), ps),
        Err(ScriptError::NotBase64 { .. })
    ));
    let stray = signed(
        "a",
        "# SIG # Begin signature block",
        "MAMCAQE=",
        "# SIG # End signature block",
    );
    assert!(matches!(
        Script::parse(stray.as_bytes(), ps),
        Err(ScriptError::MalformedLine { .. })
    ));
    let empty = "a\r\n# SIG # Begin signature block\r\n# SIG # End signature block\r\n";
    assert!(matches!(
        Script::parse(empty.as_bytes(), ps),
        Err(ScriptError::EmptyBlock { .. })
    ));
    assert!(matches!(
        Script::parse(b"\xfe\xff\x00a", ps),
        Err(ScriptError::UnsupportedEncoding { .. })
    ));
}

#[test]
fn text_after_a_powershell_block_is_reported() {
    let t = signed(
        "a",
        "# SIG # Begin signature block",
        "# MAMCAQE=",
        "# SIG # End signature block",
    ) + "evil";
    let s = Script::parse(t.as_bytes(), ScriptLanguage::PowerShell).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    let len = u64::try_from(t.len()).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    assert_eq!(s.text_after_block(), Some(len - 4..len));
}

#[test]
fn a_begin_line_on_the_first_line_is_not_a_block() {
    let t = "# SIG # Begin signature block\r\n# MAMCAQE=\r\n# SIG # End signature block\r\n";
    assert_eq!(
        Script::parse(t.as_bytes(), ScriptLanguage::PowerShell)
            .unwrap() // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
            .signature(),
        None
    );
}

#[test]
fn utf16_blocks_are_read_per_code_unit() {
    let t = signed(
        "a",
        "<!-- SIG # Begin signature block -->",
        "<!-- MAMCAQE= -->",
        "<!-- SIG # End signature block -->",
    );
    let mut wide = vec![0xff, 0xfe];
    wide.extend(t.encode_utf16().flat_map(u16::to_le_bytes));
    let s = Script::parse(&wide, ScriptLanguage::PowerShellXml).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    assert_eq!(s.encoding(), TextEncoding::Utf16Le);
    assert_eq!(s.signature(), Some(DER));
    // The BOM and "a", as stored.
    assert_eq!(
        s.digests(&[DigestAlgorithm::Sha1])[0].1,
        DigestAlgorithm::Sha1.hash(&[0xff, 0xfe, b'a', 0])
    );
}

#[test]
fn detection_by_extension_then_content() {
    assert_eq!(
        ScriptLanguage::detect(Some("x/Mod.PSM1"), b""),
        Some(ScriptLanguage::PowerShell)
    );
    assert_eq!(
        ScriptLanguage::detect(Some("a.cdxml"), b""),
        Some(ScriptLanguage::PowerShellXml)
    );
    let js = signed(
        "x",
        "// SIG // Begin signature block",
        "// SIG // MAMCAQE=",
        "// SIG // End signature block",
    );
    assert_eq!(
        ScriptLanguage::detect(None, js.as_bytes()),
        Some(ScriptLanguage::JScript)
    );
    assert_eq!(
        ScriptLanguage::detect(Some("a.txt"), js.as_bytes()),
        Some(ScriptLanguage::JScript)
    );
    assert_eq!(ScriptLanguage::detect(Some("a.txt"), b"plain"), None);
}

#[test]
fn sip_info_guid_is_checked() {
    let js = ScriptLanguage::JScript.sip();
    let mut v = vec![0x30, 0x24, 0x02, 0x01, 0x01, 0x04, 0x10];
    v.extend_from_slice(&js.guid);
    v.extend_from_slice(&[0x02, 0x01, 0x00].repeat(5));
    assert!(sip_info_names(&v, &js));
    assert!(!sip_info_names(&v, &ScriptLanguage::VbScript.sip()));
    assert!(!sip_info_names(&v[..10], &js));
}

/// The SpcSipInfo GUID bytes as signtool wrote them into real signed scripts (base64 of
/// `SPC_SIPINFO_OBJ, SEQUENCE { 1, OCTET STRING (16) ...` from a signed .js and .vbs; see
/// docs/ARCHITECTURE.md, "Scripts").
#[test]
fn sip_guids_are_the_bytes_signtool_writes() {
    use base64::Engine;
    for (language, b64) in [
        (ScriptLanguage::JScript, "BgEEAYI3AgEeMCQCAQEEEBDgyQbOONQRoqMAEEvTUJAC"),
        (ScriptLanguage::VbScript, "BgEEAYI3AgEeMCQCAQEEEE7wKRaZJ7VNj+Ws4Q8X66sC"),
    ] {
        let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
                                                                                  // The line starts inside the OID (06 01 04 01 82 37 02 01 1e: ...311.2.1.30), then
                                                                                  // 30 24 02 01 01 04 10 <GUID>.
        assert_eq!(der[..9], [0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x1e]);
        assert_eq!(der[16..32], language.sip().guid, "{language}");
    }
}

/// A block longer than the first bytes read to decode it is read again, twice as far, until
/// its end line is in them: one padded with empty signature lines past 64 KiB decodes as
/// the compact one, with the text after it where it is; a malformed line past the first
/// read is found; a block spanning more than MAX_BLOCK_SPAN is refused, not read on.
#[test]
fn a_block_longer_than_the_first_read_is_read_further() {
    let ps = ScriptLanguage::PowerShell;
    let padding = "# \r\n".repeat(40_000);
    let t =
        format!("a\r\n# SIG # Begin signature block\r\n{padding}# MAMCAQE=\r\n# SIG # End signature block\r\nafter");
    let s = Script::parse(t.as_bytes(), ps).unwrap(); // allow-panic: test module (script/mod.rs: #[cfg(test)] mod tests)
    assert_eq!(s.signature(), Some(DER));
    assert_eq!(
        s.text_after_block(),
        Some(u64::try_from(t.len() - 5).unwrap()..u64::try_from(t.len()).unwrap())
    );
    let bad = format!("a\r\n# SIG # Begin signature block\r\n{padding}MAMCAQE=\r\n# SIG # End signature block\r\n");
    assert_eq!(
        Script::parse(bad.as_bytes(), ps).unwrap_err(),
        ScriptError::MalformedLine {
            offset: u64::try_from(3 + 31 + padding.len()).unwrap()
        }
    );
    let huge = format!(
        "a\r\n# SIG # Begin signature block\r\n{}# SIG # End signature block\r\n",
        "# \r\n".repeat(MAX_BLOCK_SPAN / 4 + 1)
    );
    assert_eq!(
        Script::parse(huge.as_bytes(), ps).unwrap_err(),
        ScriptError::BlockSpanTooLarge {
            offset: 3,
            max: u64::try_from(MAX_BLOCK_SPAN).unwrap()
        }
    );
}
