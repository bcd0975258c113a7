//! APPX/MSIX packages and bundles (`.appx .msix .appxbundle .msixbundle`): the ZIP container
//! read in place ([`zip`]), the signature AppxSignature.p7x and the digest blob it signs
//! ([`signature`]), our computation of those digests ([`digests`]), every payload file
//! against AppxBlockMap.xml ([`blockmap`]), and the publisher the manifest names against
//! the signer's subject ([`publisher`]). docs/ARCHITECTURE.md ("APPX/MSIX") has the
//! evidence for each layout.
//!
//! [`AppxPackage::parse`] reads a package and computes everything that does not need the
//! signature's content; [`AppxPackage::check_signed_content`] then judges the signature's
//! SpcIndirectDataContent and signer against it and returns findings. Bundles carry their
//! packages as stored members, read recursively to [`limits::MAX_DEPTH`].

pub mod blockmap;
pub mod digests;
mod pass;
pub mod publisher;
pub mod signature;
mod xml;
pub mod zip;

use std::borrow::Cow;

pub use crate::error::AppxError;
pub use blockmap::{BlockMap, BlockMapProblem};
pub use digests::{DigestComparison, PartDigest};
pub use signature::{DigestPart, SignedDigests, SipKind};

use crate::digest::{slice_feed, DigestAlgorithm, Feed};
use crate::finding::{Finding, Rule};
use digests::{BLOCK_MAP, SIGNATURE_MEMBER};

/// The bounds every package is read within (a zip bomb or a hostile archive meets one of
/// them and is an [`AppxError::Bound`], never unbounded work or memory).
pub mod limits {
    /// Most members in one archive (large games ship tens of thousands of files).
    pub const MAX_MEMBERS: usize = 65_536;
    /// Most bytes one member may inflate to.
    pub const MAX_MEMBER_BYTES: u64 = 4 << 30;
    /// Most bytes all members together may inflate to (inflation is streamed one 64 KiB
    /// block at a time, so this bounds time, not memory).
    pub const MAX_TOTAL_BYTES: u64 = 16 << 30;
    /// Largest inflated-to-stored ratio of a member above [`RATIO_FLOOR`] bytes. Deflate
    /// reaches about 1032:1 on constant data; packers' real payloads stay far below 200:1.
    pub const MAX_RATIO: u64 = 200;
    /// Members inflating to at most this many bytes are not held to [`MAX_RATIO`].
    pub const RATIO_FLOOR: u64 = 1 << 20;
    /// Archives inflating to at most this many bytes in all are not held to [`MAX_RATIO`]
    /// over the whole archive (above it, small members cannot add up to a bomb).
    pub const ARCHIVE_RATIO_FLOOR: u64 = 64 << 20;
    /// Most bytes an XML part (block map, manifests, content types) may inflate to: it is
    /// held in memory whole.
    pub const MAX_XML_BYTES: u64 = 16 << 20;
    /// Largest AppxSignature.p7x read (the MSIX SDK's bound, `2 << 20`).
    pub const MAX_SIGNATURE_BYTES: u64 = 2 << 20;
    /// Deepest nesting: a bundle (depth 0) holds packages (depth 1), which hold none.
    pub const MAX_DEPTH: usize = 1;
}

const MANIFEST: &str = "AppxManifest.xml";
const BUNDLE_MANIFEST: &str = "AppxMetadata/AppxBundleManifest.xml";

/// A file that starts as a ZIP archive and names AppxBlockMap.xml near its end (in the
/// central directory): cheap enough to run on every file, exact enough to route it.
pub fn is_package(bytes: &[u8]) -> bool {
    let tail = bytes.get(bytes.len().saturating_sub(1 << 20)..).unwrap_or_default();
    zip::is_zip(bytes) && tail.windows(BLOCK_MAP.len()).any(|w| w == BLOCK_MAP.as_bytes())
}

/// Whether a file name is a package's or a bundle's (`.appx .msix .appxbundle .msixbundle`,
/// any case).
pub fn is_package_name(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PACKAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The extensions of packages and bundles.
pub const PACKAGE_EXTENSIONS: [&str; 4] = ["appx", "msix", "appxbundle", "msixbundle"];

/// A package inside a bundle.
#[derive(Clone, Debug)]
pub struct InnerPackage<'a> {
    /// The member's name.
    pub name: String,
    /// The package, read like any other (it carries its own signature).
    pub package: AppxPackage<'a>,
}

