//! Errors, one type per layer, each carrying what a user needs to locate the problem.
//!
//! These are for input that cannot be processed at all. A signature that parses but does
//! not verify is not an error: it is a finding in the report (`report` module).

use thiserror::Error;

/// A DER element could not be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Asn1Error {
    /// The input ended inside an element.
    #[error("{what}: truncated DER element at offset {offset}")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Offset of the element.
        offset: usize,
    },
    /// The element had another tag than the structure requires.
    #[error("{what}: expected {expected} at offset {offset}, found {found}")]
    UnexpectedTag {
        /// The structure being read.
        what: &'static str,
        /// Offset of the element.
        offset: usize,
        /// The tag required.
        expected: String,
        /// The tag found.
        found: String,
    },
    /// Bytes were left after the last element of a structure.
    #[error("{what}: {len} unexpected trailing bytes at offset {offset}")]
    TrailingData {
        /// The structure being read.
        what: &'static str,
        /// Offset of the first trailing byte.
        offset: usize,
        /// How many bytes are left.
        len: usize,
    },
    /// The `der` crate rejected a value.
    #[error("{what}: invalid DER at offset {offset}: {detail}")]
    Der {
        /// The structure being read.
        what: &'static str,
        /// Offset of the element.
        offset: usize,
        /// The decoder's message.
        detail: String,
    },
}

/// The file is not a PE image this crate can read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageError {
    /// Fewer bytes than a DOS header.
    #[error("file is {len} bytes, too small for a PE image")]
    TooSmall {
        /// File length.
        len: u64,
    },
    /// No `MZ` signature.
    #[error("not a PE image: no MZ signature")]
    NotMz,
    /// `e_lfanew` points outside the file.
    #[error("e_lfanew {e_lfanew:#x} points outside the file ({len} bytes)")]
    LfanewOutOfRange {
        /// The value of `e_lfanew`.
        e_lfanew: u64,
        /// File length.
        len: u64,
    },
    /// No `PE\0\0` at `e_lfanew`.
    #[error("no PE signature at offset {offset:#x}")]
    NotPe {
        /// Offset of the expected signature.
        offset: u64,
    },
    /// A header field lies beyond the end of the file.
    #[error("{what} at offset {offset:#x} lies beyond the end of the file ({len} bytes)")]
    Truncated {
        /// The field.
        what: &'static str,
        /// Its offset.
        offset: u64,
        /// File length.
        len: u64,
    },
    /// Neither PE32 (0x10b) nor PE32+ (0x20b).
    #[error("unknown optional header magic {magic:#06x}")]
    UnknownMagic {
        /// The magic found.
        magic: u16,
    },
    /// Two sections' raw data overlap: page hashes would hash the same bytes again and
    /// again (a 1.1 MB file with 4,096 overlapping sections asked for gigabytes of hashing),
    /// and no linker writes such a table.
    #[error("sections overlap: raw data at {second:#x} starts inside the section at {first:#x}")]
    OverlappingSections {
        /// File offset of the earlier section.
        first: u64,
        /// File offset of the section that starts inside it.
        second: u64,
    },
    /// The optional header is too small to hold a CheckSum.
    #[error("SizeOfOptionalHeader {size} is too small to hold the CheckSum field")]
    OptionalHeaderTooSmall {
        /// The declared size.
        size: u16,
    },
    /// Exactly one of the security directory's address and size is zero.
    #[error("security directory is half empty (offset {offset:#x}, size {size:#x})")]
    HalfEmptySecurityDirectory {
        /// Declared file offset.
        offset: u32,
        /// Declared size.
        size: u32,
    },
    /// The certificate table lies (partly) outside the file or inside the headers.
    #[error("certificate table [{offset:#x}, +{size:#x}) does not fit in the file ({len} bytes) after the headers")]
    CertTableOutOfRange {
        /// Declared file offset.
        offset: u64,
        /// Declared size.
        size: u64,
        /// File length.
        len: u64,
    },
}

