//! Loading trust material into a [`TrustStore`]: the formats are `trust/`'s to parse, and a
//! CTL's publisher is checked with the path builder before the store accepts the list. This
//! module sits above both (the store itself is data and lookups; it never builds paths).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::error::{CabinetMembersError, TrustError, TrustListError};
use crate::path::{self, ChainStatus, PathRules};
use crate::policy::{Budget, Policy};

use crate::trust::ctl::{TrustList, VerifiedTrustList};
use crate::trust::material::parse_material;
use crate::trust::{LoadSummary, Role, SkippedFile, TrustListSummary, TrustMaterial, TrustStore};
use crate::x509::certificate::Certificate;

/// File extensions a directory load reads.
const TRUST_EXTENSIONS: &[&str] = &[
    "crt", "cer", "der", "pem", "p7b", "p7c", "sst", "stl", "cab", "reg", "hiv",
];

impl TrustStore {
    /// Adds a CTL after checking that its signer chains, at the list's ctlThisUpdate, to a
    /// publisher root for the root-list-signer purpose. A root-program list supplies
    /// per-root policy and names roots the store lacks; a disallowed list distrusts.
    pub fn add_trust_list(&mut self, list: TrustList) -> Result<(), TrustListError> {
        let mut pubs = TrustStore::new();
        self.trust_list_publishers()
            .into_iter()
            .for_each(|p| pubs.add_anchor(p));
        let chain = path::build(&path::ChainRequest {
            leaf: &list.signer,
            embedded: &list.certificates,
            trust: &pubs,
            at: list.this_update,
            verification_time: list.this_update,
            purpose: path::Purpose::RootListSigning,
            budget: Budget::default(),
            // Windows' rules whatever the verifier's policy: Microsoft signs the lists it
            // ships (archived ones with SHA-1), and Windows is what accepts them.
            rules: PathRules::from(&Policy::windows()),
            links: None,
            dictionary: crate::trust::builtin::Dictionary::BUILTIN,
        });
        if chain.status != ChainStatus::Trusted {
            return Err(TrustListError::Publisher {
                signer: list.signer.subject().to_string(),
                at: list.this_update,
                detail: chain
                    .detail
                    .map_or_else(|| chain.status.name().to_string(), |d| d.detail),
            });
        }
        self.accept_trust_list(VerifiedTrustList(list));
        Ok(())
    }

    /// Loads a file or directory (recursively) with the given role. Certificates become
    /// anchors, intermediates or distrusted; CTLs become policy whatever the role. In a
    /// directory, `disallowedcert.sst` holds distrusted certificates (as `CertUtil
    /// -syncWithWU` writes it), files that cannot be used are listed in
    /// [`LoadSummary::skipped`]; a single named file that cannot be used is an error.
    pub fn load(&mut self, path: &Path, role: Role) -> Result<LoadSummary, TrustError> {
        let mut summary = LoadSummary::default();
        let meta = std::fs::metadata(path).map_err(|source| TrustError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            let mut visited = HashSet::new();
            self.load_dir(path, role, &mut summary, &mut visited, 0)?;
        } else {
            self.load_file(path, role, &mut summary)?;
        }
        Ok(summary)
    }

    /// Loads every certificate of a file or directory as anchors. Returns how many were
    /// added.
    pub fn load_anchors(&mut self, path: &Path) -> Result<usize, TrustError> {
        self.load(path, Role::Anchors).map(|s| s.anchors)
    }

    /// Loads revocation lists from a file (DER or PEM, any name) or a directory (its `*.crl`
    /// files, recursively; anything else is listed as skipped). A named file that holds no
    /// usable list is an error; in a directory it is skipped with the reason.
    pub fn load_crls(&mut self, path: &Path) -> Result<LoadSummary, TrustError> {
        let mut summary = LoadSummary::default();
        let io = |source| TrustError::Io {
            path: path.display().to_string(),
            source,
        };
        if std::fs::metadata(path).map_err(io)?.is_dir() {
            let mut files = Vec::new();
            let mut visited = HashSet::new();
            crl_files(path, &mut files, &mut summary, &mut visited, 0)?;
            for p in files {
                if let Err(e) = self.load_crl_file(&p, &mut summary) {
                    summary.skipped.push(SkippedFile {
                        path: p.display().to_string(),
                        reason: e.to_string(),
                    });
                }
            }
        } else {
            self.load_crl_file(path, &mut summary)?;
        }
        Ok(summary)
    }