/// A package or bundle read and hashed.
#[derive(Clone, Debug)]
pub struct AppxPackage<'a> {
    /// Package or bundle: the SpcSipInfo GUID its signature must name.
    pub kind: SipKind,
    /// The container.
    pub archive: zip::Archive<'a>,
    /// The block map.
    pub block_map: BlockMap,
    /// Where payload members depart from the block map (empty when all match).
    pub block_map_problems: Vec<BlockMapProblem>,
    /// `Identity/@Publisher` of AppxManifest.xml (a bundle's: of its bundle manifest).
    pub publisher: String,
    /// The PKCS#7 SignedData of AppxSignature.p7x (after `PKCX`), or `None` when unsigned.
    pub signature: Option<Cow<'a, [u8]>>,
    /// Our digests of the package, by part, in blob order.
    pub computed: Vec<(DigestPart, Vec<u8>)>,
    /// A bundle's packages.
    pub inner: Vec<InnerPackage<'a>>,
}

impl<'a> AppxPackage<'a> {
    /// Reads the package or bundle `bytes`: container, block map (and every member against
    /// it), manifest publisher, signature and digests; a bundle's packages recursively.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, AppxError> {
        Self::parse_fed(bytes, &mut *slice_feed(bytes, &mut |_| {}))
    }

    /// [`AppxPackage::parse`] with the members' records (the package digest's bytes and
    /// the payload the block map covers) read through `feed`, once: `bytes` is as long as
    /// the file and must hold the local headers and data descriptors, the central
    /// directory, the end records and the parts read whole (signature, block map, content
    /// types, manifests, code-integrity catalog); for a bundle, the same parts of each
    /// package it holds, at the package's offset (their records too come through `feed`,
    /// at their offsets in the bundle).
    pub(crate) fn parse_fed(bytes: &'a [u8], feed: &mut Feed<'_>) -> Result<Self, AppxError> {
        Self::parse_at(bytes, 0, feed)
    }

    fn parse_at(bytes: &'a [u8], depth: usize, feed: &mut Feed<'_>) -> Result<Self, AppxError> {
        let archive = zip::Archive::parse(bytes)?;
        let block_map = blockmap::read(&archive)?;
        let pass::Pass {
            problems: block_map_problems,
            records,
        } = pass::read_records(&archive, &block_map, feed)?;
        let kind = if archive.member(BUNDLE_MANIFEST).is_some() {
            SipKind::Bundle
        } else {
            SipKind::Package
        };
        let manifest_name = if kind == SipKind::Bundle {
            BUNDLE_MANIFEST
        } else {
            MANIFEST
        };
        let manifest = xml_part(&archive, manifest_name)?;
        let publisher = xml::identity_publisher(manifest_name, xml::text(manifest_name, &manifest)?)?;
        let signature = read_signature(&archive)?;
        let computed = digests::compute(&archive, block_map.algorithm, records)?;
        let inner = if kind == SipKind::Bundle {
            inner_packages(&archive, xml::text(BUNDLE_MANIFEST, &manifest)?, depth, feed)?
        } else {
            Vec::new()
        };
        Ok(Self {
            kind,
            archive,
            block_map,
            block_map_problems,
            publisher,
            signature,
            computed,
            inner,
        })
    }

    /// The algorithm of the package digests (the block map's HashMethod): the signature's
    /// SpcIndirectDataContent digest algorithm must be this one.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.block_map.algorithm
    }

    /// The digest blob a signature over this package carries when the package is as
    /// signed: `APPX`, then each part's tag and our digest, in the order signing tools write
    /// them (what a report shows as the computed digest).
    pub fn expected_blob(&self) -> Vec<u8> {
        let mut out = signature::BLOB_MAGIC.to_vec();
        for (part, digest) in &self.computed {
            out.extend_from_slice(part.tag());
            out.extend_from_slice(digest);
        }
        out
    }

    /// The signed digest blob against our digests (`Err`: the blob is malformed).
    pub fn compare(&self, blob: &[u8]) -> Result<DigestComparison, String> {
        let signed = SignedDigests::parse(blob, self.digest_algorithm())?;
        Ok(DigestComparison::new(&signed, &self.computed, self.digest_algorithm()))
    }

    /// Judges a signature's SpcIndirectDataContent and signer against the package: the
    /// data type is SPC_SIPINFO with this package kind's GUID, the digest algorithm is the
    /// block map's, every signed part's digest matches ours, every payload member matches
    /// the block map, and the publisher is the signer's subject. Returns one refusal
    /// finding per failed rule (empty: the signature covers this package).
    ///
    /// `data_type` is the SpcAttributeTypeAndOptionalValue type (dotted), `data_value_der`
    /// its value, `digest_algorithm`/`digest` the DigestInfo, `signer_subject_der` the
    /// signing certificate's subject Name.
    pub fn check_signed_content(
        &self,
        data_type: &str,
        data_value_der: &[u8],
        digest_algorithm: DigestAlgorithm,
        digest: &[u8],
        signer_subject_der: &[u8],
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        match signature::read_sip_info(data_value_der) {
            _ if data_type != signature::SIP_INFO_OID => out.push(Finding::refusal(
                Rule::AppxSipInfo,
                format!("SpcIndirectDataContent type {data_type} is not SPC_SIPINFO"),
            )),
            Ok(kind) if kind != self.kind => out.push(Finding::refusal(
                Rule::AppxSipInfo,
                format!("the signature names the {kind:?} SIP, the file is a {:?}", self.kind),
            )),
            Ok(_) => {}
            Err(e) => out.push(Finding::refusal(Rule::AppxSipInfo, e)),
        }
        if digest_algorithm != self.digest_algorithm() {
            out.push(Finding::refusal(
                Rule::AppxDigestBlob,
                format!(
                    "the signature's digest algorithm {digest_algorithm} is not the block map's {}",
                    self.digest_algorithm()
                ),
            ));
        } else {
            match self.compare(digest) {
                Ok(c) if c.matches() => {}
                Ok(c) => out.push(Finding::refusal(
                    Rule::AppxDigestMismatch,
                    format!("package digests do not match the signature: {:?}", c.mismatched()),
                )),
                Err(e) => out.push(Finding::refusal(Rule::AppxDigestBlob, e)),
            }
        }
        out.extend(self.block_map_findings());
        if !publisher::publisher_matches(&self.publisher, signer_subject_der) {
            let subject = publisher::publisher_string(signer_subject_der).unwrap_or_default();
            out.push(Finding::refusal(
                Rule::AppxPublisherMismatch,
                format!(
                    "the manifest's publisher {:?} is not the signer's subject {subject:?}",
                    self.publisher
                ),
            ));
        }
        out
    }

    /// One refusal per member that departs from the block map.
    pub fn block_map_findings(&self) -> Vec<Finding> {
        self.block_map_problems
            .iter()
            .map(|p| Finding::refusal(Rule::AppxBlockMap, p.to_string()))
            .collect()
    }
}

