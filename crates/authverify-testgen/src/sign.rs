//! Authenticode signing, built up from the spec (Authenticode_PE.docx §"Signed data").

use crate::asn1::*;
use crate::pe;
use crate::pki::{Cert, Hash, Key};

pub(crate) const SPC_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";
pub(crate) const SPC_PE_IMAGE_DATA: &str = "1.3.6.1.4.1.311.2.1.15";
pub(crate) const SPC_SP_OPUS_INFO: &str = "1.3.6.1.4.1.311.2.1.12";
pub(crate) const SPC_STATEMENT_TYPE: &str = "1.3.6.1.4.1.311.2.1.11";
pub(crate) const NESTED_SIGNATURE: &str = "1.3.6.1.4.1.311.2.4.1";

pub(crate) struct Signer<'a> {
    pub key: &'a Key,
    pub cert: &'a Cert,
    /// Certificates to embed (leaf first).
    pub chain: Vec<&'a Cert>,
    pub hash: Hash,
    /// Flip a bit of the signature value after signing (a broken signature).
    pub corrupt_signature: bool,
    pub timestamp: Option<Timestamp<'a>>,
    /// Encoding variants real signers produce.
    pub form: Form,
}

impl<'a> Signer<'a> {
    /// A SHA-256 signer embedding `chain`, with no timestamp and the customary encoding.
    pub(crate) fn new(key: &'a Key, cert: &'a Cert, chain: Vec<&'a Cert>) -> Self {
        Self {
            key,
            cert,
            chain,
            hash: Hash::Sha256,
            corrupt_signature: false,
            timestamp: None,
            form: Form::default(),
        }
    }
}

/// Encoding variants of the SignedData that real tools produce and Windows accepts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Form {
    /// SignedData version 3 with the SpcIndirectDataContent wrapped in an OCTET STRING
    /// (CMS style, as install4j signs).
    pub cms_v3_octet_string: bool,
    /// SignerInfo version 0 instead of 1.
    pub signer_info_v0: bool,
    /// No signed attributes: the signature covers the content directly.
    pub no_signed_attributes: bool,
    /// Bytes stuffed after the PKCS#7 inside WIN_CERTIFICATE (CVE-2013-3900).
    pub stuffing: &'static [u8],
    /// Page hashes of the image, in SHA-1 (v1) or SHA-256 (v2).
    pub page_hashes: Option<Hash>,
    /// Flip a bit of the first section page's hash (the file digest stays right).
    pub corrupt_page_hash: bool,
    /// Two messageDigest signed attributes (both right).
    pub duplicate_message_digest: bool,
    /// A messageDigest that does not match the content (properly signed).
    pub wrong_message_digest: bool,
    /// The outer ContentInfo SEQUENCE with a BER indefinite length.
    pub ber_indefinite_outer: bool,
    /// An extra element inside the ContentInfo SEQUENCE after the content.
    pub trailing_in_content_info: bool,
    /// Sign the signed attributes with this hash and name it in signatureAlgorithm
    /// (md5WithRSA, sha1WithRSA...) while digestAlgorithm keeps the signer's hash.
    pub signature_hash: Option<Hash>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimestampKind {
    Rfc3161,
    /// RFC 3161 token whose messageImprint is the MD5 of the parent signature (the token
    /// itself signed with SHA-256).
    Rfc3161Md5Imprint,
    /// PKCS#9 countersignature; `bare_hash`: the RSA block holds the bare SHA-1 of the
    /// signed attributes without DigestInfo (the legacy Symantec/VeriSign form).
    Pkcs9 {
        bare_hash: bool,
    },
    /// PKCS#9 countersignature without the contentType signed attribute, as RFC 5652 §11.1
    /// requires of countersignatures.
    Pkcs9WithoutContentType,
    /// PKCS#9 countersignature made with MD5: digestAlgorithm MD5, messageDigest the MD5 of
    /// the parent signature, and the RSA block over the MD5 of the signed attributes —
    /// bare (`bare_hash`, as VeriSign's TSA wrote it in 2005) or in a DigestInfo.
    Pkcs9Md5 {
        bare_hash: bool,
    },
}

#[derive(Clone, Copy)]
pub(crate) struct Timestamp<'a> {
    pub kind: TimestampKind,
    pub key: &'a Key,
    pub cert: &'a Cert,
    pub time: u64,
    /// Make the imprint cover other bytes than the parent signature.
    pub wrong_imprint: bool,
    /// CA certificates embedded with the TSA certificate (token for RFC 3161, outer set
    /// for PKCS#9).
    pub chain: &'a [&'a Cert],
}