/// A cabinet's header or its signature's place cannot be read ([MS-CAB]).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CabinetError {
    /// A header field lies beyond the end of the file.
    #[error("cabinet: {what} at offset {offset} lies beyond the end of the file ({len} bytes)")]
    Truncated {
        /// The field.
        what: &'static str,
        /// Its offset.
        offset: u64,
        /// File length.
        len: u64,
    },
    /// The header's reserved area is not the 20 bytes an Authenticode signature uses.
    #[error("cabinet: a header reserve of {size} bytes, not the 20 of an Authenticode signature")]
    HeaderReserve {
        /// cbCFHeader.
        size: u16,
    },
    /// The signature the header points at lies outside the file.
    #[error("cabinet: the signature at offset {offset} ({len} bytes) lies outside the file ({file_len} bytes)")]
    SignatureOutside {
        /// Its offset.
        offset: u64,
        /// Its length.
        len: u64,
        /// File length.
        file_len: u64,
    },
    /// The folder table does not end where the file table starts (folders with reserved
    /// bytes, or a wrong coffFiles): the digest's layout cannot be followed.
    #[error("cabinet: the folder table ends at offset {folders_end}, coffFiles says {files_offset}")]
    FolderTable {
        /// Where the CFFOLDER entries end.
        folders_end: u64,
        /// coffFiles.
        files_offset: u64,
    },
    /// A previous/next cabinet name without its terminating NUL.
    #[error("cabinet: unterminated name at offset {offset}")]
    Name {
        /// Its offset.
        offset: u64,
    },
}

/// The members of a cabinet (the trust lists Windows Update serves, `authrootstl.cab`)
/// cannot be read ([MS-CAB]): what is wrong, and where (an offset in the file or a member).
/// Nested in [`TrustError::Cabinet`], which names the file and says how to extract it.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CabinetMembersError {
    /// The file does not start with `MSCF`.
    #[error("not a cabinet (no MSCF signature)")]
    NotCabinet,
    /// A header, folder, file or data-block field lies beyond the end of the file.
    #[error("{what} truncated at offset {offset}")]
    Truncated {
        /// The field.
        what: &'static str,
        /// Its offset.
        offset: u64,
    },
    /// A member name without its terminating NUL within [MS-CAB]'s 256 bytes.
    #[error("unterminated name at offset {offset}")]
    Name {
        /// Its offset.
        offset: u64,
    },
    /// More members than are read.
    #[error("{count} members (at most {max} are read)")]
    TooManyMembers {
        /// cFiles.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A cabinet of a set (a previous or next cabinet is named).
    #[error("spans several cabinets (only single cabinets are read)")]
    Spanned,
    /// A member names a folder the cabinet does not have.
    #[error("{member}: folder {folder} does not exist")]
    NoSuchFolder {
        /// The member.
        member: String,
        /// Its iFolder.
        folder: usize,
    },
    /// A member's bytes lie outside its inflated folder.
    #[error("{member}: {size} bytes at {offset} lie outside its folder ({folder_len} bytes)")]
    OutsideFolder {
        /// The member.
        member: String,
        /// cbFile.
        size: usize,
        /// uoffFolderStart.
        offset: usize,
        /// The folder's inflated size.
        folder_len: usize,
    },
    /// The members copied out exceed the cabinet's bound.
    #[error("members larger than {limit} bytes in all")]
    MembersTooLarge {
        /// The bound.
        limit: usize,
    },
    /// A folder compressed with a method this reader does not inflate.
    #[error("{method}-compressed folders are not read")]
    Compression {
        /// `LZX` or `Quantum`.
        method: &'static str,
    },
    /// A data block's bytes run past the end of the file.
    #[error("data block at {offset} runs past the end")]
    BlockPastEnd {
        /// Where the block's header starts.
        offset: u64,
    },
    /// The folders inflate to more than the cabinet's bound.
    #[error("the cabinet inflates to more than {limit} bytes")]
    InflatesTooLarge {
        /// The bound.
        limit: usize,
    },
    /// An uncompressed block whose packed and unpacked sizes differ.
    #[error("uncompressed block at {offset} of {packed} bytes declares {size}")]
    StoredSize {
        /// Where the block's header starts.
        offset: u64,
        /// cbData.
        packed: usize,
        /// cbUncomp.
        size: usize,
    },
    /// An MSZIP block without its `CK` signature.
    #[error("MSZIP block at {offset} lacks its CK signature")]
    MszipSignature {
        /// Where the block's data starts.
        offset: u64,
    },
    /// An MSZIP block declaring more than the 32 KiB a block inflates to.
    #[error("MSZIP block at {offset} declares {size} bytes (at most {max})")]
    MszipSize {
        /// Where the block's data starts.
        offset: u64,
        /// cbUncomp.
        size: usize,
        /// The format's bound.
        max: usize,
    },
    /// An MSZIP block that does not inflate to the size it declares.
    #[error("MSZIP block at {offset} inflates to {written} bytes ({status}), declares {size}")]
    Inflate {
        /// Where the block's data starts.
        offset: u64,
        /// What it inflated to.
        written: usize,
        /// The inflater's status.
        status: String,
        /// cbUncomp.
        size: usize,
    },
    /// A cabinet without members.
    #[error("no members")]
    NoMembers,
    /// An LZX block the decoder (`lzxd`) refuses.
    #[error("LZX block at {offset}: {detail}")]
    Lzx {
        /// Where the block's data starts.
        offset: u64,
        /// The decoder's reason.
        detail: String,
    },
    /// An LZX folder whose window size is outside the format's 2^15..=2^21.
    #[error("LZX window of 2^{bits} bytes (the format allows 2^15 to 2^21)")]
    LzxWindow {
        /// The window's bits, from typeCompress.
        bits: u16,
    },
}

