//! Minimal but well-formed PE32 / PE32+ images, and this generator's own Authenticode
//! digest (written from the PE/COFF spec, independent of the library under test).

pub(crate) struct PeSpec {
    pub pe32_plus: bool,
    pub data_len: usize,
    pub seed: u64,
    /// Bytes after the last section (an installer-style overlay), hashed like the rest.
    pub overlay: usize,
}

const FILE_ALIGN: usize = 0x200;

fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Deterministic filler bytes (xorshift64*).
pub(crate) fn filler(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

pub(crate) fn build(spec: &PeSpec) -> Vec<u8> {
    let e_lfanew = 0x80usize;
    let opt_size: usize = if spec.pe32_plus { 240 } else { 224 };
    let headers = 0x400usize;
    let text_raw = 0x200usize;
    let data_raw = spec.data_len.div_ceil(FILE_ALIGN) * FILE_ALIGN;
    let mut f = vec![0u8; headers + text_raw + data_raw];
    f[0] = b'M';
    f[1] = b'Z';
    put32(&mut f, 0x3c, e_lfanew as u32);
    f[0x40..0x40 + 39].copy_from_slice(b"This program cannot be run in DOS mode.");
    f[e_lfanew..e_lfanew + 4].copy_from_slice(b"PE\0\0");
    let coff = e_lfanew + 4;
    put16(&mut f, coff, if spec.pe32_plus { 0x8664 } else { 0x14c });
    put16(&mut f, coff + 2, 2);
    put32(&mut f, coff + 4, 0x6000_0000);
    put16(&mut f, coff + 16, opt_size as u16);
    put16(&mut f, coff + 18, if spec.pe32_plus { 0x22 } else { 0x102 });
    let opt = coff + 20;
    put16(&mut f, opt, if spec.pe32_plus { 0x20b } else { 0x10b });
    f[opt + 2] = 14;
    put32(&mut f, opt + 4, text_raw as u32);
    put32(&mut f, opt + 8, data_raw as u32);
    put32(&mut f, opt + 16, 0x1000); // AddressOfEntryPoint
    put32(&mut f, opt + 20, 0x1000); // BaseOfCode
    if spec.pe32_plus {
        put64(&mut f, opt + 24, 0x1_4000_0000);
    } else {
        put32(&mut f, opt + 24, 0x2000); // BaseOfData
        put32(&mut f, opt + 28, 0x40_0000);
    }
    put32(&mut f, opt + 32, 0x1000); // SectionAlignment
    put32(&mut f, opt + 36, FILE_ALIGN as u32);
    put16(&mut f, opt + 40, 6);
    put16(&mut f, opt + 48, 6);
    let image_size = 0x2000 + data_raw.div_ceil(0x1000).max(1) * 0x1000;
    put32(&mut f, opt + 56, image_size as u32);
    put32(&mut f, opt + 60, headers as u32);
    put16(&mut f, opt + 68, 3); // console
    put16(&mut f, opt + 70, 0x8160);
    let rva_count = if spec.pe32_plus { opt + 108 } else { opt + 92 };
    if spec.pe32_plus {
        put64(&mut f, opt + 72, 0x10_0000);
        put64(&mut f, opt + 80, 0x1000);
        put64(&mut f, opt + 88, 0x10_0000);
        put64(&mut f, opt + 96, 0x1000);
    } else {
        put32(&mut f, opt + 72, 0x10_0000);
        put32(&mut f, opt + 76, 0x1000);
        put32(&mut f, opt + 80, 0x10_0000);
        put32(&mut f, opt + 84, 0x1000);
    }
    put32(&mut f, rva_count, 16);
    let sections = opt + opt_size;
    let mut section = |i: usize, name: &[u8], va: u32, vsize: u32, raw_size: u32, raw_ptr: u32, flags: u32| {
        let s = sections + i * 40;
        f[s..s + name.len()].copy_from_slice(name);
        put32(&mut f, s + 8, vsize);
        put32(&mut f, s + 12, va);
        put32(&mut f, s + 16, raw_size);
        put32(&mut f, s + 20, raw_ptr);
        put32(&mut f, s + 36, flags);
    };
    section(0, b".text", 0x1000, 0x10, text_raw as u32, headers as u32, 0x6000_0020);
    section(
        1,
        b".data",
        0x2000,
        spec.data_len as u32,
        data_raw as u32,
        (headers + text_raw) as u32,
        0xC000_0040,
    );
    f[headers] = 0xc3; // ret
    let data = filler(spec.seed, spec.data_len);
    f[headers + text_raw..headers + text_raw + spec.data_len].copy_from_slice(&data);
    f.extend(filler(spec.seed ^ 0xabcd, spec.overlay));
    f
}

/// (CheckSum offset, security directory entry offset).
pub(crate) fn field_offsets(f: &[u8]) -> (usize, usize) {
    let e = u32::from_le_bytes(f[0x3c..0x40].try_into().unwrap()) as usize;
    let opt = e + 24;
    let plus = u16::from_le_bytes([f[opt], f[opt + 1]]) == 0x20b;
    (opt + 64, if plus { opt + 144 } else { opt + 128 })
}

/// The Authenticode digest by the contiguous method: [0, CheckSum) ∪ (CheckSum+4,
/// SecDir) ∪ (SecDir+8, table start). Unsigned images are padded to 8 with zeros.
pub(crate) fn authenticode_digest(f: &[u8], table_start: Option<usize>, h: crate::pki::Hash) -> Vec<u8> {
    let (ck, sd) = field_offsets(f);
    let end = table_start.unwrap_or(f.len());
    let mut buf = Vec::with_capacity(end + 8);
    buf.extend_from_slice(&f[..ck]);
    buf.extend_from_slice(&f[ck + 4..sd]);
    buf.extend_from_slice(&f[sd + 8..end]);
    if table_start.is_none() && !f.len().is_multiple_of(8) {
        buf.extend(std::iter::repeat_n(0u8, 8 - f.len() % 8));
    }
    h.digest(&buf)
}

/// The PE checksum (ImageHlp's CheckSumMappedFile), so vectors look like real linker output.
pub(crate) fn set_checksum(f: &mut [u8]) {
    let (ck, _) = field_offsets(f);
    put32(f, ck, 0);
    let mut sum: u64 = 0;
    for chunk in f.chunks(2) {
        let w = u64::from(u16::from_le_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]));
        sum += w;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    let total = sum as u32 + f.len() as u32;
    put32(f, ck, total);
}