/// SpcIndirectDataContent whose SpcLink is either the customary "<<<Obsolete>>>" file link
/// or, with `page_hashes` = (algorithm, table), the SpcSerializedObject moniker carrying them.
pub(crate) fn indirect_data_with(h: Hash, digest: &[u8], page_hashes: Option<(Hash, &[u8])>) -> Vec<u8> {
    let link = match page_hashes {
        None => {
            let obsolete: Vec<u8> = "<<<Obsolete>>>".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
            ctx(0, true, &ctx(2, true, &ctx(0, false, &obsolete)))
        }
        Some((ph, table)) => {
            let kind = if ph == Hash::Sha1 {
                "1.3.6.1.4.1.311.2.3.1"
            } else {
                "1.3.6.1.4.1.311.2.3.2"
            };
            let serialized = set(&[&seq(&[&oid(kind), &set(&[&octets(table)])])]);
            let class_id = [
                0xa6, 0xb5, 0x86, 0xd5, 0xb4, 0xa1, 0x24, 0x66, 0xae, 0x05, 0xa2, 0x17, 0xda, 0x8e, 0x60, 0xd6,
            ];
            ctx(
                0,
                true,
                &ctx(1, true, &cat(&[&octets(&class_id), &octets(&serialized)])),
            )
        }
    };
    let pe_image_data = seq(&[&bits(&[]), &link]);
    seq(&[
        &seq(&[&oid(SPC_PE_IMAGE_DATA), &pe_image_data]),
        &seq(&[&alg_null(h.oid()), &octets(digest)]),
    ])
}

fn attribute(o: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(o), &set(&[value])])
}

/// A SignerInfo: (DER, signature value).
fn signer_info(
    key: &Key,
    cert: &Cert,
    hash: Hash,
    attrs: &[Vec<u8>],
    unsigned: &dyn Fn(&[u8]) -> Vec<Vec<u8>>,
    corrupt: bool,
    bare_hash: bool,
) -> (Vec<u8>, Vec<u8>) {
    signer_info_with(
        key,
        cert,
        hash,
        SignedOver::Attributes(attrs),
        1,
        unsigned,
        corrupt,
        bare_hash,
        None,
    )
}

