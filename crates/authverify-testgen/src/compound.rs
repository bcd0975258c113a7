//! A minimal OLE compound file writer ([MS-CFB], version 3, 512-byte sectors): one root
//! storage holding streams, written so that the `cfb` crate and osslsigncode read it too.
//! The MSI vectors are made by wixl; this exists for packages no tool makes on demand, such
//! as one with a million directory entries (issue 27).

/// Sector and directory markers ([MS-CFB] 2.1).
const FREE: u32 = 0xffff_ffff;
const END_OF_CHAIN: u32 = 0xffff_fffe;
const FAT_SECTOR: u32 = 0xffff_fffd;
const DIFAT_SECTOR: u32 = 0xffff_fffc;
const NO_STREAM: u32 = 0xffff_ffff;
const SECTOR: usize = 512;
const MINI_SECTOR: usize = 64;
const MINI_CUTOFF: usize = 4096;
const ENTRY: usize = 128;
/// u32 entries per FAT sector.
const PER_FAT: usize = SECTOR / 4;

/// A stream of the root storage.
pub(crate) struct Stream<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
}

/// The ordering [MS-CFB] 2.6.4 prescribes for a storage's sibling tree: shorter names
/// first, then by upper-cased UTF-16 code units (ASCII names here).
fn tree_order(a: &str, b: &str) -> std::cmp::Ordering {
    let upper = |s: &str| -> Vec<u16> { s.to_ascii_uppercase().encode_utf16().collect() };
    a.encode_utf16()
        .count()
        .cmp(&b.encode_utf16().count())
        .then_with(|| upper(a).cmp(&upper(b)))
}

/// A balanced binary tree over `ids` (already in tree order): the root of `ids`, with
/// each node's left and right siblings set in `links`.
fn balanced(ids: &[u32], links: &mut [(u32, u32)]) -> u32 {
    if ids.is_empty() {
        return NO_STREAM;
    }
    let mid = ids.len() / 2;
    let left = balanced(&ids[..mid], links);
    let right = balanced(&ids[mid + 1..], links);
    links[ids[mid] as usize] = (left, right);
    ids[mid]
}

/// The sectors a run of `len` bytes takes, chained one after the other from `first`.
fn chain(fat: &mut [u32], first: usize, sectors: usize) {
    for i in 0..sectors {
        fat[first + i] = if i + 1 == sectors {
            END_OF_CHAIN
        } else {
            (first + i + 1) as u32
        };
    }
}