/// Why a container's payload (`verify --payload`: the members of a cabinet, ZIP archive or
/// MSI package) could not be walked, or a member was refused by the walk's bounds.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// A cabinet's tables or data blocks.
    #[error("cabinet: {0}")]
    Cabinet(#[from] CabinetMembersError),
    /// A ZIP archive's records or a member's deflate stream.
    #[error("ZIP: {0}")]
    Zip(#[from] AppxError),
    /// An MSI package's compound file or tables.
    #[error("MSI: {0}")]
    Msi(#[from] MsiError),
    /// A bound of the walk (`authverify::payload::limits`): members, bytes, ratio, depth.
    #[error("{what} {found} exceeds the bound {limit}")]
    Bound {
        /// What was counted.
        what: &'static str,
        /// How much was found (or would be reached).
        found: u64,
        /// The bound.
        limit: u64,
    },
    /// An MSI package's tables do not say where a file's content is.
    #[error("MSI tables: {detail}")]
    Tables {
        /// What is wrong.
        detail: String,
    },
    /// The container read from a file could not be read on.
    #[error("reading the container: {detail}")]
    Read {
        /// The I/O error.
        detail: String,
    },
    /// The container read from a file changed while its payload was walked (reported as
    /// [`Error::Changed`]).
    #[error("the container changed while its payload was walked: {detail}")]
    Changed {
        /// What differed.
        detail: String,
    },
}

/// A catalog file (`.cat`) cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatalogError {
    /// The PKCS#7 around the list.
    #[error("catalog: {0}")]
    SignedData(#[from] SignedDataError),
    /// The list's DER.
    #[error("catalog: {0}")]
    Asn1(#[from] Asn1Error),
    /// Not a catalog (another content or another kind of list).
    #[error("not a catalog: {detail}")]
    NotACatalog {
        /// What it is instead.
        detail: String,
    },
    /// More members than the bound.
    #[error("catalog: more than {limit} members")]
    TooManyMembers {
        /// The bound.
        limit: usize,
    },
}

/// An MSI package's compound file or its streams cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MsiError {
    /// The OLE compound file is malformed.
    #[error("MSI: the compound file cannot be read: {detail}")]
    Compound {
        /// What the reader said.
        detail: String,
    },
    /// A stream could not be read to its end.
    #[error("MSI: stream {stream} cannot be read: {detail}")]
    Stream {
        /// The stream's name.
        stream: String,
        /// What the reader said.
        detail: String,
    },
    /// A signature stream larger than any signature.
    #[error("MSI: stream {stream} is {len} bytes (at most {max} are read)")]
    StreamTooLarge {
        /// The stream's name.
        stream: String,
        /// Its length.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// A directory with more entries than any package has (each entry costs the walk over
    /// the directory memory, so they are bounded).
    #[error("MSI: the directory holds more than {limit} entries")]
    TooManyEntries {
        /// The bound.
        limit: usize,
    },
    /// Storages nested deeper than the bound.
    #[error("MSI: storages nested deeper than {limit} levels")]
    TooDeep {
        /// The bound.
        limit: usize,
    },
}

/// A script's text or its signature block cannot be read (PowerShell, MOF, JScript,
/// VBScript, Windows Script Files; docs/ARCHITECTURE.md, "Scripts"). Offsets are in bytes
/// from the start of the file.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptError {
    /// A byte order mark of an encoding no script signature interface reads.
    #[error("script: {encoding} text is not read by the script signature interfaces")]
    UnsupportedEncoding {
        /// The encoding its byte order mark names.
        encoding: &'static str,
    },
    /// UTF-16 text of an odd number of bytes.
    #[error("script: UTF-16 text of {len} bytes, an odd number")]
    OddLength {
        /// File length.
        len: u64,
    },
    /// Two signature blocks: which one Windows would take is not known, so no verdict is.
    #[error("script: a second signature block begins at offset {second} (the first at {first})")]
    DuplicateBlock {
        /// Offset of the first begin line.
        first: u64,
        /// Offset of the second.
        second: u64,
    },
    /// A begin line without its end line.
    #[error("script: the signature block at offset {offset} has no end line")]
    UnterminatedBlock {
        /// Offset of the begin line.
        offset: u64,
    },
    /// A line inside the block that is not a comment of base64 text.
    #[error("script: line at offset {offset} inside the signature block is not a signature line")]
    MalformedLine {
        /// Offset of the line.
        offset: u64,
    },
    /// The block's text is not base64.
    #[error("script: the signature block at offset {offset} is not base64: {detail}")]
    NotBase64 {
        /// Offset of the begin line.
        offset: u64,
        /// What the decoder said.
        detail: String,
    },
    /// A block holding more than any signature.
    #[error("script: the signature block holds {len} bytes of base64 (at most {max} are read)")]
    BlockTooLarge {
        /// Base64 characters in the block.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// A block spanning more bytes, begin line to end line, than any signature needs
    /// (`script::MAX_BLOCK_SPAN`).
    #[error("script: the signature block at offset {offset} spans more than {max} bytes")]
    BlockSpanTooLarge {
        /// Offset of the begin line.
        offset: u64,
        /// The bound.
        max: u64,
    },
    /// A begin and end line with nothing between them.
    #[error("script: the signature block at offset {offset} is empty")]
    EmptyBlock {
        /// Offset of the begin line.
        offset: u64,
    },
    /// A signed Windows Script File without the `</job>` its signature is placed before
    /// (its digest covers that position).
    #[error("script: a signed Windows Script File without </job>")]
    WsfWithoutJob,
}

/// The attribute certificate table (WIN_CERTIFICATE entries) is malformed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertTableError {
    /// `dwLength` is smaller than the 8-byte header.
    #[error("WIN_CERTIFICATE at offset {offset:#x}: dwLength {length} is smaller than its 8-byte header")]
    LengthTooSmall {
        /// File offset of the entry.
        offset: u64,
        /// The declared length.
        length: u32,
    },
    /// An entry (or its 8-byte alignment padding) runs past the end of the table.
    #[error(
        "WIN_CERTIFICATE at offset {offset:#x}: dwLength {length} runs past the end of the table at {table_end:#x}"
    )]
    PastTableEnd {
        /// File offset of the entry.
        offset: u64,
        /// The declared length.
        length: u32,
        /// File offset where the table ends.
        table_end: u64,
    },
    /// Bytes too few for an entry header are left at the end of the table.
    #[error("certificate table: {len} stray bytes at offset {offset:#x} (sum of entry lengths does not equal the directory size)")]
    StrayBytes {
        /// File offset of the stray bytes.
        offset: u64,
        /// How many.
        len: u64,
    },
    /// More entries than the bound.
    #[error("certificate table has more than {limit} entries")]
    TooManyEntries {
        /// The bound.
        limit: usize,
    },
}

