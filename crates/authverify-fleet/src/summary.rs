//! The fleet view: which certificates to install across all files, and the files that fail
//! for other reasons, grouped by reason.

use std::collections::{BTreeMap, HashMap};

use authverify::trust::plan::VouchedCertificate;
use authverify::{Effect, FileStatus, ImpostorOf, MissingCertificate, Rule, Store, TrustStore, VouchedBy};
use serde::{Deserialize, Serialize};

use crate::files::{FileResult, Outcome};

/// The version of the JSONL line format (`schema` in the summary line). 1: before the field
/// existed (same shape, read as such); 2: adds `schema`, `label` and per-host counts; 3:
/// `install` holds only vouched certificates (`vouched_by`), the others are `unvouched`
/// (issue 26). Every version is merged alike: nothing a report says is taken on trust.
pub const SCHEMA: u64 = 3;

/// The fleet view of a run, or of many merged: how many files got each verdict, the
/// certificates to install (and those nobody vouches for), the other failures grouped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Files looked at.
    pub(crate) files: usize,
    /// How many files got each verdict.
    #[serde(deserialize_with = "known_statuses")]
    pub(crate) by_status: BTreeMap<String, usize>,
    /// Certificates to install, the most needed first: only those a root program or the
    /// user vouches for.
    pub(crate) install: Vec<Install>,
    /// Certificates the files' chains lack that nobody vouches for (a root that travels in a
    /// file, an impostor of a program root, an issuer nobody has): never exported.
    #[serde(default)]
    pub(crate) unvouched: Vec<Install>,
    /// Files that are not valid for reasons installing certificates does not fix.
    pub(crate) other_failures: Vec<FailureGroup>,
    /// The release gate's counts, when a gate option was given (issue 31); not merged by
    /// `authverify summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<crate::gate::GateCounts>,
    /// `verify --payload`: how many containers' payloads the files include (the package
    /// view: the plan above is what installing those packages on an offline machine needs,
    /// the containers and every file they carry counted).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) packages: usize,
    /// The first three of those containers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) package_examples: Vec<String>,
    /// The container of the last member counted (members of one come together).
    #[serde(skip)]
    last_package: Option<String>,
    /// Where each certificate and reason is in the lists, so that adding one costs the
    /// same however many there are: a report from another machine may name millions, and
    /// a search through the lists for each made merging it quadratic (rebuilt after every
    /// sort and before every merge; never serialized).
    #[serde(skip)]
    index: PlanIndex,
}

/// Which of the summary's certificate lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum List {
    Install,
    Unvouched,
}

/// Positions in a [`Summary`]'s lists by the keys [`Install::same`] compares: the SHA-1,
/// and the subject with the key id; failure groups by reason.
#[derive(Clone, Debug, Default)]
struct PlanIndex {
    by_sha1: HashMap<(List, String), usize>,
    by_name: HashMap<(List, String, String), Vec<usize>>,
    by_reason: HashMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Install {
    /// Friendly name (or subject when unknown).
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) sha1: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) key_id: Option<String>,
    /// `root` or `intermediate`.
    pub(crate) store: Store,
    /// The Windows store, as the certificate manager names it.
    pub(crate) store_name: String,
    /// `<sha1>.crt`, as CertUtil names it.
    pub(crate) file_name: Option<String>,
    /// Whether authverify can write it out (--export-missing).
    pub(crate) available: bool,
    /// How many files need it.
    pub(crate) files: usize,
    /// One of them.
    pub(crate) example: String,
    /// Who vouches for it (`none` in `unvouched`).
    #[serde(default = "unvouched")]
    pub(crate) vouched_by: VouchedBy,
    /// The built-in root a self-signed certificate takes the name of, with another key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) impostor_of: Option<ImpostorOf>,
    /// Files needing it per host (`--label`), when hosts are known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) hosts: BTreeMap<String, usize>,
    /// The certificate, when a report of this run carried it (never serialized; a summary
    /// read back from JSON finds built-in certificates by SHA-1).
    #[serde(skip)]
    pub(crate) der: Option<std::sync::Arc<[u8]>>,
    /// Absorbed into the plan's entry for the same certificate: dropped at the next sort.
    #[serde(skip)]
    moved: bool,
}