/// A compound file whose root storage (CLSID `clsid`) holds `streams`; streams under
/// 4096 bytes go to the mini stream, as the format requires.
pub(crate) fn write(clsid: [u8; 16], streams: &[Stream<'_>]) -> Vec<u8> {
    // Directory entry ids: 0 the root, then the streams in the order given.
    let count = streams.len() + 1;
    let mut order: Vec<u32> = (1..count as u32).collect();
    order.sort_by(|&a, &b| tree_order(streams[a as usize - 1].name, streams[b as usize - 1].name));
    let mut links = vec![(NO_STREAM, NO_STREAM); count];
    let root_child = balanced(&order, &mut links);

    // The mini stream: small streams, each rounded up to 64-byte mini sectors.
    let mut mini = Vec::new();
    let mut minifat: Vec<u32> = Vec::new();
    let mut start = vec![END_OF_CHAIN; count];
    for (i, s) in streams.iter().enumerate() {
        if !s.data.is_empty() && s.data.len() < MINI_CUTOFF {
            let first = minifat.len();
            let n = s.data.len().div_ceil(MINI_SECTOR);
            minifat.resize(first + n, 0);
            chain(&mut minifat, first, n);
            start[i + 1] = first as u32;
            mini.extend_from_slice(s.data);
            mini.resize(mini.len().div_ceil(MINI_SECTOR) * MINI_SECTOR, 0);
        }
    }

    // Sector layout: FAT, DIFAT, directory, mini FAT, mini stream, then large streams.
    let dir_sectors = (count * ENTRY).div_ceil(SECTOR);
    let minifat_sectors = (minifat.len() * 4).div_ceil(SECTOR);
    let mini_sectors = mini.len().div_ceil(SECTOR);
    let large_sectors: usize = streams
        .iter()
        .filter(|s| s.data.len() >= MINI_CUTOFF)
        .map(|s| s.data.len().div_ceil(SECTOR))
        .sum();
    let data_sectors = dir_sectors + minifat_sectors + mini_sectors + large_sectors;
    // FAT sectors cover every sector, themselves and the DIFAT included; the header lists
    // 109 FAT sectors, each DIFAT sector 127 more.
    let (mut fat_sectors, mut difat_sectors) = (1usize, 0usize);
    loop {
        let need = (data_sectors + fat_sectors + difat_sectors).div_ceil(PER_FAT);
        let difat_need = need.saturating_sub(109).div_ceil(PER_FAT - 1);
        if need == fat_sectors && difat_need == difat_sectors {
            break;
        }
        (fat_sectors, difat_sectors) = (need, difat_need);
    }
    let total = fat_sectors + difat_sectors + data_sectors;
    let mut fat = vec![FREE; fat_sectors * PER_FAT];
    fat[..fat_sectors].fill(FAT_SECTOR);
    fat[fat_sectors..fat_sectors + difat_sectors].fill(DIFAT_SECTOR);
    let dir_first = fat_sectors + difat_sectors;
    chain(&mut fat, dir_first, dir_sectors);
    let minifat_first = dir_first + dir_sectors;
    chain(&mut fat, minifat_first, minifat_sectors);
    let mini_first = minifat_first + minifat_sectors;
    chain(&mut fat, mini_first, mini_sectors);
    let mut next = mini_first + mini_sectors;
    for (i, s) in streams.iter().enumerate() {
        if s.data.len() >= MINI_CUTOFF {
            let n = s.data.len().div_ceil(SECTOR);
            chain(&mut fat, next, n);
            start[i + 1] = next as u32;
            next += n;
        }
    }

    let mut f = vec![0u8; SECTOR * (1 + total)];
    let put = |f: &mut [u8], at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
    f[..8].copy_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    f[0x18..0x1a].copy_from_slice(&0x3eu16.to_le_bytes());
    f[0x1a..0x1c].copy_from_slice(&3u16.to_le_bytes());
    f[0x1c..0x1e].copy_from_slice(&0xfffeu16.to_le_bytes());
    f[0x1e..0x20].copy_from_slice(&9u16.to_le_bytes());
    f[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
    put(&mut f, 0x2c, fat_sectors as u32);
    put(&mut f, 0x30, dir_first as u32);
    put(&mut f, 0x38, MINI_CUTOFF as u32);
    put(
        &mut f,
        0x3c,
        if minifat_sectors == 0 {
            END_OF_CHAIN
        } else {
            minifat_first as u32
        },
    );
    put(&mut f, 0x40, minifat_sectors as u32);
    put(
        &mut f,
        0x44,
        if difat_sectors == 0 {
            END_OF_CHAIN
        } else {
            fat_sectors as u32
        },
    );
    put(&mut f, 0x48, difat_sectors as u32);
    let sector_at = |n: usize| SECTOR * (1 + n);
    // The DIFAT: 109 FAT sector ids in the header, then 127 per DIFAT sector and a link.
    let mut difat = (0..fat_sectors as u32).chain(std::iter::repeat(FREE));
    for i in 0..109 {
        put(&mut f, 0x4c + 4 * i, difat.next().unwrap_or(FREE));
    }
    for d in 0..difat_sectors {
        let at = sector_at(fat_sectors + d);
        for i in 0..PER_FAT - 1 {
            put(&mut f, at + 4 * i, difat.next().unwrap_or(FREE));
        }
        let link = if d + 1 == difat_sectors {
            END_OF_CHAIN
        } else {
            (fat_sectors + d + 1) as u32
        };
        put(&mut f, at + 4 * (PER_FAT - 1), link);
    }
    for (i, v) in fat.iter().enumerate() {
        put(&mut f, sector_at(0) + 4 * i, *v);
    }
    // Directory entries; the slots after the last are unallocated (siblings NO_STREAM).
    let dir = sector_at(dir_first);
    for slot in 0..dir_sectors * SECTOR / ENTRY {
        let e = dir + slot * ENTRY;
        put(&mut f, e + 68, NO_STREAM);
        put(&mut f, e + 72, NO_STREAM);
        put(&mut f, e + 76, NO_STREAM);
    }
    let entry = |f: &mut [u8], id: usize, name: &str, kind: u8, size: usize| {
        let e = dir + id * ENTRY;
        let units: Vec<u16> = name.encode_utf16().collect();
        assert!(units.len() < 32, "{name}: names are at most 31 UTF-16 units");
        for (k, u) in units.iter().enumerate() {
            f[e + 2 * k..e + 2 * k + 2].copy_from_slice(&u.to_le_bytes());
        }
        f[e + 64..e + 66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        f[e + 66] = kind;
        f[e + 67] = 1; // black
        let (left, right) = links[id];
        put(f, e + 68, left);
        put(f, e + 72, right);
        put(f, e + 116, start[id]);
        f[e + 120..e + 128].copy_from_slice(&(size as u64).to_le_bytes());
    };
    entry(&mut f, 0, "Root Entry", 5, mini.len());
    f[dir + 76..dir + 80].copy_from_slice(&root_child.to_le_bytes());
    f[dir + 80..dir + 96].copy_from_slice(&clsid);
    put(
        &mut f,
        dir + 116,
        if mini_sectors == 0 {
            END_OF_CHAIN
        } else {
            mini_first as u32
        },
    );
    for (i, s) in streams.iter().enumerate() {
        entry(&mut f, i + 1, s.name, 2, s.data.len());
    }
    for (i, v) in minifat
        .iter()
        .chain(std::iter::repeat(&FREE))
        .take(minifat_sectors * PER_FAT)
        .enumerate()
    {
        put(&mut f, sector_at(minifat_first) + 4 * i, *v);
    }
    f[sector_at(mini_first)..sector_at(mini_first) + mini.len()].copy_from_slice(&mini);
    for (i, s) in streams.iter().enumerate() {
        if s.data.len() >= MINI_CUTOFF {
            let at = sector_at(start[i + 1] as usize);
            f[at..at + s.data.len()].copy_from_slice(s.data);
        }
    }
    f
}
