//! Signed scripts: PowerShell (`.ps1 .psm1 .psd1`, and the XML forms `.ps1xml .psc1
//! .cdxml`), MOF, and the Windows Script Host languages JScript (`.js`), VBScript (`.vbs`) and
//! Windows Script Files (`.wsf`). Each carries its PKCS#7 as base64 in a block of comment
//! lines; the digest is over the text as UTF-16LE, as the script's subject interface
//! package (SIP) computes it. docs/ARCHITECTURE.md, "Scripts", has the evidence for every
//! rule here.
//!
//! Zero-copy over the file's bytes: parsing borrows them, the digest streams them through
//! a 32 KiB conversion buffer, and the only copies are the block's base64 text and the
//! decoded signature (each bounded by [`MAX_BLOCK`]). Every pass over the text goes through
//! a feed of its bytes (a slice in memory, or a file read in chunks, `Verifier::verify_reader`),
//! so a script of any size is verified in memory independent of its size: a window of the
//! text while its begin lines are searched for, the block (at most [`MAX_BLOCK_SPAN`]
//! bytes) while it is decoded, the conversion buffer while it is hashed. A `.wsf` file is
//! the exception: where its block belongs (the last `</job>`) is searched in its text held
//! whole.

mod block;
mod text;

use crate::digest::{DigestAlgorithm, Feed, MultiDigest};
use crate::error::ScriptError;

pub use block::{MAX_BLOCK, MAX_BLOCK_SPAN};
pub use text::TextEncoding;
use text::Utf16Sink;

/// A script language, as far as signing tells them apart: each has its own comment syntax
/// for the signature block, SIP and digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum ScriptLanguage {
    /// PowerShell scripts, modules and data files (`.ps1 .psm1 .psd1`): `# ` comments.
    PowerShell,
    /// PowerShell's XML files (`.ps1xml .psc1 .cdxml`): `<!-- -->` comments.
    PowerShellXml,
    /// Managed Object Format (`.mof`), signed by the PowerShell SIP: `/* */` comments.
    Mof,
    /// JScript (`.js`) under the Windows Script Host: `// SIG // ` comments.
    JScript,
    /// VBScript (`.vbs`): `'' SIG '' ` comments.
    VbScript,
    /// Windows Script Files (`.wsf`): a `<signature>` element before the last `</job>`.
    WindowsScriptFile,
}

/// Every language, in the order content detection tries them.
const LANGUAGES: [ScriptLanguage; 6] = [
    ScriptLanguage::PowerShell,
    ScriptLanguage::PowerShellXml,
    ScriptLanguage::Mof,
    ScriptLanguage::JScript,
    ScriptLanguage::VbScript,
    ScriptLanguage::WindowsScriptFile,
];

/// What a signature's SpcIndirectDataContent must say about a script: `data` is of type
/// SPC_SIPINFO_OBJ (1.3.6.1.4.1.311.2.1.30) and its SpcSipInfo names this SIP's GUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptSip {
    /// The GUID as SpcSipInfo stores it (the GUID structure's bytes: three little-endian
    /// fields, then eight bytes).
    pub guid: [u8; 16],
    /// The SpcSipInfo version the signers write (65536 for PowerShell, 1 for WSH); not
    /// checked (Windows selects the SIP by its GUID).
    pub version: u32,
    /// The GUID as Windows' registry spells it.
    pub name: &'static str,
}

/// The PowerShell SIP (pwrshsip.dll), {603BCC1F-4B59-4E08-B724-D2C6297EF351}.
const POWERSHELL_SIP: ScriptSip = ScriptSip {
    guid: [
        0x1f, 0xcc, 0x3b, 0x60, 0x59, 0x4b, 0x08, 0x4e, 0xb7, 0x24, 0xd2, 0xc6, 0x29, 0x7e, 0xf3, 0x51,
    ],
    version: 65536,
    name: "{603BCC1F-4B59-4E08-B724-D2C6297EF351}",
};

