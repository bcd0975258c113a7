//! The layering rule of docs/ARCHITECTURE.md, checked rather than read: every `crate::`
//! path in the library's code (test modules aside) names its own top-level module, the
//! shared vocabulary, or a layer before it in the pipeline. A new module must be given a
//! place here; a dependency that points the wrong way fails with the file and line.

use std::path::{Path, PathBuf};

/// The pipeline, in order: a module may use modules of a lower rank, and its own.
/// Rank 0 is the shared vocabulary, which may use only itself.
const RANKS: &[(&str, u8)] = &[
    ("asn1", 0),
    ("bounded", 0),
    ("digest", 0),
    ("error", 0),
    ("finding", 0),
    ("num", 0),
    ("policy", 0),
    ("time", 0),
    // Formats: bytes → the signature and what it signs.
    ("pe", 1),
    ("cab", 1),
    ("msi", 1),
    ("script", 1),
    ("appx", 1),
    ("x509", 1),
    // Signed data, then what is read from it.
    ("cms", 2),
    ("payload", 2),
    ("catalog", 3),
    // Trust material, chains over it, loading (which verifies trust lists with chains).
    ("trust", 4),
    ("path", 5),
    ("loading", 6),
    // The report renders chains and trust; verify decides and writes the report once.
    ("report", 6),
    ("verify", 7),
    // The public surface.
    ("fuzzing", 8),
    ("lib", 8),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line's `crate::` paths name (`crate::a::b`, `crate::{a, b::c}`).
fn named_modules(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let group = rest.strip_prefix('{').map(|g| &g[..g.find('}').unwrap_or(g.len())]);
        let heads: Vec<&str> = match group {
            Some(g) => g.split(',').collect(),
            None => vec![rest],
        };
        for head in heads {
            let ident: String = head
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // Items re-exported at the root (`crate::Verifier`) are the public surface,
            // named by lib.rs; lower-case names are modules.
            if ident.starts_with(|c: char| c.is_ascii_lowercase()) {
                out.push(ident);
            }
        }
    }
    out
}

#[test]
fn every_dependency_points_down_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a component");
        let own = first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let Some(own_rank) = rank(&own) else {
            violations.push(format!("{}: module `{own}` has no place in RANKS", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            // Test modules close each file by convention; they may reach anywhere.
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in named_modules(line) {
                checked += 1;
                if used == own {
                    continue;
                }
                match rank(&used) {
                    Some(r) if r < own_rank || (r == 0 && own_rank == 0) => {}
                    Some(r) => violations.push(format!(
                        "{}:{}: `{own}` (rank {own_rank}) uses `{used}` (rank {r})",
                        rel.display(),
                        n + 1
                    )),
                    None => violations.push(format!("{}:{}: `{used}` has no place in RANKS", rel.display(), n + 1)),
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate:: paths found: is the scan reading the sources?"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_grouped_and_nested_paths() {
    assert_eq!(named_modules("use crate::path::{self, Chain};"), ["path"]);
    assert_eq!(
        named_modules("use crate::{digest::X, trust::Y, Verifier};"),
        ["digest", "trust"]
    );
    assert_eq!(
        named_modules("let x = crate::num::le_u16(b, 0) + crate::time::now();"),
        ["num", "time"]
    );
}
