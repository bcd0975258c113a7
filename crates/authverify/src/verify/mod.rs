//! The verifier: PE image → certificate table → signed data → signer → chain → verdict.

mod appx;
pub(crate) mod catalogs;
pub(crate) mod outcome;
pub(crate) mod payload;
pub(crate) mod reader;
mod render;
pub(crate) mod timestamp;
pub(crate) mod verdict;

use std::sync::Arc;

use crate::cms::signed_data::{oid, parse_content_info, EncapContent, IndirectData, SignedData, SignerInfo};
use crate::cms::signer;
use crate::digest::DigestAlgorithm;
use crate::digest::Feed;
use crate::error::{Error, SignedDataError};
use crate::finding::{Finding, Rule};
use crate::path::{self, ChainRequest, Purpose};
use crate::pe::cert_table::CertTableIter;
use crate::pe::image::PeImage;
use crate::policy::Policy;
use crate::report::{
    CatalogSummary, ChainStatus, EvaluatedAt, FileFormat, FileReport, FileStatus, ImageSummary, ScriptSummary,
    SignatureReport, TimeSource,
};
use crate::time::UnixTime;
use crate::trust::TrustStore;
use crate::x509::certificate::{eku, Certificate};
use outcome::{Origin, PageHashes, SignatureOutcome};
use timestamp::{Timestamp, TimestampContext};
use verdict::Evidence;

/// Verifies files against trust material under a policy.
#[derive(Clone, Debug)]
pub struct Verifier {
    trust: TrustStore,
    policy: Policy,
    /// Verified certificate links, shared by every file this verifier (and its clones)
    /// checks.
    links: Arc<path::LinkCache>,
    /// Parsed certificates, shared likewise.
    certificates: Arc<crate::x509::cache::CertificateCache>,
    /// Catalogs files are looked up in ([`Verifier::with_catalogs`]), and while a payload
    /// is walked, the catalogs among a member's siblings.
    catalogs: Vec<Arc<catalogs::CatalogIndex>>,
    /// The digest algorithms the catalogs' members use, all indexes together.
    lookup_algs: Vec<DigestAlgorithm>,
}

/// What the certificate table holds.
struct Table<'a> {
    found: Vec<Found<'a>>,
    notes: Vec<Finding>,
    pkcs7_entries: usize,
    /// CVE-2013-3900: no bytes inside WIN_CERTIFICATE outside the PKCS#7 (or allowed).
    padding_ok: bool,
}

impl Table<'_> {
    /// No signature read yet.
    fn empty() -> Self {
        Self {
            found: Vec::new(),
            notes: Vec::new(),
            pkcs7_entries: 0,
            padding_ok: true,
        }
    }
}

/// A signature as found, before evaluation.
struct Found<'a> {
    nested_in: Option<usize>,
    table_entry: usize,
    parsed: Result<Parsed<'a>, SignedDataError>,
    notes: Vec<Finding>,
}

struct Parsed<'a> {
    signed_data: SignedData<'a>,
    signer: SignerInfo<'a>,
    indirect: IndirectData<'a>,
    content: EncapContent<'a>,
    /// The file digest algorithm, when it is one this library computes.
    file_digest: Option<DigestAlgorithm>,
}

fn parse_signature<'a>(sd: SignedData<'a>) -> Result<Parsed<'a>, SignedDataError> {
    if sd.content_type == oid::CTL {
        return parse_list_signature(sd);
    }
    if sd.content_type != oid::SPC_INDIRECT_DATA {
        return Err(SignedDataError::WrongContentType {
            expected: "SpcIndirectDataContent (1.3.6.1.4.1.311.2.1.4)",
            found: sd.content_type.to_string(),
        });
    }
    let content = sd.content.ok_or(SignedDataError::NoContent)?;
    let signer = single_signer(&sd)?;
    let indirect = IndirectData::parse(&content.element)?;
    Ok(Parsed::new(sd, signer, indirect, content))
}

impl<'a> Parsed<'a> {
    fn new(
        signed_data: SignedData<'a>,
        signer: SignerInfo<'a>,
        indirect: IndirectData<'a>,
        content: EncapContent<'a>,
    ) -> Self {
        let file_digest = DigestAlgorithm::from_oid(&indirect.digest_algorithm);
        Self {
            signed_data,
            signer,
            indirect,
            content,
            file_digest,
        }
    }
}

/// The one SignerInfo Authenticode allows.
fn single_signer<'a>(sd: &SignedData<'a>) -> Result<SignerInfo<'a>, SignedDataError> {
    let [signer_tlv] = sd.signer_infos.as_slice() else {
        return Err(SignedDataError::SignerCount {
            count: sd.signer_infos.len(),
        });
    };
    SignerInfo::parse(signer_tlv)
}