/// `by_status` as a report may hold it: the five verdicts only. A map of any keys let a
/// report of a few MB cost twenty times that in memory (red-team review of issue 27).
fn known_statuses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, usize>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Counts {
        valid: Option<usize>,
        invalid: Option<usize>,
        untrusted: Option<usize>,
        unsigned: Option<usize>,
        error: Option<usize>,
    }
    let c = Counts::deserialize(d)?;
    Ok([
        ("error", c.error),
        ("invalid", c.invalid),
        ("unsigned", c.unsigned),
        ("untrusted", c.untrusted),
        ("valid", c.valid),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
    .collect())
}

fn unvouched() -> VouchedBy {
    VouchedBy::None
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FailureGroup {
    pub(crate) reason: String,
    pub(crate) files: usize,
    /// Up to three of them.
    pub(crate) examples: Vec<String>,
}

/// The CN of an RFC 4514 subject (`CN=Debian Secure Boot CA,O=...` → `Debian Secure Boot
/// CA`), or the whole subject when it has none.
fn common_name(subject: &str) -> String {
    let mut rest = subject;
    while let Some(start) = rest.find("CN=") {
        let at_boundary = start == 0 || rest.get(..start).is_some_and(|b| b.ends_with(','));
        let value = rest.get(start + 3..).unwrap_or_default();
        if at_boundary {
            // Up to the first comma not escaped with a backslash.
            let mut end = value.len();
            let mut escaped = false;
            for (i, ch) in value.char_indices() {
                match ch {
                    '\\' if !escaped => escaped = true,
                    ',' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            return value.get(..end).unwrap_or(value).replace("\\,", ",");
        }
        rest = value;
    }
    subject.to_string()
}

/// What an error rule means, for the summary line that groups by it.
fn error_phrase(rule: &str) -> &'static str {
    match rule {
        "file.image" => "not a PE image authverify can read",
        "file.certificate_table" => "malformed certificate table",
        "file.not_found" => "no such file",
        "file.changed" => "changed while it was verified",
        _ => "cannot be read",
    }
}

/// Why a file fails when installing certificates would not fix it, as a grouping key.
fn failure_reason(r: &FileResult) -> Option<String> {
    let report = match &r.outcome {
        // Grouped by the kind of failure, never by the message (an I/O error's message
        // starts with the file's path).
        Outcome::Error { error_rule, .. } => {
            return Some(format!("error: {} ({error_rule})", error_phrase(error_rule)))
        }
        Outcome::Report(report) => report,
    };
    let primary = report.signatures.first();
    let revoked = primary
        .and_then(|s| s.chain.as_ref())
        .is_some_and(|c| c.status == authverify::ChainStatus::Revoked);
    match report.status {
        FileStatus::Valid => None,
        FileStatus::Unsigned => Some("unsigned".into()),
        // Its own group: installing anything never fixes it, and it is what an admin acts
        // on first (issue 30).
        FileStatus::Untrusted if revoked => {
            Some("revoked: a certificate of the signer's chain is revoked (chain.revoked)".into())
        }
        FileStatus::Untrusted if !report.missing.is_empty() => None,
        FileStatus::Untrusted => Some(format!(
            "untrusted: chain {}",
            primary
                .and_then(|s| s.chain.as_ref())
                .map_or("not built", |c| c.status.name())
        )),
        _ => Some(match primary {
            Some(s) if s.error.is_some() => "invalid: the signature cannot be parsed".into(),
            Some(s) if !s.digest_matches => "invalid: the file does not match its signed digest".into(),
            Some(s) if !s.signature_valid => "invalid: the signer's signature does not verify".into(),
            _ if report
                .notes
                .iter()
                .any(|n| n.rule == Rule::AcceptDataAfterCertTable && n.effect == Effect::Refusal) =>
            {
                // The rule is the same; where the data sits is the format's.
                match report.format {
                    authverify::FileFormat::Script => "invalid: text after the script's signature block".into(),
                    authverify::FileFormat::Msi => "invalid: data appended after the package's last sector".into(),
                    _ => "invalid: data appended after the certificate table".into(),
                }
            }
            _ => "invalid: a nested signature does not match the file".into(),
        }),
    }
}

impl Install {
    fn from_missing(m: &MissingCertificate, example: String) -> Self {
        Self {
            name: m.name.clone().unwrap_or_else(|| common_name(&m.subject)),
            subject: m.subject.clone(),
            sha1: m.sha1.clone(),
            sha256: m.sha256.clone(),
            key_id: m.key_id.clone(),
            store: m.store,
            store_name: match m.store {
                Store::Unknown => m.store.windows_name().to_string(),
                _ => format!("{} (Local Computer)", m.store.windows_name()),
            },
            file_name: m.file_name.clone(),
            available: m.available,
            files: 0,
            example,
            vouched_by: m.vouched_by,
            impostor_of: m.impostor_of.clone(),
            hosts: BTreeMap::new(),
            der: m.der.clone(),
            moved: false,
        }
    }

    /// A certificate from another machine's report, as this machine judges it: when its own
    /// material vouches for the SHA-1 the report names, every field but the counts comes from
    /// that material (name, subject, store, file name, DER); otherwise it is unvouched, keeps
    /// what the report said only as text to show, and is never exported (no file name, no
    /// DER).
    fn vetted(mut self, trust: &TrustStore, at: authverify::UnixTime) -> Self {
        let own = self
            .sha1
            .as_deref()
            .and_then(parse_sha1)
            .and_then(|sha1| authverify::trust::plan::vouched_by_sha1(trust, &sha1, at));
        match own {
            Some(v) => Self::from_own(&v, self),
            None => {
                self.vouched_by = VouchedBy::None;
                self.available = false;
                self.file_name = None;
                self.der = None;
                // Thumbprints stay only as what they claim to be (hex of their length); an
                // impostor is named only after a root this machine knows by that SHA-1.
                self.sha1 = self.sha1.filter(|s| is_hex(s, 40));
                self.sha256 = self.sha256.filter(|s| is_hex(s, 64));
                self.key_id = self.key_id.filter(|s| is_hex(s, s.len()) && s.len() <= 128);
                self.impostor_of = self
                    .impostor_of
                    .as_ref()
                    .and_then(|i| parse_sha1(&i.sha1))
                    .and_then(|sha1| authverify::builtin::by_sha1(&sha1))
                    .map(|k| ImpostorOf::new(k.entry.name, k.entry.sha1));
                self
            }
        }
    }

    /// `counted`'s counts and examples with everything else from this machine's `own`.
    fn from_own(own: &VouchedCertificate, counted: Self) -> Self {
        let sha1 = hex::encode(own.sha1);
        Self {
            name: own.name.clone(),
            subject: own.subject.clone().unwrap_or_else(|| own.name.clone()),
            file_name: Some(format!("{sha1}.crt")),
            sha1: Some(sha1),
            sha256: own.sha256.map(hex::encode),
            key_id: own.key_id.as_deref().map(hex::encode),
            store: own.store,
            store_name: format!("{} (Local Computer)", own.store.windows_name()),
            available: own.certificate.is_some(),
            files: counted.files,
            example: counted.example,
            vouched_by: own.vouched_by,
            impostor_of: None,
            hosts: counted.hosts,
            der: own.certificate.as_ref().map(|c| std::sync::Arc::from(c.der())),
            moved: false,
        }
    }

    /// The same certificate (thumbprint, else subject and key id), as
    /// [`MissingCertificate::same_certificate`] decides.
    fn same(&self, other: &Self) -> bool {
        match (&self.sha1, &other.sha1) {
            (Some(a), Some(b)) => a == b,
            _ => self.subject == other.subject && self.key_id.is_some() && self.key_id == other.key_id,
        }
    }

    /// Adds `other` (the same certificate) to `self`: counts and hosts add up, and what is
    /// better known (a thumbprint, a certificate authverify holds) replaces a guess.
    fn absorb(&mut self, other: &Self) {
        let (files, example) = (self.files.saturating_add(other.files), self.example.clone());
        let mut hosts = std::mem::take(&mut self.hosts);
        for (h, n) in &other.hosts {
            let e = hosts.entry(h.clone()).or_insert(0);
            *e = e.saturating_add(*n);
        }
        // A vouched entry's own data stands over an unvouched one's, whatever else is known.
        let take_other = if self.vouched_by.is_vouched() == other.vouched_by.is_vouched() {
            self.sha1.is_none() && other.sha1.is_some() || !self.available && other.available
        } else {
            other.vouched_by.is_vouched()
        };
        if take_other {
            *self = other.clone();
        }
        self.files = files;
        self.example = example;
        self.hosts = hosts;
    }
}

/// Builds a [`Summary`] as results pass: memory bounded by the distinct certificates and
/// reasons, not by the files (examples are capped at three per reason).
#[derive(Default)]
pub struct Builder {
    summary: Summary,
}

impl Builder {
    /// Counts one file's result in.
    pub fn add(&mut self, r: &FileResult) {
        let s = &mut self.summary;
        s.files = s.files.saturating_add(1);
        let n = s.by_status.entry(r.status().as_str().to_string()).or_insert(0);
        *n = n.saturating_add(1);
        if let Some(outer) = r.container.first() {
            if s.last_package.as_ref() != Some(outer) {
                s.add_package(outer.clone());
            }
        }
        if let Outcome::Report(report) = &r.outcome {
            for m in &report.missing {
                let mut item = Install::from_missing(m, r.path.clone());
                item.files = 1;
                if let Some(label) = &r.label {
                    item.hosts.insert(label.clone(), 1);
                }
                s.add(item);
            }
        }
        if let Some(reason) = failure_reason(r) {
            s.add_failure(FailureGroup {
                reason,
                files: 1,
                examples: vec![r.path.clone()],
            });
        }
    }

    /// The summary of the results added, sorted.
    pub fn finish(self) -> Summary {
        let mut s = self.summary;
        s.sort();
        s
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `s` is `len` lowercase hex digits.
fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A SHA-1 thumbprint as 40 lowercase hex digits, and nothing else.
pub(crate) fn parse_sha1(s: &str) -> Option<[u8; 20]> {
    if !is_hex(s, 40) {
        return None;
    }
    hex::decode(s).ok().and_then(|b| <[u8; 20]>::try_from(b).ok())
}

impl Summary {
    /// Adds one certificate to the plan when it is vouched for, to `unvouched` otherwise.
    /// A certificate vouched for by one chain is vouched for (a root trusted for code signing
    /// that a timestamp chain needs too): it is counted once, in the plan.
    fn add(&mut self, mut item: Install) {
        if item.vouched_by.is_vouched() {
            if let Some(at) = self.find(List::Unvouched, &item) {
                if let Some(earlier) = self.unvouched.get_mut(at) {
                    item.absorb(earlier);
                    earlier.moved = true;
                }
            }
            self.add_to(List::Install, item);
        } else if self.find(List::Install, &item).is_some() {
            self.add_to(List::Install, item);
        } else {
            self.add_to(List::Unvouched, item);
        }
    }

    fn list_mut(&mut self, list: List) -> &mut Vec<Install> {
        match list {
            List::Install => &mut self.install,
            List::Unvouched => &mut self.unvouched,
        }
    }

    /// The entry of `list` for the same certificate as `item`, through the index.
    fn find(&self, list: List, item: &Install) -> Option<usize> {
        let entries = match list {
            List::Install => &self.install,
            List::Unvouched => &self.unvouched,
        };
        let live = |i: &usize| entries.get(*i).is_some_and(|e| !e.moved && e.same(item));
        if let Some(sha1) = &item.sha1 {
            if let Some(i) = self.index.by_sha1.get(&(list, sha1.clone())).filter(|i| live(i)) {
                return Some(*i);
            }
        }
        let key_id = item.key_id.clone()?;
        self.index
            .by_name
            .get(&(list, item.subject.clone(), key_id))?
            .iter()
            .copied()
            .find(|i| live(i))
    }

    /// Adds `item` to `list`, into the entry for the same certificate when there is one.
    fn add_to(&mut self, list: List, item: Install) {
        let at = match self.find(list, &item) {
            Some(at) => {
                if let Some(e) = self.list_mut(list).get_mut(at) {
                    e.absorb(&item);
                }
                at
            }
            None => {
                let entries = self.list_mut(list);
                entries.push(item);
                entries.len().saturating_sub(1)
            }
        };
        self.index_entry(list, at);
    }

    /// Records the keys of entry `at` of `list` (again, after an absorb may have made a
    /// thumbprint known).
    fn index_entry(&mut self, list: List, at: usize) {
        let Some(e) = self.list_mut(list).get(at) else { return };
        let (sha1, name) = (e.sha1.clone(), e.key_id.clone().map(|k| (e.subject.clone(), k)));
        if let Some(sha1) = sha1 {
            self.index.by_sha1.insert((list, sha1), at);
        }
        if let Some((subject, key_id)) = name {
            let slots = self.index.by_name.entry((list, subject, key_id)).or_default();
            if !slots.contains(&at) {
                slots.push(at);
            }
        }
    }

    fn add_failure(&mut self, g: FailureGroup) {
        match self
            .index
            .by_reason
            .get(&g.reason)
            .and_then(|&i| self.other_failures.get_mut(i))
        {
            Some(x) => {
                x.files = x.files.saturating_add(g.files);
                for e in g.examples {
                    if x.examples.len() < 3 {
                        x.examples.push(e);
                    }
                }
            }
            None => {
                self.index.by_reason.insert(g.reason.clone(), self.other_failures.len());
                self.other_failures.push(g);
            }
        }
    }

    /// Rebuilds the index over the lists as they stand (after a sort, or for a summary read
    /// from JSON).
    fn reindex(&mut self) {
        self.index = PlanIndex::default();
        for list in [List::Install, List::Unvouched] {
            for at in 0..self.list_mut(list).len() {
                self.index_entry(list, at);
            }
        }
        for (i, g) in self.other_failures.iter().enumerate() {
            self.index.by_reason.entry(g.reason.clone()).or_insert(i);
        }
    }

    #[cfg(test)]
    pub(crate) fn of(results: &[FileResult]) -> Self {
        let mut b = Builder::default();
        for r in results {
            b.add(r);
        }
        b.finish()
    }

    /// Roots before intermediates, then the most needed first; failures by count.
    fn sort(&mut self) {
        self.unvouched.retain(|i| !i.moved);
        for list in [&mut self.install, &mut self.unvouched] {
            list.sort_by(|a, b| {
                (a.store, std::cmp::Reverse(a.files), &a.name).cmp(&(b.store, std::cmp::Reverse(b.files), &b.name))
            });
        }
        self.other_failures
            .sort_by(|a, b| b.files.cmp(&a.files).then_with(|| a.reason.cmp(&b.reason)));
        self.reindex();
    }

    /// Adds `other` into `self` (`authverify summary`): file counts, verdicts, certificates
    /// with their per-host counts, and failure groups add up, so merging is associative and
    /// partial summaries merge too. Installs without hosts are attributed to `host`.
    /// How many files it counts.
    pub fn files(&self) -> usize {
        self.files
    }

    /// Merges another host's summary (`authverify summary`): a report is data from another
    /// machine, so each certificate it names is judged again by `trust`, this machine's own
    /// material, as of `at` ([`Install::vetted`]).
    pub(crate) fn merge(&mut self, mut other: Summary, host: &str, trust: &TrustStore, at: authverify::UnixTime) {
        let named: Vec<Install> = std::mem::take(&mut other.install)
            .into_iter()
            .chain(std::mem::take(&mut other.unvouched))
            .map(|i| i.vetted(trust, at))
            .collect();
        other.install = named;
        self.absorb(other, Some(host));
    }

    /// Adds the summary of the files that come after this one's: the same as one summary
    /// of all the files in that order (examples are the first ones met), with no host
    /// attribution. How partial summaries computed apart (a cluster's partitions) become
    /// the summary one run would have printed.
    /// The gate's counts add up too (one run's gate over both sets of files).
    pub fn append(&mut self, mut other: Summary) {
        if let Some(gate) = other.gate.take() {
            self.gate.get_or_insert_with(Default::default).absorb(gate);
        }
        self.absorb(other, None);
    }

    /// Counts one more container whose payload was verified.
    fn add_package(&mut self, outer: String) {
        self.packages = self.packages.saturating_add(1);
        if self.package_examples.len() < 3 {
            self.package_examples.push(outer.clone());
        }
        self.last_package = Some(outer);
    }

    fn absorb(&mut self, mut other: Summary, host: Option<&str>) {
        self.reindex();
        self.files = self.files.saturating_add(other.files);
        self.packages = self.packages.saturating_add(other.packages);
        for p in std::mem::take(&mut other.package_examples) {
            if self.package_examples.len() < 3 {
                self.package_examples.push(p);
            }
        }
        for (k, v) in std::mem::take(&mut other.by_status) {
            let n = self.by_status.entry(k).or_insert(0);
            *n = n.saturating_add(v);
        }
        for mut item in other.install.into_iter().chain(other.unvouched) {
            if let (true, Some(host)) = (item.hosts.is_empty(), host) {
                item.hosts.insert(host.to_string(), item.files);
            }
            self.add(item);
        }
        for g in other.other_failures {
            self.add_failure(g);
        }
        self.sort();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// An I/O error's message starts with the file's path: grouping by message made one
    /// group per file. Grouped by rule, files failing the same way are counted together.
    #[test]
    fn errors_group_by_their_rule_not_their_message() {
        let results = [
            FileResult::error(Path::new("/x/a.exe"), "file.io", "/x/a.exe: permission denied".into()),
            FileResult::error(Path::new("/y/b.exe"), "file.io", "/y/b.exe: permission denied".into()),
            FileResult::error(
                Path::new("/z/c.exe"),
                "file.image",
                "not a PE image: no MZ signature".into(),
            ),
        ];
        let s = Summary::of(&results);
        let groups: Vec<(&str, usize)> = s.other_failures.iter().map(|g| (g.reason.as_str(), g.files)).collect();
        assert_eq!(
            groups,
            [
                ("error: cannot be read (file.io)", 2),
                ("error: not a PE image authverify can read (file.image)", 1)
            ]
        );
    }

    /// The appended-data refusal is found by its rule (`policy.accept_data_after_cert_table`
    /// with effect refusal), not by the words of its note.
    #[test]
    fn appended_data_is_grouped_by_its_rule() {
        let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
        let mut trust = TrustStore::new();
        trust
            .load(&vectors.join("pki/root.crt"), authverify::Role::Anchors)
            .expect("root");
        let verifier = authverify::Verifier::new(trust, authverify::Policy::windows());
        let at = "2026-06-01T00:00:00Z".parse().expect("time");
        let r = crate::files::verify_named(&verifier, &vectors.join("appended-data.exe"), at);
        let s = Summary::of(std::slice::from_ref(&r));
        assert_eq!(s.other_failures.len(), 1);
        assert_eq!(
            s.other_failures[0].reason,
            "invalid: data appended after the certificate table"
        );
    }

    /// An MSI package with bytes after its last sector (CVE-2020-1464) is grouped under
    /// its own words: there is no certificate table in a compound file.
    #[test]
    fn data_appended_to_an_msi_package_is_named_as_such() {
        let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
        let mut trust = TrustStore::new();
        trust
            .load(&vectors.join("pki/root.crt"), authverify::Role::Anchors)
            .expect("root");
        let verifier = authverify::Verifier::new(trust, authverify::Policy::windows());
        let at = "2026-06-01T00:00:00Z".parse().expect("time");
        let dir = std::env::temp_dir().join(format!("authverify-fleet-glueball-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut bytes = std::fs::read(vectors.join("containers/msi/signed.msi")).expect("signed.msi");
        bytes.extend_from_slice(&[0; 512]);
        let file = dir.join("appended.msi");
        std::fs::write(&file, &bytes).expect("write");
        let r = crate::files::verify_named(&verifier, &file, at);
        std::fs::remove_dir_all(&dir).expect("clean up");
        let s = Summary::of(std::slice::from_ref(&r));
        assert_eq!(s.other_failures.len(), 1);
        assert_eq!(
            s.other_failures[0].reason,
            "invalid: data appended after the package's last sector"
        );
    }
}
