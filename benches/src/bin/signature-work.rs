//! Prints, per file, its size and the RSA modulus sizes of the signatures verifying it costs
//! (tab-separated): the input `scripts/bench-signatures.sh` prices at OpenSSL's rates.
fn main() {
    for path in std::env::args().skip(1) {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        match authverify_benches::work::rsa_signature_bits(&data) {
            Ok(bits) => {
                let bits: Vec<String> = bits.iter().map(usize::to_string).collect();
                println!("{path}\t{}\t{}", data.len(), bits.join(","));
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
