//! The verifier's outcomes rendered as report data, once the file's verdict is reached:
//! certificates as summaries, digests and algorithms by name. Here rather than in
//! report.rs, which renders the layers above verify/ (`From<path::Chain>`): the report
//! types know nothing of the verifier, and the verifier writes them (tests/layering.rs).

use super::outcome::{Origin, PageHashes, SignatureOutcome};
use super::timestamp::Timestamp;
use crate::report::{
    CatalogMemberRef, CertificateSummary, ChainReport, PageHashReport, SignatureKind, SignatureReport, TimestampReport,
    TsaSummary,
};

impl From<Timestamp> for TimestampReport {
    fn from(t: Timestamp) -> Self {
        Self {
            kind: t.kind,
            time: t.time,
            valid: t.valid,
            tsa: t.tsa.map(|c| TsaSummary {
                subject: c.subject().to_string(),
                sha1: c.sha1_hex(),
            }),
            chain: t.chain.map(ChainReport::from),
            notes: t.findings,
        }
    }
}

impl From<PageHashes> for PageHashReport {
    fn from(p: PageHashes) -> Self {
        Self {
            algorithm: p.algorithm.name().to_string(),
            pages: p.pages,
            matches: p.matches,
        }
    }
}

impl From<SignatureOutcome> for SignatureReport {
    fn from(s: SignatureOutcome) -> Self {
        let (nested_in, table_entry, kind, catalog) = match s.origin {
            Origin::Embedded { table_entry, nested_in } => (nested_in, table_entry, SignatureKind::Embedded, None),
            Origin::Catalog {
                path,
                member,
                file_name,
            } => (
                None,
                0,
                SignatureKind::Catalog,
                Some(CatalogMemberRef {
                    path,
                    member,
                    file_name,
                }),
            ),
        };
        Self {
            index: s.index,
            nested_in,
            table_entry,
            kind,
            catalog,
            status: s.status,
            digest_algorithm: s.digest.algorithm.map(|a| a.name().to_string()),
            signed_digest: s.digest.signed.as_deref().map(hex::encode),
            computed_digest: s.digest.computed.as_deref().map(hex::encode),
            digest_matches: s.digest.matches,
            signature_valid: s.signature_valid,
            signer: s.signer.as_deref().map(CertificateSummary::from),
            chain: s.chain.map(ChainReport::from),
            timestamp: s.timestamp.map(TimestampReport::from),
            evaluated_at: s.evaluated_at,
            page_hashes: s.page_hashes.map(PageHashReport::from),
            error: s.error,
            notes: s.findings,
        }
    }
}