/// What a SignerInfo's signature covers.
enum SignedOver<'a> {
    Attributes(&'a [Vec<u8>]),
    /// No signed attributes: the content octets themselves.
    Content(&'a [u8]),
}

#[allow(clippy::too_many_arguments)]
fn signer_info_with(
    key: &Key,
    cert: &Cert,
    hash: Hash,
    over: SignedOver<'_>,
    version: u64,
    unsigned: &dyn Fn(&[u8]) -> Vec<Vec<u8>>,
    corrupt: bool,
    bare_hash: bool,
    signature_hash: Option<Hash>,
) -> (Vec<u8>, Vec<u8>) {
    let (message, signed_attrs) = match over {
        SignedOver::Attributes(attrs) => {
            let signed_set = set_sorted(attrs);
            let mut implicit = signed_set.clone();
            implicit[0] = 0xa0; // [0] IMPLICIT
            (signed_set, implicit)
        }
        SignedOver::Content(content) => (content.to_vec(), Vec::new()),
    };
    let mut signature = if bare_hash {
        key.sign_bare_hash(hash, &message)
    } else {
        key.sign(signature_hash.unwrap_or(hash), &message)
    };
    if corrupt {
        let last = signature.len() - 1;
        signature[last] ^= 0x01;
    }
    let unsigned = unsigned(&signature);
    let unsigned_attrs = if unsigned.is_empty() {
        Vec::new()
    } else {
        let refs: Vec<&[u8]> = unsigned.iter().map(|u| u.as_slice()).collect();
        ctx(1, true, &cat(&refs))
    };
    let der = seq(&[
        &int(version),
        &seq(&[&cert.name_issuer, &int(cert.serial)]),
        &alg_null(hash.oid()),
        &signed_attrs,
        &signature_hash.map_or_else(|| key.signer_sig_alg(hash), |h| key.cert_sig_alg(h)),
        &octets(&signature),
        &unsigned_attrs,
    ]);
    (der, signature)
}

const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";

/// The unsigned attribute carrying a timestamp over `parent_signature`.
fn timestamp_attribute(ts: &Timestamp<'_>, parent_signature: &[u8]) -> Vec<u8> {
    let imprinted: Vec<u8> = if ts.wrong_imprint {
        b"some other signature".to_vec()
    } else {
        parent_signature.to_vec()
    };
    match ts.kind {
        TimestampKind::Rfc3161 | TimestampKind::Rfc3161Md5Imprint => {
            let imprint_hash = if ts.kind == TimestampKind::Rfc3161Md5Imprint {
                Hash::Md5
            } else {
                Hash::Sha256
            };
            let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(ts.time)).expect("time");
            let gen_time = der::Encode::to_der(&der::asn1::GeneralizedTime::from_date_time(dt)).expect("gt");
            let tst = seq(&[
                &int(1),
                &oid("1.3.6.1.4.1.99999.1"),
                &seq(&[&alg_null(imprint_hash.oid()), &octets(&imprint_hash.digest(&imprinted))]),
                &int(ts.time),
                &gen_time,
            ]);
            let attrs = vec![
                attribute("1.2.840.113549.1.9.3", &oid(ID_CT_TST_INFO)),
                attribute("1.2.840.113549.1.9.4", &octets(&Hash::Sha256.digest(&tst))),
            ];
            let (si, _) = signer_info(ts.key, ts.cert, Hash::Sha256, &attrs, &|_| Vec::new(), false, false);
            let sd = seq(&[
                &int(3),
                &set(&[&alg_null(Hash::Sha256.oid())]),
                &seq(&[&oid(ID_CT_TST_INFO), &ctx(0, true, &octets(&tst))]),
                &ctx(0, true, &{
                    let mut certs: Vec<&[u8]> = vec![&ts.cert.der];
                    certs.extend(ts.chain.iter().map(|c| c.der.as_slice()));
                    cat(&certs)
                }),
                &set(&[&si]),
            ]);
            let token = seq(&[&oid("1.2.840.113549.1.7.2"), &ctx(0, true, &sd)]);
            attribute("1.3.6.1.4.1.311.3.3.1", &token)
        }
        TimestampKind::Pkcs9 { .. } | TimestampKind::Pkcs9WithoutContentType | TimestampKind::Pkcs9Md5 { .. } => {
            let (h, bare_hash) = match ts.kind {
                TimestampKind::Pkcs9Md5 { bare_hash } => (Hash::Md5, bare_hash),
                TimestampKind::Pkcs9 { bare_hash } => (Hash::Sha1, bare_hash),
                _ => (Hash::Sha1, false),
            };
            let mut attrs = vec![
                attribute("1.2.840.113549.1.9.5", &time(ts.time)),
                attribute("1.2.840.113549.1.9.4", &octets(&h.digest(&imprinted))),
            ];
            if ts.kind != TimestampKind::Pkcs9WithoutContentType {
                attrs.push(attribute("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.7.1")));
            }
            let (si, _) = signer_info(ts.key, ts.cert, h, &attrs, &|_| Vec::new(), false, bare_hash);
            attribute("1.2.840.113549.1.9.6", &si)
        }
    }
}

/// A complete ContentInfo(SignedData) over `file_digest`, with nested signatures
/// (already-built ContentInfos) as unsigned attributes.
pub(crate) fn signed_data(s: &Signer<'_>, file_digest: &[u8], nested: &[Vec<u8>]) -> Vec<u8> {
    signed_data_over(s, file_digest, nested, None)
}

/// [`signed_data`] for `unsigned`, carrying its page hashes when the form asks for them.
fn signed_data_over(s: &Signer<'_>, file_digest: &[u8], nested: &[Vec<u8>], unsigned: Option<&[u8]>) -> Vec<u8> {
    let table = match (s.form.page_hashes, unsigned) {
        (Some(ph), Some(image)) => {
            let mut t = pe::page_hashes(image, ph);
            if s.form.corrupt_page_hash {
                t[4 + ph.digest(b"").len() + 4] ^= 1;
            }
            Some((ph, t))
        }
        _ => None,
    };
    let content = indirect_data_with(s.hash, file_digest, table.as_ref().map(|(h, t)| (*h, t.as_slice())));
    signed_content(s, &content, nested)
}