impl ScriptLanguage {
    /// The language of a file name's extension (case-insensitive), if it is a script's.
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.to_ascii_lowercase();
        Some(match ext.as_str() {
            "ps1" | "psm1" | "psd1" => Self::PowerShell,
            "ps1xml" | "psc1" | "cdxml" => Self::PowerShellXml,
            "mof" => Self::Mof,
            "js" => Self::JScript,
            "vbs" => Self::VbScript,
            "wsf" => Self::WindowsScriptFile,
            _ => return None,
        })
    }

    /// The language of a file: its name's extension when that is a script's, else the one
    /// language whose signature block's begin line the text holds (a named file with
    /// another extension, or bytes without a name). Formats with a magic number (PE,
    /// cabinet, MSI) are told apart before this is asked.
    pub fn detect(name: Option<&str>, bytes: &[u8]) -> Option<Self> {
        let ext = name.and_then(|n| std::path::Path::new(n).extension()?.to_str());
        if let Some(language) = ext.and_then(Self::from_extension) {
            return Some(language);
        }
        let mut found = LANGUAGES.into_iter().filter(|l| block::has_begin_line(bytes, *l));
        match (found.next(), found.next()) {
            (Some(language), None) => Some(language),
            _ => None,
        }
    }

    /// The name reports use (`powershell`, `powershell-xml`, `mof`, `jscript`,
    /// `vbscript`, `wsf`).
    pub fn name(self) -> &'static str {
        match self {
            Self::PowerShell => "powershell",
            Self::PowerShellXml => "powershell-xml",
            Self::Mof => "mof",
            Self::JScript => "jscript",
            Self::VbScript => "vbscript",
            Self::WindowsScriptFile => "wsf",
        }
    }

    /// The SIP that computes this language's digest, as a signature names it.
    pub fn sip(self) -> ScriptSip {
        match self {
            Self::PowerShell | Self::PowerShellXml | Self::Mof => POWERSHELL_SIP,
            Self::JScript => ScriptSip {
                guid: [
                    0x10, 0xe0, 0xc9, 0x06, 0xce, 0x38, 0xd4, 0x11, 0xa2, 0xa3, 0x00, 0x10, 0x4b, 0xd3, 0x50, 0x90,
                ],
                version: 1,
                name: "{06C9E010-38CE-11D4-A2A3-00104BD35090}",
            },
            Self::VbScript => ScriptSip {
                guid: [
                    0x4e, 0xf0, 0x29, 0x16, 0x99, 0x27, 0xb5, 0x4d, 0x8f, 0xe5, 0xac, 0xe1, 0x0f, 0x17, 0xeb, 0xab,
                ],
                version: 1,
                name: "{1629F04E-2799-4DB5-8FE5-ACE10F17EBAB}",
            },
            Self::WindowsScriptFile => ScriptSip {
                guid: [
                    0x70, 0x05, 0x61, 0x1a, 0xce, 0x38, 0xd4, 0x11, 0xa2, 0xa3, 0x00, 0x10, 0x4b, 0xd3, 0x50, 0x90,
                ],
                version: 1,
                name: "{1A610570-38CE-11D4-A2A3-00104BD35090}",
            },
        }
    }

    /// A Windows Script Host language: its own SIP, whose digest drops the byte order
    /// mark, covers the text around the block and then a position; a BOM-less text is ANSI.
    pub fn is_wsh(self) -> bool {
        matches!(self, Self::JScript | Self::VbScript | Self::WindowsScriptFile)
    }

    /// The encoding of a text without a byte order mark.
    fn default_encoding(self) -> TextEncoding {
        if self.is_wsh() {
            TextEncoding::Windows1252
        } else {
            TextEncoding::Utf8
        }
    }
}