/// An XML part's inflated bytes, bounded.
fn xml_part<'a>(archive: &zip::Archive<'a>, name: &'static str) -> Result<Cow<'a, [u8]>, AppxError> {
    let m = archive.member(name).ok_or(AppxError::Missing { member: name })?;
    zip::contents(m, limits::MAX_XML_BYTES, "XML bytes")
}

/// The SignedData of AppxSignature.p7x, when the package has one.
fn read_signature<'a>(archive: &zip::Archive<'a>) -> Result<Option<Cow<'a, [u8]>>, AppxError> {
    let Some(m) = archive.member(SIGNATURE_MEMBER) else {
        return Ok(None);
    };
    let p7x = zip::contents(m, limits::MAX_SIGNATURE_BYTES, "signature bytes")?;
    signature::signature_der(&p7x)?;
    Ok(Some(match p7x {
        Cow::Borrowed(b) => Cow::Borrowed(b.get(4..).unwrap_or_default()),
        Cow::Owned(mut v) => {
            v.drain(..4.min(v.len()));
            Cow::Owned(v)
        }
    }))
}

/// A bundle's packages: each named by the bundle manifest, stored (not deflated) at the
/// offset and size the manifest gives, and read as a package one level deeper, its records
/// through `feed` at its offset in the bundle (a bundle read in parts holds only its
/// packages' headers, directories and small parts, as it holds its own).
fn inner_packages<'a>(
    archive: &zip::Archive<'a>,
    manifest: &str,
    depth: usize,
    feed: &mut Feed<'_>,
) -> Result<Vec<InnerPackage<'a>>, AppxError> {
    let next = depth.saturating_add(1);
    if next > limits::MAX_DEPTH {
        return Err(AppxError::Bound {
            what: "nesting depth",
            found: crate::num::usize_u64(next),
            limit: crate::num::usize_u64(limits::MAX_DEPTH),
        });
    }
    let mut out = Vec::new();
    let members = members_by_name(archive);
    // The members located so far, by where their records start.
    let mut named = std::collections::HashSet::new();
    for (file, offset, size) in xml::bundle_packages(manifest)? {
        let m = locate(&members, &file, offset, size)?;
        let fail = |detail: &str| AppxError::BundlePackage {
            member: file.clone(),
            detail: detail.into(),
        };
        // A bundle names each of its packages once. One named again would be parsed and
        // read again, each time: work growing with the manifest's length times the
        // package's size (a 64 MiB manifest holds 600,000 names), red team 4.
        if !named.insert(m.record.start) {
            return Err(fail("named twice by the bundle manifest"));
        }
        // The package's offsets are the bundle's less where its data starts; a range past
        // its end gives nothing, as a feed over its bytes alone would.
        let base = crate::num::usize_u64(m.record.start.saturating_add(m.local_header_len));
        let len = crate::num::usize_u64(m.data.len());
        let mut shifted = |range: std::ops::Range<u64>, sink: &mut dyn FnMut(&[u8])| {
            if range.start <= range.end && range.end <= len {
                feed(range.start.saturating_add(base)..range.end.saturating_add(base), sink);
            }
        };
        let package = AppxPackage::parse_at(m.data, next, &mut shifted)?;
        if package.kind == SipKind::Bundle {
            return Err(fail("a bundle inside a bundle"));
        }
        out.push(InnerPackage { name: file, package });
    }
    Ok(out)
}