/// A ContentInfo(SignedData) over `content`, an SpcIndirectDataContent already built (a
/// script's, whose `data` is an SpcSipInfo), with nested signatures as unsigned attributes.
pub(crate) fn signed_content(s: &Signer<'_>, content: &[u8], nested: &[Vec<u8>]) -> Vec<u8> {
    let content = content.to_vec();
    // messageDigest covers the contents octets of the SpcIndirectDataContent SEQUENCE
    // (PKCS#7), or the whole content DER inside the OCTET STRING (CMS form).
    let digested: &[u8] = if s.form.cms_v3_octet_string {
        &content
    } else {
        &content[der_header_len(&content)..]
    };
    let attrs = signed_attributes(s, digested);
    let unsigned = |signature: &[u8]| {
        let mut out: Vec<Vec<u8>> = s
            .timestamp
            .iter()
            .map(|ts| timestamp_attribute(ts, signature))
            .collect();
        out.extend(nested.iter().map(|ci| seq(&[&oid(NESTED_SIGNATURE), &set(&[ci])])));
        out
    };
    let over = if s.form.no_signed_attributes {
        SignedOver::Content(digested)
    } else {
        SignedOver::Attributes(&attrs)
    };
    let version = if s.form.signer_info_v0 { 0 } else { 1 };
    let (signer_info, _) = signer_info_with(
        s.key,
        s.cert,
        s.hash,
        over,
        version,
        &unsigned,
        s.corrupt_signature,
        false,
        s.form.signature_hash,
    );
    let mut certs: Vec<&[u8]> = s.chain.iter().map(|c| c.der.as_slice()).collect();
    // PKCS#9 countersigners are found in the outer certificate set.
    if let Some(ts) = s
        .timestamp
        .as_ref()
        .filter(|t| !matches!(t.kind, TimestampKind::Rfc3161 | TimestampKind::Rfc3161Md5Imprint))
    {
        certs.push(&ts.cert.der);
        certs.extend(ts.chain.iter().map(|c| c.der.as_slice()));
    }
    content_info(s, &content, &certs, &signer_info)
}

/// An SpcIndirectDataContent whose `data` is SpcSipInfo { `version`, `guid` (as stored),
/// five zero INTEGERs }, as a script's signature carries it.
pub(crate) fn sip_indirect_data(h: Hash, digest: &[u8], guid: &[u8; 16], version: u64) -> Vec<u8> {
    let zero = int(0);
    let info = seq(&[&int(version), &octets(guid), &zero, &zero, &zero, &zero, &zero]);
    seq(&[
        &seq(&[&oid("1.3.6.1.4.1.311.2.1.30"), &info]),
        &seq(&[&alg_null(h.oid()), &octets(digest)]),
    ])
}

/// The signed attributes: contentType, an empty SpcSpOpusInfo, the statement type and
/// messageDigest over `digested` (wrong or twice when the form asks).
fn signed_attributes(s: &Signer<'_>, digested: &[u8]) -> Vec<Vec<u8>> {
    let md = if s.form.wrong_message_digest {
        s.hash.digest(b"other content")
    } else {
        s.hash.digest(digested)
    };
    let mut attrs = vec![
        attribute("1.2.840.113549.1.9.3", &oid(SPC_INDIRECT_DATA)),
        attribute(SPC_SP_OPUS_INFO, &seq(&[])),
        attribute(SPC_STATEMENT_TYPE, &seq(&[&oid("1.3.6.1.4.1.311.2.1.21")])),
        attribute("1.2.840.113549.1.9.4", &octets(&md)),
    ];
    if s.form.duplicate_message_digest {
        attrs.push(attribute("1.2.840.113549.1.9.4", &octets(&s.hash.digest(digested))));
    }
    attrs
}

/// ContentInfo(SignedData) around `content` (the SpcIndirectDataContent), the embedded
/// certificates and the SignerInfo, in the encoding the form asks for.
fn content_info(s: &Signer<'_>, content: &[u8], certs: &[&[u8]], signer_info: &[u8]) -> Vec<u8> {
    let (sd_version, encap) = if s.form.cms_v3_octet_string {
        (3, seq(&[&oid(SPC_INDIRECT_DATA), &ctx(0, true, &octets(content))]))
    } else {
        (1, seq(&[&oid(SPC_INDIRECT_DATA), &ctx(0, true, content)]))
    };
    let sd = seq(&[
        &int(sd_version),
        &set(&[&alg_null(s.hash.oid())]),
        &encap,
        &ctx(0, true, &cat(certs)),
        &set(&[signer_info]),
    ]);
    let inner = cat(&[&oid("1.2.840.113549.1.7.2"), &ctx(0, true, &sd)]);
    let inner = if s.form.trailing_in_content_info {
        cat(&[&inner, &octets(b"garbage")])
    } else {
        inner
    };
    if s.form.ber_indefinite_outer {
        // 30 80 <contents> 00 00
        cat(&[&[0x30, 0x80], &inner, &[0, 0]])
    } else {
        seq(&[&inner])
    }
}