/// A PKCS#7 / CMS structure is malformed or not Authenticode.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedDataError {
    /// The DER could not be read.
    #[error(transparent)]
    Asn1(#[from] Asn1Error),
    /// ContentInfo is not SignedData.
    #[error("ContentInfo type {oid} is not pkcs7-signedData")]
    NotSignedData {
        /// The content type found.
        oid: String,
    },
    /// The encapsulated content is not SpcIndirectDataContent (or TSTInfo for tokens).
    #[error("encapsulated content type {found} is not {expected}")]
    WrongContentType {
        /// What was required.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// No encapsulated content.
    #[error("SignedData has no encapsulated content")]
    NoContent,
    /// Authenticode requires exactly one SignerInfo.
    #[error("SignedData has {count} SignerInfos; Authenticode requires exactly one")]
    SignerCount {
        /// How many were found.
        count: usize,
    },
    /// A signed attribute that must be single appears more than once, or not at all.
    #[error("signed attribute {name} appears {count} times; exactly one is required")]
    AttributeCount {
        /// The attribute.
        name: &'static str,
        /// How many were found.
        count: usize,
    },
    /// An algorithm this crate does not know.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Which algorithm slot.
        what: &'static str,
        /// Its OID.
        oid: String,
    },
    /// Nested signatures deeper than the bound.
    #[error("nested signatures exceed the bound of {limit}")]
    NestingTooDeep {
        /// The bound.
        limit: usize,
    },
    /// The SpcSerializedObject of SpcPeImageData is not the page hashes'.
    #[error("SpcSerializedObject with unknown class id {class_id}")]
    PageHashClass {
        /// Its class id, hex.
        class_id: String,
    },
    /// Page hashes of a type other than SHA-1 (v1) and SHA-256 (v2).
    #[error("unknown page hash type {oid}")]
    PageHashType {
        /// The type's OID.
        oid: String,
    },
}