    fn load_crl_file(&mut self, path: &Path, summary: &mut LoadSummary) -> Result<(), TrustError> {
        let name = path.display().to_string();
        let bytes = read_trust_file(path).map_err(|source| TrustError::Io {
            path: name.clone(),
            source,
        })?;
        for crl in crate::trust::material::parse_crl_file(&bytes, &name)? {
            if self.add_crl(Arc::new(crl)) {
                summary.crls = summary.crls.saturating_add(1);
            }
        }
        Ok(())
    }

    fn load_dir(
        &mut self,
        dir: &Path,
        role: Role,
        summary: &mut LoadSummary,
        visited: &mut HashSet<std::path::PathBuf>,
        depth: usize,
    ) -> Result<(), TrustError> {
        let io = |source| TrustError::Io {
            path: dir.display().to_string(),
            source,
        };
        // Symlink loops and absurd depth end the walk of that branch, reported.
        let canonical = std::fs::canonicalize(dir).map_err(io)?;
        if depth > 16 || !visited.insert(canonical) {
            summary.skipped.push(SkippedFile {
                path: dir.display().to_string(),
                reason: "directory already visited (symlink loop) or nested too deep".into(),
            });
            return Ok(());
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?
            .into_iter()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                self.load_dir(&p, role, summary, visited, depth.saturating_add(1))?;
                continue;
            }
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            let skip = |summary: &mut LoadSummary, reason: String| {
                summary.skipped.push(SkippedFile {
                    path: p.display().to_string(),
                    reason,
                })
            };
            if !TRUST_EXTENSIONS.contains(&ext.as_str()) {
                skip(
                    summary,
                    "not a trust file (.crt .cer .der .pem .p7b .p7c .sst .stl .cab .reg)".into(),
                );
                continue;
            }
            // CertUtil -syncWithWU writes disallowedcert.sst: certificates that must never
            // chain, not roots.
            let file_role = match p.file_name().and_then(|n| n.to_str()) {
                Some(n) if n.to_ascii_lowercase().starts_with("disallowed") => Role::Distrusted,
                _ => role,
            };
            if let Err(e) = self.load_file(&p, file_role, summary) {
                skip(summary, e.to_string());
            }
        }
        Ok(())
    }

    fn load_file(&mut self, path: &Path, role: Role, summary: &mut LoadSummary) -> Result<(), TrustError> {
        let name = path.display().to_string();
        let bytes = read_trust_file(path).map_err(|source| TrustError::Io {
            path: name.clone(),
            source,
        })?;
        if crate::cab::is_cabinet(&bytes) {
            // authrootstl.cab, disallowedcertstl.cab: every member is loaded like a file of
            // its own (named `cab!member` in reports), as it is inflated — one folder in
            // memory at a time, the whole cabinet under one budget (`cab::members`).
            let mut failed: Option<TrustError> = None;
            let count = crate::cab::members::for_each_member(&bytes, |member, data| {
                if failed.is_some() {
                    return;
                }
                let member_name = format!("{name}!{member}");
                let member_role = if member.to_ascii_lowercase().starts_with("disallowed") {
                    Role::Distrusted
                } else {
                    role
                };
                let loaded = parse_material(data, &member_name)
                    .and_then(|m| self.add_material(m, &member_name, member_role, summary));
                if let Err(e) = loaded {
                    failed = Some(e);
                }
            })
            .map_err(|source| TrustError::Cabinet {
                path: name.clone(),
                source,
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            if count == 0 {
                return Err(TrustError::Cabinet {
                    path: name,
                    source: CabinetMembersError::NoMembers,
                });
            }
            return Ok(());
        }
        let material = parse_material(&bytes, &name)?;
        self.add_material(material, &name, role, summary)
    }

    fn add_with_role(&mut self, c: Arc<Certificate>, role: Role, summary: &mut LoadSummary) {
        match role {
            Role::Anchors => {
                self.add_anchor(c);
                summary.anchors = summary.anchors.saturating_add(1);
            }
            Role::Intermediates => {
                self.add_intermediate(c);
                summary.intermediates = summary.intermediates.saturating_add(1);
            }
            Role::Distrusted => {
                self.distrust(c);
                summary.distrusted = summary.distrusted.saturating_add(1);
            }
        }
    }

    fn add_material(
        &mut self,
        material: TrustMaterial,
        name: &str,
        role: Role,
        summary: &mut LoadSummary,
    ) -> Result<(), TrustError> {
        let name = name.to_string();
        match material {
            TrustMaterial::Certificates(certs) => {
                for c in certs {
                    self.add_with_role(Arc::new(c), role, summary);
                }
            }
            TrustMaterial::Registry(export) => {
                for (store_role, c, _key) in export.certificates {
                    self.add_with_role(Arc::new(c), store_role, summary);
                }
                for (list, key) in export.trust_lists {
                    self.add_material(TrustMaterial::TrustList(list), &format!("{name}!{key}"), role, summary)?;
                }
                summary
                    .warnings
                    .extend(export.warnings.into_iter().map(|w| format!("{name}: {w}")));
                for (key, reason) in export.ignored {
                    summary.skipped.push(SkippedFile {
                        path: format!("{name}!{key}"),
                        reason,
                    });
                }
            }
            TrustMaterial::TrustList(list) => {
                let s = TrustListSummary {
                    path: name.clone(),
                    kind: list.kind.clone(),
                    entries: list.entries.len(),
                    this_update: list.this_update,
                };
                self.add_trust_list(list)
                    .map_err(|source| TrustError::TrustList { path: name, source })?;
                summary.trust_lists.push(s);
            }
        }
        Ok(())
    }
}

/// The `*.crl` files under `dir`, sorted, walked as `load_dir` walks trust folders.
fn crl_files(
    dir: &Path,
    out: &mut Vec<std::path::PathBuf>,
    summary: &mut LoadSummary,
    visited: &mut HashSet<std::path::PathBuf>,
    depth: usize,
) -> Result<(), TrustError> {
    let io = |source| TrustError::Io {
        path: dir.display().to_string(),
        source,
    };
    let canonical = std::fs::canonicalize(dir).map_err(io)?;
    if depth > 16 || !visited.insert(canonical) {
        summary.skipped.push(SkippedFile {
            path: dir.display().to_string(),
            reason: "directory already visited (symlink loop) or nested too deep".into(),
        });
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?
        .into_iter()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            crl_files(&p, out, summary, visited, depth.saturating_add(1))?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("crl"))
        {
            out.push(p);
        } else {
            summary.skipped.push(SkippedFile {
                path: p.display().to_string(),
                reason: "not a .crl file".into(),
            });
        }
    }
    Ok(())
}

/// The most a trust file may hold: a registry hive of a real machine's SOFTWARE key runs to
/// a few hundred MB; nothing else (CTLs, SSTs, bundles) comes near.
const TRUST_FILE_LIMIT: u64 = 1 << 30;

/// Reads a trust file whole: only a regular file (a FIFO would block the run forever, a
/// device such as /dev/zero never ends — both checked before opening, and the handle checked
/// again), and at most [`TRUST_FILE_LIMIT`] bytes.
fn read_trust_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let not_regular = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or socket is never read)",
        )
    };
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > TRUST_FILE_LIMIT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {TRUST_FILE_LIMIT} bytes: not trust material"),
        ));
    }
    let mut bytes = Vec::new();
    file.take(TRUST_FILE_LIMIT).read_to_end(&mut bytes)?;
    Ok(bytes)
}