/// A catalog's signature: the signed content is the list itself, so the "file digest" is
/// the messageDigest the signer signed, in the signer's algorithm, and the computed one the
/// hash of the list as received (the subject's digest).
fn parse_list_signature(sd: SignedData<'_>) -> Result<Parsed<'_>, SignedDataError> {
    let content = sd.content.ok_or(SignedDataError::NoContent)?;
    let signer = single_signer(&sd)?;
    let message_digest = signer
        .signed_attrs
        .iter()
        .find(|a| a.oid == oid::MESSAGE_DIGEST)
        .and_then(|a| a.values.first())
        .map_or(&[][..], |v| v.value);
    let indirect = IndirectData {
        data_type: oid::CTL,
        data_value: None,
        digest_algorithm: signer.digest_algorithm,
        digest: message_digest,
    };
    Ok(Parsed::new(sd, signer, indirect, content))
}

impl Verifier {
    /// A verifier over `trust` with `policy`.
    pub fn new(trust: TrustStore, policy: Policy) -> Self {
        Self {
            trust,
            policy,
            links: Arc::new(path::LinkCache::default()),
            certificates: Arc::new(crate::x509::cache::CertificateCache::default()),
            catalogs: Vec::new(),
            lookup_algs: Vec::new(),
        }
    }

    /// The same verifier, also looking every file up in `catalogs`: a file a catalog lists
    /// by its hash gets that catalog's signature as one of its own (kind `catalog`), and
    /// files of no signed format are hashed whole and judged by the catalogs alone.
    pub fn with_catalogs(mut self, catalogs: Arc<catalogs::CatalogIndex>) -> Self {
        self.catalogs.clear();
        self.lookup_algs.clear();
        self.with_added_catalogs(catalogs)
    }

    /// The same verifier, looking files up in `catalogs` besides the catalogs it has (the
    /// catalogs a payload carries, for their siblings).
    pub(crate) fn with_added_catalogs(mut self, catalogs: Arc<catalogs::CatalogIndex>) -> Self {
        for a in catalogs.algorithms() {
            if !self.lookup_algs.contains(a) {
                self.lookup_algs.push(*a);
            }
        }
        self.lookup_algs.sort();
        self.catalogs.push(catalogs);
        self
    }

    /// Whether files are looked up in catalogs.
    fn has_catalogs(&self) -> bool {
        !self.catalogs.is_empty()
    }

    /// The digest algorithms catalog lookups need (none without catalogs).
    fn lookup_algorithms(&self) -> &[DigestAlgorithm] {
        &self.lookup_algs
    }

    /// Reads and verifies one file. The file is read into memory whole; to verify very large
    /// files without that buffer, map them and call [`Verifier::verify_bytes`] (the CLI does).
    pub fn verify_path(&self, path: &std::path::Path, at: UnixTime) -> Result<FileReport, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        match path.file_name().and_then(|n| n.to_str()) {
            Some(name) => self.verify_bytes_named(&bytes, name, at),
            None => self.verify_bytes(&bytes, at),
        }
    }

    /// Verifies many files, in parallel on rayon's pool with the `rayon` feature (else one
    /// after another); the results are in the order of `paths`. Every file shares this
    /// verifier's caches, so a set signed under one hierarchy parses and checks its
    /// intermediates once.
    pub fn verify_paths<P: AsRef<std::path::Path> + Sync>(
        &self,
        paths: &[P],
        at: UnixTime,
    ) -> Vec<Result<FileReport, Error>> {
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            paths.par_iter().map(|p| self.verify_path(p.as_ref(), at)).collect()
        }
        #[cfg(not(feature = "rayon"))]
        {
            paths.iter().map(|p| self.verify_path(p.as_ref(), at)).collect()
        }
    }

    /// Verifies a file through ordinary reads: one consistent snapshot, and memory bounded
    /// whatever the file's size. A file up to [`crate::READ_WHOLE_LIMIT`] bytes is read whole and
    /// verified as read. A larger one is read in parts: its headers and certificate table
    /// are held, the digest and page-hash ranges are streamed through a small buffer, and
    /// at the end the headers, the table and the length are read again and compared: a file
    /// truncated or rewritten meanwhile is [`Error::Changed`], never a verdict on a mix of
    /// versions (and never a crash, as a truncated memory map would be).
    pub fn verify_reader<R: std::io::Read + std::io::Seek>(
        &self,
        reader: &mut R,
        at: UnixTime,
    ) -> Result<FileReport, Error> {
        reader::verify(self, reader, None, at, reader::Limits::FILE)
    }

    /// [`Verifier::verify_reader`] for a file named `name` (its last path component): the
    /// name's extension tells a script's language where its text alone cannot (an unsigned
    /// `.ps1` is an unsigned script, not a file of no known format).
    pub fn verify_reader_named<R: std::io::Read + std::io::Seek>(
        &self,
        reader: &mut R,
        name: &str,
        at: UnixTime,
    ) -> Result<FileReport, Error> {
        reader::verify(self, reader, Some(name), at, reader::Limits::FILE)
    }

    /// [`Verifier::verify_bytes`] for a file named `name` (see
    /// [`Verifier::verify_reader_named`]).
    pub fn verify_bytes_named(&self, data: &[u8], name: &str, at: UnixTime) -> Result<FileReport, Error> {
        self.verify_fed(data, Some(name), at, &mut *crate::digest::slice_feed(data, &mut |_| {}))
    }

    /// The cache of verified certificate links (for statistics and benchmarks).
    pub fn link_cache(&self) -> &path::LinkCache {
        &self.links
    }

    /// The cache of parsed certificates (for statistics and benchmarks).
    pub fn certificate_cache(&self) -> &crate::x509::cache::CertificateCache {
        &self.certificates
    }

    /// The trust material.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Verifies a PE image held in memory, judging chains at `at` (a valid timestamp moves
    /// a signature's instant to the time it proves). Errors are reserved for bytes that are
    /// not a PE image or whose certificate table cannot be walked; everything else is in the
    /// report.
    pub fn verify_bytes(&self, data: &[u8], at: UnixTime) -> Result<FileReport, Error> {
        self.verify_bytes_with(data, at, &mut |_| {})
    }

    /// [`Verifier::verify_bytes`], calling `consumed` with each range of `data` once the
    /// digest has read it, so that a caller mapping a large file can release those pages
    /// (the CLI keeps its resident set bounded this way).
    pub fn verify_bytes_with(
        &self,
        data: &[u8],
        at: UnixTime,
        consumed: &mut dyn FnMut(std::ops::Range<usize>),
    ) -> Result<FileReport, Error> {
        self.verify_fed(data, None, at, &mut *crate::digest::slice_feed(data, consumed))
    }

    /// The verification, with the bulk bytes (digest ranges, section pages) supplied by
    /// `feed`; `data` holds at least the headers and the certificate table at their offsets
    /// and is as long as the file. `name`, when known, is the file's name (a script's
    /// language).
    pub(crate) fn verify_fed(
        &self,
        data: &[u8],
        name: Option<&str>,
        at: UnixTime,
        feed: &mut Feed<'_>,
    ) -> Result<FileReport, Error> {
        if crate::cab::is_cabinet(data) {
            return self.verify_cabinet(data, at, feed);
        }
        if crate::msi::is_compound_file(data) {
            return self.verify_msi(data, at, feed);
        }
        if crate::appx::is_package(data) {
            return self.verify_appx(data, at, feed);
        }
        if let Some(catalog) = self.try_catalog(data, at, feed) {
            return catalog.map(|(examined, _)| self.conclude(examined));
        }
        if !data.starts_with(b"MZ") {
            if let Some(language) = crate::script::ScriptLanguage::detect(name, data) {
                return self.verify_script(data, language, at, feed).map(|(report, _)| report);
            }
        }
        if self.has_catalogs() && !data.starts_with(b"MZ") {
            return Ok(self.verify_flat(data, feed));
        }
        let image = PeImage::parse(data)?;
        let table = self.read_table(&image)?;
        let image_summary = ImageSummary {
            kind: image.kind(),
            machine: image.machine(),
            subsystem: image.subsystem(),
        };
        let after = Trailing {
            bytes: image.bytes_after_cert_table(),
            what: "the certificate table",
        };
        let (mut examined, digests) = self.verify_found(table, &Subject::Pe(&image), after, feed, at);
        examined.image = Some(image_summary);
        self.look_up(&digests, &mut examined);
        Ok(self.conclude(examined))
    }

    /// A file of no signed format, with catalogs to look it up in: hashed whole.
    fn verify_flat(&self, data: &[u8], feed: &mut Feed<'_>) -> FileReport {
        let whole = 0..crate::num::len_u64(data);
        let digests = crate::digest::ranges_fed(&[whole], self.lookup_algorithms(), feed);
        let mut examined = Examined::unsigned(FileFormat::Flat, Vec::new());
        self.look_up(&digests, &mut examined);
        self.conclude(examined)
    }

    /// [`Verifier::look_up`] by the hash of the file's bytes (the flat-file SIP's), read
    /// through `feed`: a large package read from a file is not held in memory, so this is a
    /// second read of it, made only when catalogs are configured.
    fn look_up_flat(&self, data: &[u8], feed: &mut Feed<'_>, examined: &mut Examined) {
        let whole = 0..crate::num::len_u64(data);
        let flat = crate::digest::ranges_fed(&[whole], self.lookup_algorithms(), feed);
        self.look_up(&flat, examined);
    }

    /// Adds a signature of origin `catalog` to `examined` for every catalog listing one of
    /// the file's `digests` (the verdict then weighs them with the file's own).
    fn look_up(&self, digests: &[(DigestAlgorithm, Vec<u8>)], examined: &mut Examined) {
        for index in &self.catalogs {
            let signatures = &mut examined.evidence.signatures;
            let found = catalogs::catalog_signatures(index, digests, signatures.len(), &mut examined.notes);
            signatures.extend(found);
        }
    }

    /// The file's verdict, decided once from everything examined, and its report.
    fn conclude(&self, examined: Examined) -> FileReport {
        let Examined {
            evidence,
            format,
            image,
            script,
            catalog,
            mut notes,
            format_notes,
        } = examined;
        let verdict = self.file_verdict(&evidence, &mut notes);
        let missing = self.missing_of(&evidence.signatures, verdict, &mut notes);
        notes.extend(format_notes);
        FileReport {
            status: verdict.status,
            format,
            image,
            script,
            catalog,
            signatures: evidence.signatures.into_iter().map(SignatureReport::from).collect(),
            missing,
            notes,
        }
    }

    /// A script (PowerShell, MOF, JScript, VBScript, WSF): the signature in its comment
    /// block over the digest its SIP computes. Text after the block is outside every
    /// signature and makes the file invalid, as bytes after a PE's certificate table do.
    ///
    /// Also returns where the block lies (from the line break before its begin line) and
    /// the SHA-256 of its bytes as read (`Script::block_read`), for a reader to check them
    /// unchanged.
    pub(crate) fn verify_script(
        &self,
        data: &[u8],
        language: crate::script::ScriptLanguage,
        at: UnixTime,
        feed: &mut Feed<'_>,
    ) -> Result<(FileReport, Option<BlockRead>), Error> {
        // The text is read through `feed`: `data` may hold only the script's first bytes (a
        // large script read from a file, verify::reader).
        let script = crate::script::Script::parse_fed(data, language, feed)?;
        // Offsets inside the decoded signature are not file offsets (it is base64 in the
        // text); they are reported from the decoded blob's start.
        let table = self.single_blob(script.signature(), 0, "the script's signature block");
        let after = Trailing {
            bytes: script.text_after_block().map_or(0, |r| r.end.saturating_sub(r.start)),
            what: "the script's signature block",
        };
        let (mut examined, _) = self.verify_found(table, &Subject::Script(&script), after, feed, at);
        examined.script = Some(ScriptSummary {
            language: language.name().to_string(),
            encoding: script.encoding().name().to_string(),
        });
        let digests = script.catalog_digests_fed(self.lookup_algorithms(), feed);
        self.look_up(&digests, &mut examined);
        let block = script.block_read().map(|(range, hash)| (range, hash.to_vec()));
        Ok((self.conclude(examined), block))
    }

    /// A cabinet: its one signature (and those nested in it) over the cabinet's digest.
    fn verify_cabinet(&self, data: &[u8], at: UnixTime, feed: &mut Feed<'_>) -> Result<FileReport, Error> {
        let cab = crate::cab::signature::CabinetSignature::parse(data)?;
        let base = usize::try_from(cab.signature_offset).unwrap_or(usize::MAX);
        let table = self.single_blob(cab.signature, base, "the cabinet's signature area");
        let after = Trailing {
            bytes: cab.bytes_after_signature,
            what: "the cabinet's signature",
        };
        let (mut examined, digests) = self.verify_found(table, &Subject::Cabinet(cab.digest_ranges), after, feed, at);
        self.look_up(&digests, &mut examined);
        Ok(self.conclude(examined))
    }

    /// An MSI package: the signature in `\x05DigitalSignature` (and those nested in it) over
    /// the package's content digest.
    fn verify_msi(&self, data: &[u8], at: UnixTime, feed: &mut Feed<'_>) -> Result<FileReport, Error> {
        let package = crate::msi::MsiPackage::parse(data)?;
        // Offsets inside a stream, not the file: a stream's bytes need not be contiguous.
        let table = self.single_blob(package.signature.as_deref(), 0, "the DigitalSignature stream");
        let subject = Subject::Msi(&package);
        let after = Trailing {
            bytes: package.bytes_after_last_sector()?,
            what: "the package's last sector in use",
        };
        let (mut examined, _) = self.verify_found(table, &subject, after, feed, at);
        examined.format_notes = msi_notes(&package, examined.evidence.signatures.first());
        if self.has_catalogs() {
            // Windows hashes a file for a catalog lookup with the PE, cabinet or flat-file
            // subject interface package only (CryptSIPRetrieveSubjectGuidForCatalogFile), so
            // a catalog lists a package by the hash of its bytes, not its content digest;
            // osslsigncode does the same (docs/ARCHITECTURE.md).
            self.look_up_flat(data, feed, &mut examined);
        }
        Ok(self.conclude(examined))
    }

    /// A catalog file, when `data` is one (a SignedData over a catalog-kind CTL): what its
    /// report is made of (its own signature over its list, how many members it lists) and
    /// its members. The file is parsed once for both.
    pub(crate) fn try_catalog(
        &self,
        data: &[u8],
        at: UnixTime,
        feed: &mut Feed<'_>,
    ) -> Option<Result<(Examined, crate::catalog::Catalog), Error>> {
        if data.first() != Some(&0x30) {
            return None;
        }
        let (sd, trailing) = parse_content_info(data, 0).ok()?;
        let content = sd.content?;
        if sd.content_type != oid::CTL || !crate::catalog::is_catalog_list(&content.element) {
            return None;
        }
        let catalog = match crate::catalog::Catalog::parse_list(&content.element) {
            Ok(c) => c,
            Err(e) => return Some(Err(e.into())),
        };
        let mut table = Table {
            found: Vec::new(),
            notes: Vec::new(),
            pkcs7_entries: usize::from(!sd.signer_infos.is_empty()),
            padding_ok: true,
        };
        if table.pkcs7_entries > 0 {
            self.take_signed_data(sd, trailing, 0, "the catalog file", &mut table);
        }
        let after = Trailing {
            bytes: 0,
            what: "the catalog",
        };
        let (mut examined, _) = self.verify_found(table, &Subject::Catalog(content.digested), after, feed, at);
        examined.catalog = Some(CatalogSummary {
            members: catalog.members.len(),
            unreadable_members: catalog.unreadable_members,
            this_update: catalog.this_update,
        });
        Some(Ok((examined, catalog)))
    }

    /// The signatures found in a file, evaluated: one pass over the file for every digest
    /// algorithm they use (and, for a PE image or a cabinet, those catalog lookups need), each
    /// signature judged. Returns what the file's verdict is decided from, and the digests
    /// computed.
    fn verify_found(
        &self,
        table: Table<'_>,
        subject: &Subject<'_, '_>,
        after: Trailing,
        feed: &mut Feed<'_>,
        at: UnixTime,
    ) -> (Examined, Vec<(DigestAlgorithm, Vec<u8>)>) {
        let Table {
            found,
            mut notes,
            pkcs7_entries,
            padding_ok,
        } = table;
        let mut algorithms: Vec<DigestAlgorithm> = found
            .iter()
            .filter_map(|f| f.parsed.as_ref().ok().and_then(|p| p.file_digest))
            .collect();
        if matches!(subject, Subject::Pe(_) | Subject::Cabinet(_)) {
            algorithms.extend_from_slice(self.lookup_algorithms());
        }
        algorithms.sort();
        algorithms.dedup();
        if pkcs7_entries == 0 && algorithms.is_empty() {
            return (Examined::unsigned(subject.format(), notes), Vec::new());
        }
        let digests = subject.digests(&algorithms, feed, &mut notes);
        // Page-hash tables are computed once per file and algorithm, however many
        // signatures carry one (64 nested signatures must not hash the file 64 times).
        let mut page_tables = PageTables::default();
        let signatures: Vec<SignatureOutcome> = found
            .into_iter()
            .enumerate()
            .map(|(index, f)| self.evaluate(index, f, subject, &digests, (&mut page_tables, &mut *feed), at))
            .collect();
        let examined = Examined {
            evidence: Evidence {
                signatures,
                signed: pkcs7_entries > 0,
                padding_ok,
                after,
            },
            format: subject.format(),
            image: None,
            script: None,
            catalog: None,
            notes,
            format_notes: Vec::new(),
        };
        (examined, digests)
    }

    /// Walks the certificate table: every PKCS#7 entry's signatures (nested ones too), the
    /// entries that are not PKCS#7, and whether the CVE-2013-3900 padding rule holds.
    fn read_table<'a>(&self, image: &PeImage<'a>) -> Result<Table<'a>, Error> {
        let mut t = Table::empty();
        for (entry_index, entry) in CertTableIter::new(image).enumerate() {
            let entry = entry?;
            if !entry.is_pkcs7() {
                t.notes.push(Finding::information(
                    Rule::TableEntryNotPkcs7,
                    format!(
                        "certificate table entry {entry_index} at offset {:#x} has type {:#06x}, not PKCS#7 SignedData; not evaluated",
                        entry.offset, entry.certificate_type
                    ),
                ));
                continue;
            }
            t.pkcs7_entries = t.pkcs7_entries.saturating_add(1);
            if entry.padding.iter().any(|&b| b != 0) {
                t.padding_ok &= Policy::rule(
                    !self.policy.require_zero_padding,
                    Rule::RequireZeroPadding,
                    &format!("certificate table entry {entry_index}: non-zero alignment padding after dwLength (CVE-2013-3900)"),
                    &mut t.notes,
                );
            }
            let base = usize::try_from(entry.offset.saturating_add(8)).unwrap_or(usize::MAX);
            self.read_signature(entry.certificate, base, entry_index, "WIN_CERTIFICATE", &mut t);
        }
        Ok(t)
    }

    /// One PKCS#7 blob (a table entry, a cabinet's signature area) at file offset `base`:
    /// its signatures, nested ones too; non-zero bytes after the PKCS#7 inside `container`
    /// fall under the CVE-2013-3900 padding rule.
    /// The signatures of a format that carries at most one signature blob (cabinet, MSI,
    /// APPX, script), nested ones too. `base` is the blob's file offset where it lies in
    /// place, for the offsets reported (0 where it does not: a stream, a member, base64).
    fn single_blob<'a>(&self, blob: Option<&'a [u8]>, base: usize, container: &str) -> Table<'a> {
        let mut table = Table::empty();
        if let Some(blob) = blob {
            table.pkcs7_entries = 1;
            self.read_signature(blob, base, 0, container, &mut table);
        }
        table
    }

    fn read_signature<'a>(&self, blob: &'a [u8], base: usize, entry_index: usize, container: &str, t: &mut Table<'a>) {
        match parse_content_info(blob, base) {
            Ok((sd, trailing)) => self.take_signed_data(sd, trailing, entry_index, container, t),
            Err(e) => t.found.push(Found {
                nested_in: None,
                table_entry: entry_index,
                parsed: Err(e),
                notes: Vec::new(),
            }),
        }
    }

    /// A parsed SignedData and the bytes after it inside `container`: its signatures, nested
    /// ones too; non-zero trailing bytes fall under the CVE-2013-3900 padding rule.
    fn take_signed_data<'a>(
        &self,
        sd: SignedData<'a>,
        trailing: &[u8],
        entry_index: usize,
        container: &str,
        t: &mut Table<'a>,
    ) {
        let mut entry_notes = Vec::new();
        if trailing.iter().any(|&b| b != 0) {
            t.padding_ok &= Policy::rule(
                !self.policy.require_zero_padding,
                Rule::RequireZeroPadding,
                &format!(
                    "{} non-zero bytes follow the PKCS#7 inside {container} (CVE-2013-3900; Windows checks only with EnableCertPaddingCheck)",
                    trailing.iter().filter(|&&b| b != 0).count()
                ),
                &mut entry_notes,
            );
        }
        self.collect(sd, None, entry_index, 0, entry_notes, &mut t.found);
    }

    fn collect<'a>(
        &self,
        sd: SignedData<'a>,
        nested_in: Option<usize>,
        table_entry: usize,
        depth: usize,
        notes: Vec<Finding>,
        out: &mut Vec<Found<'a>>,
    ) {
        if out.len() >= self.policy.max_signatures {
            return;
        }
        let parsed = parse_signature(sd);
        let index = out.len();
        let nested: Vec<_> = match &parsed {
            Ok(p) => p
                .signer
                .unsigned_attrs
                .iter()
                .filter(|a| a.oid == oid::NESTED_SIGNATURE)
                .flat_map(|a| a.values.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        out.push(Found {
            nested_in,
            table_entry,
            parsed,
            notes,
        });
        for value in nested {
            if depth.saturating_add(1) > self.policy.max_nesting_depth {
                out.push(Found {
                    nested_in: Some(index),
                    table_entry,
                    parsed: Err(SignedDataError::NestingTooDeep {
                        limit: self.policy.max_nesting_depth,
                    }),
                    notes: Vec::new(),
                });
                return;
            }
            match parse_content_info(value.raw, value.offset) {
                Ok((sd, _)) => self.collect(sd, Some(index), table_entry, depth.saturating_add(1), Vec::new(), out),
                Err(e) => out.push(Found {
                    nested_in: Some(index),
                    table_entry,
                    parsed: Err(e),
                    notes: Vec::new(),
                }),
            }
            if out.len() >= self.policy.max_signatures {
                return;
            }
        }
    }

    /// One signature, from its parsed form to its verdict: the file digest and the rules of
    /// its form, the signer's signature, then timestamps and the chain.
    fn evaluate(
        &self,
        index: usize,
        found: Found<'_>,
        subject: &Subject<'_, '_>,
        digests: &[(DigestAlgorithm, Vec<u8>)],
        pages: (&mut PageTables, &mut Feed<'_>),
        at: UnixTime,
    ) -> SignatureOutcome {
        let origin = Origin::Embedded {
            table_entry: found.table_entry,
            nested_in: found.nested_in,
        };
        let mut outcome = SignatureOutcome::unverified(index, origin, found.notes);
        let p = match found.parsed {
            Ok(p) => p,
            Err(e) => {
                outcome.error = Some(Finding::refusal(Rule::SignatureUnreadable, e.to_string()));
                return outcome;
            }
        };
        let Some(policy_ok) = self.check_content(&p, subject, digests, pages, &mut outcome) else {
            return outcome;
        };
        // Every embedded certificate is decoded on its own; one that does not parse is a
        // note, not a failed signature.
        let embedded = signer::decode_certificates(
            &p.signed_data.certificates,
            &mut outcome.findings,
            Some(&self.certificates),
        );
        if let Subject::Appx(package, inner) = subject {
            appx::check_content(package, inner, &p, &embedded, &self.trust, &mut outcome);
        }
        let Some(signer_cert) = self.check_signer(&p, subject, &embedded, policy_ok, &mut outcome) else {
            return outcome;
        };
        let crls = signer::decode_crls(&p.signed_data.crls, &mut outcome.findings);
        self.judge(
            &p,
            subject.purpose(),
            (&embedded, &crls),
            &signer_cert,
            at,
            &mut outcome,
        );
        outcome
    }

    /// The signed file digest against the computed one, the rules of the signature's form,
    /// and page hashes. `None` when the digest algorithm is unusable (the report says why);
    /// else whether the form rules allow the signature.
    fn check_content(
        &self,
        p: &Parsed<'_>,
        subject: &Subject<'_, '_>,
        digests: &[(DigestAlgorithm, Vec<u8>)],
        (page_tables, feed): (&mut PageTables, &mut Feed<'_>),
        outcome: &mut SignatureOutcome,
    ) -> Option<bool> {
        outcome.digest.signed = Some(p.indirect.digest.to_vec());
        let Some(file_alg) = p.file_digest else {
            outcome.error = Some(Finding::refusal(
                Rule::FileDigestAlgorithm,
                format!("unsupported file digest algorithm {}", p.indirect.digest_algorithm),
            ));
            return None;
        };
        outcome.digest.algorithm = Some(file_alg);
        if let Some(refusal) = subject.sip_refusal(&p.indirect) {
            outcome.error = Some(refusal);
            return None;
        }
        if let Some((_, d)) = digests.iter().find(|(a, _)| *a == file_alg) {
            outcome.digest.matches = d.as_slice() == p.indirect.digest;
            outcome.digest.computed = Some(d.clone());
        }
        let policy_ok = self.form_rules(p, file_alg, &mut outcome.findings);
        structure_notes(p, subject, &mut outcome.findings);
        if let Subject::Pe(image) = subject {
            outcome.page_hashes = check_page_hashes(p, image, page_tables, feed, &mut outcome.findings);
        }
        if p.signer.version > 1 {
            outcome.findings.push(Finding::information(
                Rule::SignerInfoVersion,
                format!(
                    "SignerInfo version is {} (CMS; Authenticode specifies 1)",
                    p.signer.version
                ),
            ));
        }
        Some(policy_ok)
    }

    /// Finds the signer certificate (in the signature, or as Windows also does, in the
    /// stores) and checks the signer's signature over the content.
    fn check_signer(
        &self,
        p: &Parsed<'_>,
        subject: &Subject<'_, '_>,
        embedded: &[Arc<Certificate>],
        policy_ok: bool,
        outcome: &mut SignatureOutcome,
    ) -> Option<Arc<Certificate>> {
        let Some(signer_cert) = find_signer_with_store(&p.signer.sid, embedded, &self.trust) else {
            outcome.error = Some(Finding::refusal(
                Rule::SignerCertificateMissing,
                "the signer certificate named by the SignerInfo is not in the signature",
            ));
            return None;
        };
        outcome.signer = Some(Arc::clone(&signer_cert));
        match signer::check(
            &p.signer,
            Some(subject.content_type()),
            p.content.digested,
            &signer_cert,
            &self.policy,
            false,
            signer::SignerRole::Authenticode,
        ) {
            Ok(check) => {
                outcome.findings.extend(check.notes);
                outcome.signature_valid = policy_ok;
            }
            Err(e) => outcome.findings.push(e),
        }
        Some(signer_cert)
    }

    /// Timestamps fix the time the chain is judged at; the chain and the checks above give
    /// the verdict.
    fn judge(
        &self,
        p: &Parsed<'_>,
        purpose: Purpose,
        (embedded, crls): (&[Arc<Certificate>], &[Arc<crate::x509::crl::Crl>]),
        signer_cert: &Arc<Certificate>,
        at: UnixTime,
        outcome: &mut SignatureOutcome,
    ) {
        let timestamp = timestamp::evaluate(
            &p.signer,
            &TimestampContext {
                trust: &self.trust,
                links: Some(&self.links),
                certificates: Some(&self.certificates),
                policy: &self.policy,
                outer_certs: embedded,
                outer_crls: crls,
                signer: Some(signer_cert),
                verification_time: at,
            },
        );
        let evaluated_at = evaluation_time(signer_cert, timestamp.as_ref(), at);
        let mut chain = path::build(&ChainRequest {
            leaf: signer_cert,
            embedded,
            trust: &self.trust,
            at: evaluated_at.time,
            verification_time: at,
            purpose,
            budget: self.policy.budget,
            rules: path::PathRules::from(&self.policy),
            links: Some(&self.links),
            dictionary: crate::trust::builtin::Dictionary::BUILTIN,
        });
        path::revocation::check(
            &mut chain,
            &path::revocation::lists(self.trust.crls(), crls),
            at,
            path::revocation::PathOf::Signer,
        );
        outcome.status = if !outcome.digest.matches || !outcome.signature_valid || outcome.pages_differ() {
            FileStatus::Invalid
        } else if chain.status == ChainStatus::Trusted {
            FileStatus::Valid
        } else {
            FileStatus::Untrusted
        };
        outcome.chain = Some(chain);
        outcome.timestamp = timestamp;
        outcome.evaluated_at = Some(evaluated_at);
    }

    /// Every rule the signature's form or algorithms touch; any refusal makes it invalid.
    fn form_rules(&self, p: &Parsed<'_>, file_alg: DigestAlgorithm, notes: &mut Vec<Finding>) -> bool {
        let policy = &self.policy;
        let mut policy_ok = true;
        let mut rule = |applies: bool, allowed: bool, id: Rule, what: &str, notes: &mut Vec<Finding>| {
            if applies {
                policy_ok &= Policy::rule(allowed, id, what, notes);
            }
        };
        rule(
            file_alg == DigestAlgorithm::Md5,
            policy.allow_md5,
            Rule::AllowMd5,
            "MD5 file digest",
            notes,
        );
        rule(
            file_alg == DigestAlgorithm::Sha1,
            policy.allow_sha1,
            Rule::AllowSha1,
            "SHA-1 file digest",
            notes,
        );
        rule(
            p.content.octet_wrapped,
            policy.accept_octet_string_content,
            Rule::AcceptOctetStringContent,
            "content wrapped in an OCTET STRING (CMS form)",
            notes,
        );
        rule(
            p.signed_data.version != 1,
            policy.accept_signed_data_v3,
            Rule::AcceptSignedDataV3,
            &format!(
                "SignedData version {} (Authenticode specifies 1)",
                p.signed_data.version
            ),
            notes,
        );
        rule(
            p.signer.version == 0,
            policy.accept_signer_info_v0,
            Rule::AcceptSignerInfoV0,
            "SignerInfo version 0 (Authenticode specifies 1)",
            notes,
        );
        policy_ok
    }
}

/// The page-hash tables of one file, by algorithm, computed on first use.
#[derive(Default)]
struct PageTables(Vec<(DigestAlgorithm, Result<Vec<u8>, crate::error::ImageError>)>);

impl PageTables {
    fn get(
        &mut self,
        image: &PeImage<'_>,
        alg: DigestAlgorithm,
        feed: &mut Feed<'_>,
    ) -> Result<&Vec<u8>, &crate::error::ImageError> {
        let i = match self.0.iter().position(|(a, _)| *a == alg) {
            Some(i) => i,
            None => {
                self.0.push((alg, image.page_hashes_fed(alg, feed)));
                self.0.len().saturating_sub(1)
            }
        };
        match self.0.get(i) {
            Some((_, r)) => r.as_ref(),
            // Unreachable: `i` indexes the entry found or just pushed.
            None => Err(&crate::error::ImageError::NotMz),
        }
    }
}

/// Where a script's block lines lie and the SHA-256 of their bytes as read
/// (`Script::block_read`).
pub(crate) type BlockRead = (std::ops::Range<u64>, Vec<u8>);

/// What the file a signature covers is, as far as evaluating the signature depends on its
/// format: the data type its SpcIndirectDataContent names, how its digest is computed, and
/// (PE only) page hashes.
enum Subject<'s, 'a> {
    /// A PE image.
    Pe(&'s PeImage<'a>),
    /// A cabinet: the ranges its digest covers.
    Cabinet(Vec<std::ops::Range<u64>>),
    /// An MSI package.
    Msi(&'s crate::msi::MsiPackage<'a>),
    /// An APPX/MSIX package or bundle, and a bundle's package verdicts (findings).
    Appx(&'s crate::appx::AppxPackage<'a>, &'s [Finding]),
    /// A catalog: the list its signature covers, as received.
    Catalog(&'s [u8]),
    /// A script: its text as its SIP hashes it.
    Script(&'s crate::script::Script<'a>),
}

impl Subject<'_, '_> {
    fn format(&self) -> FileFormat {
        match self {
            Self::Pe(_) => FileFormat::Pe,
            Self::Cabinet(_) => FileFormat::Cabinet,
            Self::Msi(_) => FileFormat::Msi,
            Self::Appx(..) => FileFormat::Appx,
            Self::Catalog(_) => FileFormat::Catalog,
            Self::Script(_) => FileFormat::Script,
        }
    }

    /// The SpcIndirectDataContent type a signature over this format carries, and its name.
    fn data_type(&self) -> (const_oid::ObjectIdentifier, &'static str) {
        match self {
            Self::Pe(_) => (oid::SPC_PE_IMAGE_DATA, "SPC_PE_IMAGE_DATAOBJ"),
            Self::Cabinet(_) => (oid::SPC_CAB_DATA, "SPC_CAB_DATA_OBJ"),
            Self::Msi(_) | Self::Appx(..) => (oid::SPC_SIPINFO, "SPC_SIPINFO_OBJ"),
            Self::Catalog(_) => (oid::CTL, "szOID_CTL"),
            Self::Script(_) => (oid::SPC_SIPINFO, "SPC_SIPINFO_OBJ"),
        }
    }

    /// The file's digests in `algorithms`, in one pass, bulk bytes from `feed`. A package
    /// stream that cannot be read leaves no digest (every signature then fails to match) and
    /// says why in `notes`.
    fn digests(
        &self,
        algorithms: &[DigestAlgorithm],
        feed: &mut Feed<'_>,
        notes: &mut Vec<Finding>,
    ) -> Vec<(DigestAlgorithm, Vec<u8>)> {
        match self {
            Self::Pe(image) => image.authenticode_digests_fed(algorithms, feed),
            Self::Cabinet(ranges) => crate::digest::ranges_fed(ranges, algorithms, feed),
            Self::Msi(package) => package.digests_fed(algorithms, feed).unwrap_or_else(|e| {
                notes.push(Finding::refusal(Rule::MsiUnreadable, e.to_string()));
                Vec::new()
            }),
            Self::Catalog(list) => algorithms.iter().map(|a| (*a, a.hash(list))).collect(),
            Self::Script(script) => script.digests_fed(algorithms, feed),
            // The digest blob a signature over the package as it is carries, in the block
            // map's algorithm only (the one its parts are hashed in).
            Self::Appx(package, _) => algorithms
                .iter()
                .filter(|a| **a == package.digest_algorithm())
                .map(|a| (*a, package.expected_blob()))
                .collect(),
        }
    }

    /// Whether a signature can hold for this subject, when the format has a check beyond
    /// the digest: a script's text must be bound by its digest (no byte that is not UTF-8
    /// in a UTF-8 text, `script.unbound_text`), and its SpcSipInfo must name its
    /// language's SIP (a `.js` signed in PowerShell's form is not signed for Windows Script
    /// Host, `script.sip`). The refusal says why, and the signature does not hold.
    fn sip_refusal(&self, indirect: &IndirectData<'_>) -> Option<Finding> {
        let Self::Script(script) = self else {
            return None;
        };
        let unbound = script.bytes_not_utf8();
        if unbound > 0 {
            return Some(Finding::refusal(
                Rule::ScriptUnboundText,
                format!(
                    "{unbound} byte(s) of the text are not UTF-8: each is hashed as U+FFFD, so the signature does not bind which byte it is (any can be replaced by another)"
                ),
            ));
        }
        let sip = script.language().sip();
        let named = indirect.data_type == oid::SPC_SIPINFO
            && indirect
                .data_value
                .as_ref()
                .is_some_and(|v| crate::script::sip_info_names(v.raw, &sip));
        if named {
            return None;
        }
        let found = if indirect.data_type == oid::SPC_SIPINFO {
            "its SpcSipInfo names another SIP".to_string()
        } else {
            format!("its data type is {}", indirect.data_type)
        };
        Some(Finding::refusal(
            Rule::ScriptSip,
            format!(
                "the signature is not for the {} subject interface package {}: {found}",
                script.language().name(),
                sip.name
            ),
        ))
    }

    /// The content type the signer's signed attributes must name.
    fn content_type(&self) -> const_oid::ObjectIdentifier {
        match self {
            Self::Catalog(_) => oid::CTL,
            _ => oid::SPC_INDIRECT_DATA,
        }
    }

    /// What the signer's chain must be good for.
    fn purpose(&self) -> Purpose {
        match self {
            Self::Catalog(_) => Purpose::CatalogSigning,
            _ => Purpose::CodeSigning,
        }
    }
}

/// An `\x05MsiDigitalSignatureEx` stream that does not hold the metadata pre-hash (the
/// digest covers the computed pre-hash, so this alone changes no verdict).
fn msi_notes(package: &crate::msi::MsiPackage<'_>, primary: Option<&SignatureOutcome>) -> Vec<Finding> {
    let Some(alg) = primary.and_then(|s| s.digest.algorithm) else {
        return Vec::new();
    };
    match (&package.signature_ex, package.metadata_prehash(alg)) {
        (Some(stored), Ok(computed)) if *stored != computed => vec![Finding::information(
            Rule::MsiDigitalSignatureEx,
            "the MsiDigitalSignatureEx stream differs from the metadata pre-hash (the digest covers the pre-hash computed from the package)",
        )],
        _ => Vec::new(),
    }
}

/// A file examined, before its verdict: the evidence the verdict is decided from and the
/// report's file-level parts.
pub(crate) struct Examined {
    evidence: Evidence,
    format: FileFormat,
    image: Option<ImageSummary>,
    script: Option<ScriptSummary>,
    catalog: Option<CatalogSummary>,
    /// Findings before the verdict's: the table's, the digests', the catalog lookups'.
    notes: Vec<Finding>,
    /// Remarks on the format that decide nothing (MSI), reported after the verdict's.
    format_notes: Vec<Finding>,
}

impl Examined {
    /// A file of `format` with no signature area.
    fn unsigned(format: FileFormat, notes: Vec<Finding>) -> Self {
        Self {
            evidence: Evidence {
                signatures: Vec::new(),
                signed: false,
                padding_ok: true,
                after: Trailing { bytes: 0, what: "" },
            },
            format,
            image: None,
            script: None,
            catalog: None,
            notes,
            format_notes: Vec::new(),
        }
    }
}

/// Bytes after what the signatures cover (the certificate table, a cabinet's signature).
pub(crate) struct Trailing {
    pub(crate) bytes: u64,
    pub(crate) what: &'static str,
}

/// The instant the signer chain is judged at. A valid timestamp moves it to the time the
/// timestamp proves, unless the leaf carries the lifetime-signing EKU (wincrypt.h: it
/// "limits the valid lifetime of the signature to the lifetime of the certificate").
fn evaluation_time(signer: &Certificate, timestamp: Option<&Timestamp>, at: UnixTime) -> EvaluatedAt {
    let verification = |reason: String| EvaluatedAt {
        time: at,
        source: TimeSource::VerificationTime,
        reason,
    };
    let Some(ts) = timestamp else {
        return verification("no timestamp: judged at the verification time".into());
    };
    let lifetime = signer
        .ext_key_usage()
        .is_some_and(|e| e.contains(&eku::LIFETIME_SIGNING));
    match ts.time {
        Some(time) if ts.valid && lifetime => verification(format!(
            "the signer has the lifetime-signing EKU, so its timestamp ({time}) does not extend it: judged at the verification time"
        )),
        Some(time) if ts.valid => EvaluatedAt { time, source: TimeSource::Timestamp, reason: "valid timestamp: judged at the time it proves".into() },
        _ => verification("the timestamp is not valid: the signature is judged without it, at the verification time".into()),
    }
}

/// Departures from the Authenticode structure that do not decide the verdict alone.
fn structure_notes(p: &Parsed<'_>, subject: &Subject<'_, '_>, notes: &mut Vec<Finding>) {
    let (data_type, name) = subject.data_type();
    // A package's SIP checks judge its data type (`appx.sip_info`).
    if p.indirect.data_type != data_type && !matches!(subject, Subject::Appx(..)) {
        notes.push(Finding::information(
            Rule::IndirectDataType,
            format!("SpcIndirectDataContent type is {}, not {name}", p.indirect.data_type),
        ));
    }
    if p.signed_data.digest_algorithms.first() != Some(&p.indirect.digest_algorithm)
        || p.signed_data.digest_algorithms.len() != 1
    {
        notes.push(Finding::information(
            Rule::DigestAlgorithmSet,
            format!(
                "SignedData.digestAlgorithms {:?} is not exactly the file digest algorithm {} (Authenticode requires one, equal)",
                p.signed_data.digest_algorithms.iter().map(ToString::to_string).collect::<Vec<_>>(),
                p.indirect.digest_algorithm
            ),
        ));
    }
    if p.signer.digest_algorithm != p.indirect.digest_algorithm {
        notes.push(Finding::information(
            Rule::SignerDigestAlgorithm,
            format!(
                "SignerInfo digest algorithm {} differs from the file digest algorithm {}",
                p.signer.digest_algorithm, p.indirect.digest_algorithm
            ),
        ));
    }
}

/// Page hashes, when the signature carries them, must agree with the file (the table
/// computed once per file); a malformed or unknown optional structure is reported, never
/// fatal.
fn check_page_hashes(
    p: &Parsed<'_>,
    image: &PeImage<'_>,
    page_tables: &mut PageTables,
    feed: &mut Feed<'_>,
    notes: &mut Vec<Finding>,
) -> Option<PageHashes> {
    let ph = match p.indirect.page_hashes() {
        Ok(Some(ph)) => ph,
        Ok(None) => return None,
        Err(e) => {
            notes.push(Finding::information(
                Rule::PageHashesUnreadable,
                format!("page hashes not checked: {e}"),
            ));
            return None;
        }
    };
    let computed = page_tables.get(image, ph.algorithm, feed);
    let matches = computed.is_ok_and(|t| t.as_slice() == ph.table);
    if !matches {
        notes.push(match computed {
            Ok(_) => Finding::refusal(
                Rule::PageHashesMismatch,
                "page hashes do not match the file: a page was changed after signing",
            ),
            Err(e) => Finding::refusal(
                Rule::PageHashesUncomputable,
                format!("page hashes cannot be computed for this file: {e}"),
            ),
        });
    }
    let entry = 4usize.saturating_add(ph.algorithm.output_len());
    Some(PageHashes {
        algorithm: ph.algorithm,
        pages: ph.table.len().checked_div(entry).unwrap_or(0).saturating_sub(1),
        matches,
    })
}

/// The certificate a SignerInfo names, among the file's certificates, then the trust
/// store's (Windows also finds signer and TSA certificates in the machine's stores).
pub(crate) fn find_signer_with_store(
    sid: &crate::cms::signed_data::SignerId<'_>,
    embedded: &[Arc<Certificate>],
    trust: &TrustStore,
) -> Option<Arc<Certificate>> {
    embedded
        .iter()
        .chain(trust.intermediates())
        .chain(trust.anchors())
        .find(|c| signer::names(sid, c))
        .cloned()
}