pub(crate) fn der_header_len(tlv: &[u8]) -> usize {
    let l = tlv[1];
    if l < 0x80 {
        2
    } else {
        2 + (l & 0x7f) as usize
    }
}

/// Pads `unsigned` to 8 bytes and appends a certificate table holding `content_infos`,
/// one WIN_CERTIFICATE each; fixes the security directory and the checksum.
pub(crate) fn attach(unsigned: &[u8], content_infos: &[Vec<u8>]) -> Vec<u8> {
    let mut f = unsigned.to_vec();
    f.resize(f.len().div_ceil(8) * 8, 0);
    let table_start = f.len();
    for ci in content_infos {
        let len = 8 + ci.len();
        f.extend_from_slice(&(len as u32).to_le_bytes());
        f.extend_from_slice(&0x0200u16.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(ci);
        f.resize(f.len().div_ceil(8) * 8, 0);
    }
    let size = f.len() - table_start;
    pe::set_security_dir(&mut f, table_start as u32, size as u32);
    pe::set_checksum(&mut f);
    f
}

/// The digest a signature over `unsigned` must carry: the image padded to 8 bytes, as it
/// will be once the table is attached.
pub(crate) fn digest_for(unsigned: &[u8], h: Hash) -> Vec<u8> {
    let mut f = unsigned.to_vec();
    f.resize(f.len().div_ceil(8) * 8, 0);
    let start = f.len();
    pe::authenticode_digest(&f, Some(start), h)
}

/// Signs `unsigned` with a primary signature and nested ones, each as an unsigned
/// attribute of the primary (signtool /as).
pub(crate) fn sign(unsigned: &[u8], primary: &Signer<'_>, nested: &[&Signer<'_>]) -> Vec<u8> {
    let nested_cis: Vec<Vec<u8>> = nested
        .iter()
        .map(|n| signed_data(n, &digest_for(unsigned, n.hash), &[]))
        .collect();
    let mut ci = signed_data_over(
        primary,
        &digest_for(unsigned, primary.hash),
        &nested_cis,
        Some(unsigned),
    );
    ci.extend_from_slice(primary.form.stuffing);
    attach(unsigned, &[ci])
}

/// Signs with `levels[0]` outermost, each level nested inside the one before.
/// [`sign`] where every nested signature carries page hashes too (when its form asks).
#[allow(dead_code)] // used through the library (hostile_big), not by the binary
pub(crate) fn sign_all_with_page_hashes(unsigned: &[u8], primary: &Signer<'_>, nested: &[&Signer<'_>]) -> Vec<u8> {
    let nested_cis: Vec<Vec<u8>> = nested
        .iter()
        .map(|n| signed_data_over(n, &digest_for(unsigned, n.hash), &[], Some(unsigned)))
        .collect();
    let ci = signed_data_over(
        primary,
        &digest_for(unsigned, primary.hash),
        &nested_cis,
        Some(unsigned),
    );
    attach(unsigned, &[ci])
}

pub(crate) fn sign_nested_levels(unsigned: &[u8], levels: &[&Signer<'_>]) -> Vec<u8> {
    let mut inner: Vec<Vec<u8>> = Vec::new();
    for s in levels.iter().rev() {
        let ci = signed_data(s, &digest_for(unsigned, s.hash), &inner);
        inner = vec![ci];
    }
    attach(unsigned, &inner)
}

/// One subject of a generated CTL: a SHA-1 thumbprint and CryptoAPI properties.
pub(crate) struct CtlSubject<'a> {
    pub cert: &'a Cert,
    pub friendly_name: &'a str,
    /// Property 9 (None: absent = all purposes).
    pub ekus: Option<&'a [&'a str]>,
    /// Property 104 and its EKU scope (property 122).
    pub disabled_at: Option<u64>,
    pub disabled_ekus: Option<&'a [&'a str]>,
    /// Property 126 and its EKU scope (property 127).
    pub not_before: Option<u64>,
    pub not_before_ekus: Option<&'a [&'a str]>,
}

pub(crate) const CTL: &str = "1.3.6.1.4.1.311.10.1";
pub(crate) const ROOT_LIST_SIGNER: &str = "1.3.6.1.4.1.311.10.3.9";
pub(crate) const DISALLOWED_LIST: &str = "1.3.6.1.4.1.311.10.3.30";