/// A certificate could not be parsed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// The DER could not be read by the raw walk.
    #[error(transparent)]
    Asn1(#[from] Asn1Error),
    /// `x509-cert` rejected it.
    #[error("certificate does not parse: {detail}")]
    X509 {
        /// The decoder's message.
        detail: String,
    },
    /// The TBSCertificate's signature algorithm differs from the outer one (RFC 5280
    /// §4.1.1.2).
    #[error("TBSCertificate signature algorithm {tbs} differs from signatureAlgorithm {outer}, or its parameters do (RFC 5280 4.1.1.2)")]
    SignatureAlgorithmMismatch {
        /// The algorithm inside the signed part.
        tbs: String,
        /// The algorithm outside it.
        outer: String,
    },
    /// The same extension twice (RFC 5280 §4.2).
    #[error("extension {oid} appears more than once (RFC 5280 4.2)")]
    DuplicateExtension {
        /// The extension's OID.
        oid: String,
    },
}

/// A certificate revocation list could not be parsed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlError {
    /// The DER could not be read by the raw walk.
    #[error(transparent)]
    Asn1(#[from] Asn1Error),
    /// A version other than v2 (the only one that may be written, RFC 5280 §5.1.2.1).
    #[error("CRL version {version} is not v2 (1)")]
    Version {
        /// The INTEGER as encoded (v2 is 1).
        version: u8,
    },
    /// The TBSCertList's signature algorithm differs from the outer one.
    #[error("TBSCertList signature algorithm differs from signatureAlgorithm (RFC 5280 5.1.1.2)")]
    SignatureAlgorithmMismatch,
    /// The same extension twice in one list or entry.
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// The extension's OID.
        oid: String,
    },
    /// A reasonCode that is not a one-octet ENUMERATED.
    #[error("reasonCode is not a one-octet ENUMERATED")]
    ReasonCode,
    /// More entries than any published list holds.
    #[error("more than {limit} revoked certificates")]
    TooManyEntries {
        /// The bound.
        limit: usize,
    },
}