impl std::fmt::Display for ScriptLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A script and its signature block, borrowed from the file's bytes.
#[derive(Clone, Debug)]
pub struct Script<'a> {
    /// As long as the file; holds at least its first bytes (the byte order mark), and, for a
    /// script parsed from a feed ([`Script::parse_fed`]), nothing else that is read from
    /// here (all else is read through the feed).
    bytes: &'a [u8],
    language: ScriptLanguage,
    encoding: TextEncoding,
    /// The text the digest covers ends here: before the line terminator that precedes the
    /// block (the whole file when unsigned).
    body_end: usize,
    /// Where the text after the block starts (the file's length when there is none).
    after_block: usize,
    signature: Option<Vec<u8>>,
    block_offset: Option<usize>,
    /// Bytes of the hashed text that are not UTF-8, counted by the pass that hashes it
    /// ([`Script::digests_fed`]).
    not_utf8: std::sync::OnceLock<usize>,
    /// The block from the line break before its begin line, as file offsets, and the
    /// SHA-256 of its bytes as read ([`Script::block_read`]).
    block_read: Option<(std::ops::Range<u64>, Vec<u8>)>,
}

impl<'a> Script<'a> {
    /// Reads `bytes` as a script in `language`: its encoding and its signature block, if
    /// any. A malformed block is an error, not an unsigned script.
    pub fn parse(bytes: &'a [u8], language: ScriptLanguage) -> Result<Self, ScriptError> {
        Self::parse_fed(bytes, language, &mut *crate::digest::slice_feed(bytes, &mut |_| {}))
    }

    /// [`Script::parse`] with the text read through `feed`; `bytes` is as long as the file and
    /// holds its first bytes (at least four). A `.wsf` file's `bytes` must hold all of it
    /// (where its block belongs is searched in the text held whole).
    pub(crate) fn parse_fed(
        bytes: &'a [u8],
        language: ScriptLanguage,
        feed: &mut Feed<'_>,
    ) -> Result<Self, ScriptError> {
        let encoding = TextEncoding::detect(bytes, language.default_encoding())?;
        let found = block::find(bytes.len(), encoding, language, feed)?;
        let script = match found {
            None => Self {
                bytes,
                language,
                encoding,
                body_end: bytes.len(),
                after_block: bytes.len(),
                signature: None,
                block_offset: None,
                not_utf8: std::sync::OnceLock::new(),
                block_read: None,
            },
            Some(b) => Self {
                block_read: Some((
                    crate::num::usize_u64(b.lines)..crate::num::usize_u64(b.after),
                    b.read_hash,
                )),
                bytes,
                language,
                encoding,
                body_end: b.body_end,
                after_block: b.after,
                signature: Some(b.der),
                block_offset: Some(b.begin),
                not_utf8: std::sync::OnceLock::new(),
            },
        };
        if script.signature.is_some() && language == ScriptLanguage::WindowsScriptFile {
            script.wsf_position()?;
        }
        Ok(script)
    }

    /// Where the signature block lies, from the line break before its begin line to the text
    /// after the block (neither that line break nor the begin line is hashed, yet they
    /// decide where the hashed text ends), and the SHA-256 of those bytes as they were read:
    /// a reader checks them unchanged once the verification is done, as it checks a PE
    /// image's certificate table.
    pub(crate) fn block_read(&self) -> Option<(std::ops::Range<u64>, &[u8])> {
        self.block_read.as_ref().map(|(r, h)| (r.clone(), h.as_slice()))
    }

    /// The language this script was read as.
    pub fn language(&self) -> ScriptLanguage {
        self.language
    }

    /// The text's encoding.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The PKCS#7 SignedData (DER) the block carries, if the script is signed.
    pub fn signature(&self) -> Option<&[u8]> {
        self.signature.as_deref()
    }

    /// Offset of the signature block's begin line.
    pub fn block_offset(&self) -> Option<u64> {
        self.block_offset.map(crate::num::usize_u64)
    }

    /// Text after a PowerShell-family block (`offset..len`): no SIP hashes it, and the
    /// signature cannot vouch for it, so the verifier calls the file invalid. WSH
    /// languages hash the text after their block, so they never have any here.
    pub fn text_after_block(&self) -> Option<std::ops::Range<u64>> {
        (!self.language.is_wsh() && self.signature.is_some() && self.after_block < self.bytes.len())
            .then(|| crate::num::usize_u64(self.after_block)..crate::num::usize_u64(self.bytes.len()))
    }