pub(crate) fn set_security_dir(f: &mut [u8], offset: u32, size: u32) {
    let (_, sd) = field_offsets(f);
    put32(f, sd, offset);
    put32(f, sd + 4, size);
}

/// The page-hash table (SpcPeImagePageHashes) of an image, written from the layout signtool
/// produces: the headers page without CheckSum and the security entry, zero-padded to 4 KiB;
/// each section's raw data in 4 KiB pages, the last zero-padded; a final entry at the end of
/// the last section with a zero hash.
pub(crate) fn page_hashes(f: &[u8], h: crate::pki::Hash) -> Vec<u8> {
    const PAGE: usize = 4096;
    let (ck, sd) = field_offsets(f);
    let e = u32::from_le_bytes(f[0x3c..0x40].try_into().unwrap()) as usize;
    let sections = u16::from_le_bytes([f[e + 6], f[e + 7]]) as usize;
    let opt_size = u16::from_le_bytes([f[e + 20], f[e + 21]]) as usize;
    let headers = u32::from_le_bytes(f[e + 24 + 60..e + 24 + 64].try_into().unwrap()) as usize;
    let mut table = Vec::new();
    let mut page = f[..ck].to_vec();
    page.extend_from_slice(&f[ck + 4..sd]);
    page.extend_from_slice(&f[sd + 8..headers]);
    page.resize(page.len() + PAGE - headers, 0);
    table.extend_from_slice(&0u32.to_le_bytes());
    table.extend(h.digest(&page));
    let mut last = 0usize;
    for i in 0..sections {
        let s = e + 24 + opt_size + i * 40;
        let size = u32::from_le_bytes(f[s + 16..s + 20].try_into().unwrap()) as usize;
        let ptr = u32::from_le_bytes(f[s + 20..s + 24].try_into().unwrap()) as usize;
        for off in (0..size).step_by(PAGE) {
            let end = (off + PAGE).min(size);
            let mut page = f[ptr + off..ptr + end].to_vec();
            page.resize(PAGE, 0);
            table.extend_from_slice(&((ptr + off) as u32).to_le_bytes());
            table.extend(h.digest(&page));
        }
        if size > 0 {
            last = ptr + size;
        }
    }
    table.extend_from_slice(&(last as u32).to_le_bytes());
    table.extend(std::iter::repeat_n(0u8, h.digest(b"").len()));
    table
}