/// Trust material could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A certificate in the file could not be parsed.
    #[error("{path}: certificate #{index}: {source}")]
    Certificate {
        /// The path.
        path: String,
        /// Position of the certificate in the file.
        index: usize,
        /// Why.
        source: CertificateError,
    },
    /// The file holds no certificate in a known format.
    #[error("{path}: no certificate found (expected DER, PEM)")]
    NoCertificates {
        /// The path.
        path: String,
    },
    /// A revocation list in the file could not be parsed.
    #[error("{path}: CRL #{index}: {source}")]
    Crl {
        /// The path.
        path: String,
        /// Position of the list in the file.
        index: usize,
        /// Why.
        source: CrlError,
    },
    /// The file holds no revocation list (expected DER or PEM `X509 CRL`).
    #[error("{path}: no CRL found (expected DER, or PEM with X509 CRL blocks)")]
    NoCrls {
        /// The path.
        path: String,
    },
    /// PEM framing is broken.
    #[error("{path}: malformed PEM: {detail}")]
    Pem {
        /// The path.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A certificate trust list (`authroot.stl`, `disallowedcert.stl`) was rejected.
    #[error("{path}: {source}")]
    TrustList {
        /// The path.
        path: String,
        /// Why.
        source: TrustListError,
    },
    /// A PKCS#7 bundle (`.p7b`, `.p7c`) is malformed.
    #[error("{path}: PKCS#7 certificate bundle: {source}")]
    Pkcs7 {
        /// The path.
        path: String,
        /// Why.
        source: SignedDataError,
    },
    /// A Microsoft serialized store (`.sst`) is malformed.
    #[error("{path}: serialized certificate store: {detail} (at offset {offset})")]
    SerializedStore {
        /// The path.
        path: String,
        /// Offset of the element that failed.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// A `.cab` archive (as `CertUtil -syncWithWU` downloads them) could not be read.
    #[error("{path}: cabinet archive cannot be read: {source} (extract it with `expand {path} .` or `cabextract {path}` and load the .stl inside)")]
    Cabinet {
        /// The path.
        path: String,
        /// Why.
        source: CabinetMembersError,
    },
    /// A registry export (`reg export` of SystemCertificates) is malformed.
    #[error("{path}:{line}: registry export: {detail}")]
    Registry {
        /// The path.
        path: String,
        /// Line of the value (or header) that failed, from 1.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// A registry hive file (an offline machine's `SOFTWARE`) cannot be read.
    #[error("{path}: registry hive, at offset {offset:#x}: {detail}")]
    Hive {
        /// The path.
        path: String,
        /// Offset in the file of the structure that is wrong.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// The file is in none of the supported formats.
    #[error("{path}: not a certificate, PEM bundle, .p7b, .sst, .stl, .reg or registry hive file")]
    UnknownFormat {
        /// The path.
        path: String,
    },
}

/// Why a certificate trust list (CTL) was rejected.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustListError {
    /// The CMS envelope is malformed.
    #[error("CTL envelope: {0}")]
    Envelope(#[from] SignedDataError),
    /// The CertificateTrustList content is malformed.
    #[error("CTL content: {0}")]
    Content(#[from] Asn1Error),
    /// The SignedData does not carry a CTL.
    #[error("content type {oid} is not a certificate trust list (1.3.6.1.4.1.311.10.1)")]
    NotATrustList {
        /// The content type found.
        oid: String,
    },
    /// The CTL's subject algorithm is not one this library can match certificates by; the
    /// list is rejected rather than silently matching nothing.
    #[error("subject identifiers use {oid}, which cannot be matched (known: SHA-1, SHA-256, MD5 thumbprints)")]
    UnsupportedSubjectAlgorithm {
        /// The subjectAlgorithm.
        oid: String,
    },
    /// More subjects than any real CTL has.
    #[error("more than {limit} subjects")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// The CTL's own signature does not verify.
    #[error("CTL signature: {0}")]
    Signature(String),
    /// The CTL's signer does not chain to a pinned publisher root at ctlThisUpdate.
    #[error("CTL signer \"{signer}\" does not chain to a Microsoft root (Root Certificate Authority 2010/2011) at {at}: {detail}")]
    Publisher {
        /// The signer's subject.
        signer: String,
        /// ctlThisUpdate.
        at: crate::time::UnixTime,
        /// What failed.
        detail: String,
    },
}

impl Error {
    /// A stable id of the kind of failure, for grouping (`file.image`,
    /// `file.certificate_table`, `file.cabinet`, `file.msi`, `file.appx`, `file.catalog`, `file.script`, `file.payload`, `file.io`, `file.read`, `file.changed`); the message says
    /// the rest.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Image(_) => "file.image",
            Self::CertTable(_) => "file.certificate_table",
            Self::Cabinet(_) => "file.cabinet",
            Self::Msi(_) => "file.msi",
            Self::Appx(_) => "file.appx",
            Self::Catalog(_) => "file.catalog",
            Self::Script(_) => "file.script",
            Self::Payload(_) => "file.payload",
            Self::Io { .. } => "file.io",
            Self::Read { .. } => "file.read",
            Self::Changed { .. } => "file.changed",
        }
    }
}

/// Why a file could not be verified at all.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The PE image layer.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// The certificate table layer.
    #[error(transparent)]
    CertTable(#[from] CertTableError),
    /// A cabinet's header.
    #[error(transparent)]
    Cabinet(#[from] CabinetError),
    /// An MSI package's compound file.
    #[error(transparent)]
    Msi(#[from] MsiError),
    /// An APPX/MSIX package's or bundle's archive, block map or manifest.
    #[error(transparent)]
    Appx(#[from] AppxError),
    /// A catalog's list.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A script's text or signature block.
    #[error(transparent)]
    Script(#[from] ScriptError),
    /// A container's payload (`verify --payload`); a container that changed or could not
    /// be read on while it was walked is [`Error::Changed`] or [`Error::Read`] instead.
    #[error(transparent)]
    Payload(PayloadError),
    /// The file could not be read ([`crate::Verifier::verify_path`]).
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// Reading the input failed ([`crate::Verifier::verify_reader`]).
    #[error("cannot read the file: {message}")]
    Read {
        /// The operating system's message, or what could not be read.
        message: String,
    },
    /// The input changed while it was being verified ([`crate::Verifier::verify_reader`]):
    /// its length, headers or certificate table differ between the first read and the
    /// last, so no verdict would describe one version of it.
    #[error("the file changed while it was being verified: {detail}")]
    Changed {
        /// What differed.
        detail: String,
    },
}

impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        match e {
            // The same typed errors a file read from a reader gives (`verify::reader`).
            PayloadError::Changed { detail } => Self::Changed { detail },
            PayloadError::Read { detail } => Self::Read { message: detail },
            other => Self::Payload(other),
        }
    }
}

// The APPX/MSIX layer's error: a package that cannot be read at all. A package that reads
// but does not match its signature is not an error: it is a digest comparison or a finding.

/// An APPX/MSIX package or bundle cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppxError {
    /// The ZIP structure is malformed (end records, central directory, local headers).
    #[error("APPX: the ZIP archive cannot be read: {detail}")]
    Zip {
        /// What is wrong, with its offset.
        detail: String,
    },
    /// Local records overlap, leave gaps, or are not in central directory order: the
    /// package digest (AXPC) would not cover the file as stored.
    #[error("APPX: the ZIP records are not laid out contiguously: {detail}")]
    Layout {
        /// Which record and where.
        detail: String,
    },
    /// A member's data could not be inflated to its declared size.
    #[error("APPX: member {member} cannot be inflated: {detail}")]
    Inflate {
        /// The member's name.
        member: String,
        /// What the inflater said.
        detail: String,
    },
    /// A bound of the archive was exceeded (a zip bomb or a hostile archive).
    #[error("APPX: {what} {found} exceeds the bound {limit}")]
    Bound {
        /// Which bound (`members`, `inflated bytes`, `compression ratio`, `nesting depth`,
        /// `XML bytes`, `signature bytes`).
        what: &'static str,
        /// What the archive has or asks for.
        found: u64,
        /// The bound.
        limit: u64,
    },
    /// A member every package has is missing.
    #[error("APPX: {member} is missing")]
    Missing {
        /// The member's name.
        member: &'static str,
    },
    /// Two members share a name (ZIP names compared as OPC does, ignoring case).
    #[error("APPX: member {member} appears twice")]
    Duplicate {
        /// The name.
        member: String,
    },
    /// An XML part (block map, manifest, bundle manifest) is malformed.
    #[error("APPX: {part} cannot be read: {detail}")]
    Xml {
        /// The part.
        part: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// AppxSignature.p7x does not start with `PKCX` or holds no DER element.
    #[error("APPX: AppxSignature.p7x is malformed: {detail}")]
    Signature {
        /// What is wrong.
        detail: String,
    },
    /// The block map's HashMethod is not SHA-256, SHA-384 or SHA-512.
    #[error("APPX: unsupported block map hash method {method}")]
    HashMethod {
        /// The URI found.
        method: String,
    },
    /// A bundle's inner package cannot be read (stored compressed, outside the bundle).
    #[error("APPX: bundle package {member}: {detail}")]
    BundlePackage {
        /// The inner package's member name.
        member: String,
        /// What is wrong.
        detail: String,
    },
}

impl AppxError {
    pub(crate) fn zip(detail: impl Into<String>) -> Self {
        Self::Zip { detail: detail.into() }
    }

    pub(crate) fn xml(part: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Xml {
            part,
            detail: detail.to_string(),
        }
    }
}