/// The member holding the package `file` the bundle manifest names at `offset`, of `size`
/// bytes: found by its name, stored (not deflated), its data at that offset and of that
/// size.
fn locate<'m, 'a>(
    members: &std::collections::HashMap<String, &'m zip::Member<'a>>,
    file: &str,
    offset: u64,
    size: u64,
) -> Result<&'m zip::Member<'a>, AppxError> {
    let wanted = file.replace('/', "\\");
    let fail = |detail: &str| AppxError::BundlePackage {
        member: file.to_string(),
        detail: detail.into(),
    };
    let m = *members.get(&wanted).ok_or_else(|| fail("not in the bundle"))?;
    if m.method != zip::Method::Stored {
        return Err(fail("stored deflated (bundles store their packages)"));
    }
    let at = m.record.start.saturating_add(m.local_header_len);
    if crate::num::usize_u64(at) != offset || crate::num::usize_u64(m.data.len()) != size {
        return Err(fail("the bundle manifest's Offset or Size is not the member's"));
    }
    Ok(m)
}

/// The archive's members by their block map names, the first of each name as a search in
/// member order finds it: one lookup per package the manifest names, not a scan of the
/// members per package (a manifest may name thousands).
fn members_by_name<'m, 'a>(archive: &'m zip::Archive<'a>) -> std::collections::HashMap<String, &'m zip::Member<'a>> {
    let mut out = std::collections::HashMap::with_capacity(archive.members.len());
    for m in &archive.members {
        out.entry(blockmap::block_map_name(m.name)).or_insert(m);
    }
    out
}

/// For a reader holding only parts of a bundle in `bytes` (its end records, directory,
/// local headers and bundle manifest held): where each package its manifest names lies,
/// as [`AppxPackage::parse`] will locate it (empty: not a bundle; `None`: an archive, or a
/// bundle whose manifest or packages, that do not read from the held parts; the reader then
/// reads it whole, for the parse to name the fault).
pub(crate) fn bundle_package_ranges(bytes: &[u8]) -> Option<Vec<std::ops::Range<u64>>> {
    let archive = zip::Archive::parse(bytes).ok()?;
    if archive.member(BUNDLE_MANIFEST).is_none() {
        return Some(Vec::new());
    }
    let manifest = xml_part(&archive, BUNDLE_MANIFEST).ok()?;
    let text = xml::text(BUNDLE_MANIFEST, &manifest).ok()?;
    let mut out = Vec::new();
    let members = members_by_name(&archive);
    for (file, offset, size) in xml::bundle_packages(text).ok()? {
        locate(&members, &file, offset, size).ok()?;
        out.push(offset..offset.checked_add(size)?);
    }
    Some(out)
}