    /// The digests in `algorithms` of what the language's SIP hashes, in one pass:
    ///
    /// * PowerShell family: the text before the block's leading line terminator, byte order
    ///   mark included, as UTF-16LE (UTF-16LE files as stored, UTF-8 converted, each byte
    ///   that is not UTF-8 as U+FFFD).
    /// * WSH: the text without its byte order mark and without the block (its leading
    ///   and trailing line terminators included), as UTF-16LE, then the block's position in
    ///   that text in UTF-16 code units as a little-endian u32: where the block is found
    ///   (which a signer makes the text's length for `.js` and `.vbs`, where the block is
    ///   appended, and the last `</job>` for `.wsf`), so a block moved after signing
    ///   changes the digest.
    ///
    /// Memory: a 32 KiB conversion buffer, whatever the script's size.
    pub fn digests(&self, algorithms: &[DigestAlgorithm]) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.digests_fed(algorithms, &mut *crate::digest::slice_feed(self.bytes, &mut |_| {}))
    }

    /// [`Script::digests`] with the text read through `feed` (in chunks, each converted as
    /// it comes), counting the bytes that are not UTF-8 on the way
    /// ([`Script::bytes_not_utf8`]).
    pub(crate) fn digests_fed(
        &self,
        algorithms: &[DigestAlgorithm],
        feed: &mut Feed<'_>,
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        let mut hasher = MultiDigest::new(algorithms);
        let mut sink = Utf16Sink::new(&mut hasher);
        let (before, after) = self.hashed_ranges();
        let encoding = self.encoding;
        let mut part = |sink: &mut Utf16Sink<'_>, range: std::ops::Range<u64>| {
            crate::digest::feed_chunked(range, feed, &mut |piece| sink.piece(piece, encoding));
            sink.end_part(encoding);
        };
        part(&mut sink, before);
        if self.language.is_wsh() {
            // Where the block *is*, not where a signer would have put it: hashing the
            // latter let the block move anywhere in the text (splitting one line in two)
            // with the digest unchanged. On a file as signed the two are equal (the text's
            // end for .js/.vbs, the last `</job>` for .wsf).
            let position = sink.units();
            part(&mut sink, after);
            let _ = self.not_utf8.set(sink.not_utf8());
            sink.flush();
            // A DWORD: Windows' position wraps past 4 Gi units as the SIP's would.
            let low = position & u64::from(u32::MAX);
            hasher.update(&u32::try_from(low).unwrap_or(u32::MAX).to_le_bytes());
        } else {
            let _ = self.not_utf8.set(sink.not_utf8());
            sink.flush();
        }
        hasher.finalize()
    }

    /// Bytes of the hashed text that are not UTF-8, in a UTF-8 text: each hashes as U+FFFD
    /// (the SIP's conversion, as osslsigncode computes it), so the digest does not bind
    /// which byte it was, and any such byte can be swapped for another with the digest
    /// unchanged. Windows PowerShell reads a BOM-less script as ANSI, where such a swap can
    /// turn a byte into a quote (docs/ARCHITECTURE.md, "Scripts").
    ///
    /// Counted by the pass that hashes the text: by this call when none has yet (a script
    /// parsed from a feed has always been hashed first, `Verifier::verify_fed`).
    pub fn bytes_not_utf8(&self) -> usize {
        if !matches!(self.encoding, TextEncoding::Utf8 | TextEncoding::Utf8Bom) {
            return 0;
        }
        if self.not_utf8.get().is_none() {
            self.digests(&[]);
        }
        self.not_utf8.get().copied().unwrap_or(0)
    }

    /// The hash a catalog lists this script by: the hash of the file's bytes, signature
    /// block and all. Windows' catalog lookup (CryptCATAdminCalcHashFromFileHandle) hashes
    /// with the SIP CryptSIPRetrieveSubjectGuidForCatalogFile names, which serves PE
    /// images, cabinets and flat files only, so a script is hashed flat; osslsigncode's
    /// `verify -catalog` does the same (the `catalog_lookups` of
    /// test-vectors/scripts/manifest.json). Streamed from the borrowed bytes.
    pub fn catalog_digests(&self, algorithms: &[DigestAlgorithm]) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        self.catalog_digests_fed(algorithms, &mut *crate::digest::slice_feed(self.bytes, &mut |_| {}))
    }

    /// [`Script::catalog_digests`] with the file read through `feed` (not read at all when
    /// `algorithms` is empty: no catalogs to look the script up in).
    pub(crate) fn catalog_digests_fed(
        &self,
        algorithms: &[DigestAlgorithm],
        feed: &mut Feed<'_>,
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        if algorithms.is_empty() {
            return Vec::new();
        }
        let whole = 0..crate::num::len_u64(self.bytes);
        crate::digest::ranges_fed(std::slice::from_ref(&whole), algorithms, feed)
    }

    /// The ranges of the file [`Script::hashed_parts`] are.
    fn hashed_ranges(&self) -> (std::ops::Range<u64>, std::ops::Range<u64>) {
        let start = if self.language.is_wsh() {
            self.encoding.bom_len()
        } else {
            0
        };
        let u = crate::num::usize_u64;
        let len = self.bytes.len();
        (
            u(start.min(self.body_end))..u(self.body_end.min(len)),
            u(self.after_block.min(len))..u(len),
        )
    }

    /// The text the SIP hashes: before the block and (WSH) after it, the BOM dropped for
    /// WSH.
    fn hashed_parts(&self) -> (&'a [u8], &'a [u8]) {
        let start = if self.language.is_wsh() {
            self.encoding.bom_len()
        } else {
            0
        };
        let before = self.bytes.get(start..self.body_end).unwrap_or_default();
        let after = self.bytes.get(self.after_block..).unwrap_or_default();
        (before, after)
    }

    /// Where a signer puts a `.wsf` file's block: the last `</job>` of the text without the
    /// block, in UTF-16 code units (a signed `.wsf` without one is refused; the digest
    /// hashes where the block is, which on a file as signed is this).
    fn wsf_position(&self) -> Result<u64, ScriptError> {
        let (before, after) = self.hashed_parts();
        let before_units = text::utf16_units(before, self.encoding);
        if let Some(at) = block::rfind_ascii(after, self.encoding, "</job>") {
            let prefix = after.get(..at).unwrap_or_default();
            return Ok(before_units.saturating_add(text::utf16_units(prefix, self.encoding)));
        }
        let at = block::rfind_ascii(before, self.encoding, "</job>").ok_or(ScriptError::WsfWithoutJob)?;
        Ok(text::utf16_units(before.get(..at).unwrap_or_default(), self.encoding))
    }
}

/// The SpcSipInfo `value` (DER, the SEQUENCE after the SPC_SIPINFO_OBJ type) names `sip`'s
/// GUID: the check the verifier makes besides the data type.
pub fn sip_info_names(value: &[u8], sip: &ScriptSip) -> bool {
    sip_info_guid(value).is_some_and(|g| g == sip.guid)
}

/// The GUID of an SpcSipInfo: SEQUENCE { version INTEGER, guid OCTET STRING (16), five
/// INTEGERs }.
fn sip_info_guid(value: &[u8]) -> Option<[u8; 16]> {
    use der::Tag;
    let seq = crate::asn1::Tlv::parse_exact(value, 0, "SpcSipInfo").ok()?;
    let mut r = seq.expect_tag(Tag::Sequence, "SpcSipInfo").ok()?.contents();
    r.expect_tag(Tag::Integer, "SpcSipInfo.version").ok()?;
    let guid = r.expect_tag(Tag::OctetString, "SpcSipInfo.guid").ok()?;
    guid.value.try_into().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests;
