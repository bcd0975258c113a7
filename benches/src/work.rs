//! What RSA work verifying a file costs once caches are warm: one public operation per
//! SignerInfo (each signature, nested signature and timestamp), at its key's size. Chain
//! links are cached across files, so they are not per-file work. Read with the `cms` crate,
//! independently of the library under measurement.

use cms::content_info::ContentInfo;
use cms::signed_data::SignerInfo;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

const COUNTERSIGNATURE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.6");
const RFC3161_TOKEN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.3.3.1");
const NESTED_SIGNATURE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.4.1");

/// The modulus sizes of the RSA signatures in `file`'s certificate table (ECDSA ones are
/// not counted), or why it could not be read.
pub fn rsa_signature_bits(file: &[u8]) -> Result<Vec<usize>, String> {
    let image = authverify::PeImage::parse(file).map_err(|e| e.to_string())?;
    let mut bits = Vec::new();
    for entry in authverify::cert_table::CertTableIter::new(&image) {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.is_pkcs7() {
            content_info(entry.certificate, &mut bits, 0)?;
        }
    }
    Ok(bits)
}

fn content_info(der: &[u8], bits: &mut Vec<usize>, depth: usize) -> Result<(), String> {
    if depth > 8 {
        return Err("nesting too deep".into());
    }
    // The table entry is padded to 8 bytes: decode the first value, ignore what follows.
    let mut reader = der::SliceReader::new(der).map_err(|e| e.to_string())?;
    let ci = ContentInfo::decode(&mut reader).map_err(|e| e.to_string())?;
    // SignedData read as a sequence whose last element is the SignerInfos: `cms` refuses
    // the crls [1] of Microsoft's timestamp tokens, which this count does not need.
    let fields: Vec<der::Any> = ci
        .content
        .decode_as()
        .map_err(|e: der::Error| format!("SignedData at depth {depth}: {e}"))?;
    let signers: der::asn1::SetOfVec<SignerInfo> = fields
        .last()
        .ok_or("empty SignedData")?
        .decode_as()
        .map_err(|e: der::Error| format!("SignerInfos at depth {depth}: {e}"))?;
    for si in signers.iter() {
        signer_info(si, bits, depth)?;
    }
    Ok(())
}

fn signer_info(si: &SignerInfo, bits: &mut Vec<usize>, depth: usize) -> Result<(), String> {
    let alg = si.signature_algorithm.oid.to_string();
    // rsaEncryption and the *WithRSAEncryption OIDs live under 1.2.840.113549.1.1.
    if alg.starts_with("1.2.840.113549.1.1.") || alg == "1.3.14.3.2.29" {
        bits.push(si.signature.as_bytes().len() * 8);
    }
    for attr in si.unsigned_attrs.iter().flat_map(|a| a.iter()) {
        for value in attr.values.iter() {
            let der = value.to_der().map_err(|e| e.to_string())?;
            match attr.oid {
                COUNTERSIGNATURE => {
                    signer_info(&SignerInfo::from_der(&der).map_err(|e| e.to_string())?, bits, depth + 1)?
                }
                RFC3161_TOKEN | NESTED_SIGNATURE => content_info(&der, bits, depth + 1)?,
                _ => {}
            }
        }
    }
    Ok(())
}