fn filetime(unix: u64) -> Vec<u8> {
    ((unix + 11_644_473_600) * 10_000_000).to_le_bytes().to_vec()
}

fn prop(id: u32, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(&format!("1.3.6.1.4.1.311.10.11.{id}")), &set(&[&octets(value)])])
}

fn eku_seq(ekus: &[&str]) -> Vec<u8> {
    let oids: Vec<Vec<u8>> = ekus.iter().map(|o| oid(o)).collect();
    let refs: Vec<&[u8]> = oids.iter().map(|o| o.as_slice()).collect();
    seq(&refs)
}

/// A certificate trust list in the authroot.stl format ([MS-CAESO]), signed like the real
/// one: SignedData v1, SHA-256, content not OCTET STRING-wrapped, signed attributes
/// contentType = szOID_CTL and messageDigest over the CertificateTrustList contents octets.
pub(crate) fn ctl(
    usage: &str,
    subjects: &[CtlSubject<'_>],
    this_update: u64,
    key: &Key,
    signer: &Cert,
    chain: &[&Cert],
) -> Vec<u8> {
    let entries: Vec<Vec<u8>> = subjects
        .iter()
        .map(|s| {
            let name_md5 = Hash::Md5.digest(&s.cert.name);
            let name16: Vec<u8> = s
                .friendly_name
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes)
                .collect();
            let mut props = vec![
                prop(11, &name16),
                prop(20, &s.cert.key_id),
                prop(29, &name_md5),
                prop(98, &Hash::Sha256.digest(&s.cert.der)),
            ];
            if let Some(e) = s.ekus {
                props.push(prop(9, &eku_seq(e)));
            }
            if let Some(t) = s.disabled_at {
                props.push(prop(104, &filetime(t)));
            }
            if let Some(e) = s.disabled_ekus {
                props.push(prop(122, &eku_seq(e)));
            }
            if let Some(t) = s.not_before {
                props.push(prop(126, &filetime(t)));
            }
            if let Some(e) = s.not_before_ekus {
                props.push(prop(127, &eku_seq(e)));
            }
            seq(&[&octets(&Hash::Sha1.digest(&s.cert.der)), &set_sorted(&props)])
        })
        .collect();
    let entry_refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
    let list = seq(&[
        &seq(&[&oid(usage)]),
        &int(this_update),
        &time(this_update),
        &alg_null(Hash::Sha1.oid()),
        &seq(&entry_refs),
    ]);
    signed_list(&list, Some((key, signer, chain)))
}

/// A ContentInfo(SignedData) around a CertificateTrustList (`list`, DER): signed with SHA-256
/// by `signer` (embedding it and `chain`), or with no SignerInfo and no certificates (an
/// unsigned catalog, as makecat writes before signing).
pub(crate) fn signed_list(list: &[u8], signer: Option<(&Key, &Cert, &[&Cert])>) -> Vec<u8> {
    signed_list_timestamped(list, signer, None)
}

/// [`signed_list`], its SignerInfo carrying `timestamp` (over its signature) when given.
pub(crate) fn signed_list_timestamped(
    list: &[u8],
    signer: Option<(&Key, &Cert, &[&Cert])>,
    timestamp: Option<&Timestamp<'_>>,
) -> Vec<u8> {
    let content_octets = &list[der_header_len(list)..];
    let (signer_infos, certs, algs) = match signer {
        Some((key, cert, chain)) => {
            let attrs = vec![
                attribute("1.2.840.113549.1.9.3", &oid(CTL)),
                attribute("1.2.840.113549.1.9.4", &octets(&Hash::Sha256.digest(content_octets))),
            ];
            let unsigned = |signature: &[u8]| timestamp.iter().map(|ts| timestamp_attribute(ts, signature)).collect();
            let (si, _) = signer_info(key, cert, Hash::Sha256, &attrs, &unsigned, false, false);
            let mut certs: Vec<&[u8]> = vec![&cert.der];
            certs.extend(chain.iter().map(|c| c.der.as_slice()));
            (
                set(&[&si]),
                ctx(0, true, &cat(&certs)),
                set(&[&alg_null(Hash::Sha256.oid())]),
            )
        }
        None => (set(&[]), Vec::new(), set(&[])),
    };
    let sd = seq(&[
        &int(1),
        &algs,
        &seq(&[&oid(CTL), &ctx(0, true, list)]),
        &certs,
        &signer_infos,
    ]);
    seq(&[&oid("1.2.840.113549.1.7.2"), &ctx(0, true, &sd)])
}
