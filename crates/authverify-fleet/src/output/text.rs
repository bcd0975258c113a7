//! The text printers of `verify` and `summary`: what a person reads.

use std::io::{self, Write};

use authverify::report::{ChainReport, SignatureReport, TimestampKind};
use authverify::{FileStatus, Rule};

use crate::escape::terminal;
use crate::files::{FileResult, Outcome};
use crate::summary::Summary;

fn status_word(s: FileStatus) -> &'static str {
    match s {
        FileStatus::Valid => "VALID",
        FileStatus::Invalid => "INVALID",
        FileStatus::Untrusted => "UNTRUSTED",
        FileStatus::Unsigned => "UNSIGNED",
        _ => "ERROR",
    }
}

/// How many files got each verdict, for the closing line and the exit code
/// ([`crate::Exit::of_counts`]).
#[derive(Default)]
pub struct Counts {
    /// Files counted.
    pub files: usize,
    by: [usize; 5],
}

impl Counts {
    /// Files found valid.
    pub fn valid(&self) -> usize {
        self.by.first().copied().unwrap_or(0)
    }

    /// Files that were verified, whatever the verdict (not an error).
    pub fn verified(&self) -> usize {
        self.files.saturating_sub(self.by.get(4).copied().unwrap_or(0))
    }

    /// Counts one file's verdict.
    pub fn add(&mut self, s: FileStatus) {
        self.files = self.files.saturating_add(1);
        let i = match s {
            FileStatus::Valid => 0,
            FileStatus::Invalid => 1,
            FileStatus::Untrusted => 2,
            FileStatus::Unsigned => 3,
            _ => 4,
        };
        if let Some(n) = self.by.get_mut(i) {
            *n = n.saturating_add(1);
        }
    }
}

/// Every file, then the closing line (the collected form streamed output is tested against).
#[cfg(test)]
pub(crate) fn print(out: &mut impl Write, results: &[FileResult]) -> io::Result<()> {
    let mut counts = Counts::default();
    for r in results {
        print_one(out, r)?;
        counts.add(r.status());
    }
    footer(out, &counts)
}

/// One file's verdict and findings. Every text that comes from the file, its certificates
/// or its name is shown through [`terminal`]: one line per item, whatever they hold.
pub fn print_one(out: &mut impl Write, r: &FileResult) -> io::Result<()> {
    writeln!(out, "{}: {}", terminal(&r.path), status_word(r.status()))?;
    match &r.outcome {
        Outcome::Error { error, .. } => writeln!(out, "  error: {}", terminal(error))?,
        Outcome::Report(report) => {
            // PE is the default; other formats say what they are (a PE report reads as it
            // always did).
            if report.format != authverify::FileFormat::Pe {
                writeln!(out, "  format: {}", report.format.as_str())?;
            }
            if let Some(s) = &report.script {
                // Fixed words from the library, never the file's text.
                writeln!(out, "  script: {} ({})", terminal(&s.language), terminal(&s.encoding))?;
            }
            if let Some(c) = &report.catalog {
                let unreadable = match c.unreadable_members {
                    0 => String::new(),
                    n => format!(" ({n} more with a hash authverify does not read)"),
                };
                writeln!(
                    out,
                    "  catalog: {} members{unreadable}, dated {}",
                    c.members, c.this_update
                )?;
            }
            for s in &report.signatures {
                signature(out, s)?;
            }
            for n in &report.notes {
                writeln!(out, "  note: {}", terminal(&n.detail))?;
            }
            for m in &report.missing {
                missing_line(out, m)?;
            }
        }
    }
    Ok(())
}

/// One certificate a file's chains lack: an install instruction only when somebody vouches
/// for it (issue 26); otherwise what it is and why it is not to be installed.
fn missing_line(out: &mut impl Write, m: &authverify::MissingCertificate) -> io::Result<()> {
    let id = m.sha1.as_deref().map(|s| format!(" (SHA-1 {s})")).unwrap_or_default();
    let key = m.key_id.as_deref().map(|k| format!(", key id {k}")).unwrap_or_default();
    let needed: Vec<String> = m.needed_by.iter().map(ToString::to_string).collect();
    if m.vouched_by.is_vouched() {
        let file = m
            .file_name
            .as_deref()
            .map(|f| format!(", file {f}"))
            .unwrap_or_default();
        return writeln!(
            out,
            "  MISSING: install \"{}\"{id}{key}{file} into {} (Local Computer); needed by {}; vouched for by {}",
            terminal(m.name.as_deref().unwrap_or(&m.subject)),
            m.store.windows_name(),
            needed.join(", "),
            m.vouched_by.as_str()
        );
    }
    let impostor = m
        .impostor_of
        .as_ref()
        .map(|i| {
            format!(
                "; IMPOSTOR of the root program's \"{}\" (SHA-1 {}), another key",
                terminal(&i.name),
                terminal(&i.sha1)
            )
        })
        .unwrap_or_default();
    writeln!(
        out,
        "  MISSING, NOT VOUCHED FOR: \"{}\"{id}{key}; needed by {}{impostor}; no root program or --vouch vouches for it: not to install",
        terminal(&m.subject),
        needed.join(", ")
    )
}

/// The closing line: how many files, how many of each verdict.
pub fn footer(out: &mut impl Write, c: &Counts) -> io::Result<()> {
    let [valid, invalid, untrusted, unsigned, errors] = c.by;
    writeln!(
        out,
        "{} files: {valid} valid, {invalid} invalid, {untrusted} untrusted, {unsigned} unsigned, {errors} errors",
        c.files
    )
}

fn signature(out: &mut impl Write, s: &SignatureReport) -> io::Result<()> {
    let role = match (&s.catalog, s.nested_in) {
        (Some(c), _) => format!("catalog {}, member {}", terminal(&c.path), terminal(&c.member)),
        (None, None) if s.index == 0 => "primary".to_string(),
        (None, None) => format!("table entry {}", s.table_entry),
        (None, Some(p)) => format!("nested in {p}"),
    };
    writeln!(out, "  signature {} ({role}): {}", s.index, status_word(s.status))?;
    if let Some(e) = &s.error {
        writeln!(out, "    error: {}", terminal(&e.detail))?;
    }
    if let Some(alg) = &s.digest_algorithm {
        let verdict = if s.digest_matches { "matches" } else { "MISMATCH" };
        writeln!(
            out,
            "    digest ({alg}): {verdict} {}",
            s.computed_digest.as_deref().unwrap_or("-")
        )?;
        if !s.digest_matches {
            writeln!(out, "    signed digest: {}", s.signed_digest.as_deref().unwrap_or("-"))?;
        }
    }
    if let Some(signer) = &s.signer {
        writeln!(
            out,
            "    signer: {} (SHA-1 {}) signature {}",
            terminal(&signer.subject),
            signer.sha1,
            if s.signature_valid { "ok" } else { "FAILED" }
        )?;
    }
    if let Some(t) = &s.timestamp {
        let when = t.time.map_or_else(|| "unknown time".to_string(), |t| t.to_string());
        let tsa = t.tsa.as_ref().map_or_else(
            || "unknown TSA".to_string(),
            |t| format!("{} (SHA-1 {})", terminal(&t.subject), t.sha1),
        );
        let kind = match t.kind {
            TimestampKind::Rfc3161 => "RFC 3161",
            _ => "PKCS#9 countersignature",
        };
        writeln!(
            out,
            "    timestamp ({kind}): {when} by {tsa}: {}",
            if t.valid { "valid" } else { "NOT VALID" }
        )?;
        for n in &t.notes {
            writeln!(out, "      note: {}", terminal(&n.detail))?;
        }
        if let Some(c) = t
            .chain
            .as_ref()
            .filter(|c| c.status != authverify::ChainStatus::Trusted)
        {
            chain(out, c)?;
        }
    }
    if let Some(e) = &s.evaluated_at {
        writeln!(out, "    judged at {}: {}", e.time, terminal(&e.reason))?;
    }
    if let Some(c) = &s.chain {
        chain(out, c)?;
    }
    for n in &s.notes {
        writeln!(out, "    note: {}", terminal(&n.detail))?;
    }
    Ok(())
}

fn chain(out: &mut impl Write, c: &ChainReport) -> io::Result<()> {
    writeln!(out, "    chain: {} (at {})", c.status.name(), c.evaluated_at)?;
    for (i, cert) in c.certificates.iter().enumerate() {
        writeln!(
            out,
            "      [{i}] {} (SHA-1 {}, valid {} to {})",
            terminal(&cert.subject),
            cert.sha1,
            cert.not_before,
            cert.not_after
        )?;
    }
    if let Some(d) = &c.detail {
        writeln!(out, "      reason: {}", terminal(&d.detail))?;
    }
    // What revocation checking noted is shown (a list the admin carried and that was not
    // used must not pass unseen); the chain's leniency notes stay in the JSON as before.
    let revocation = |r: Rule| {
        matches!(
            r,
            Rule::CrlUnused | Rule::CrlExpired | Rule::CrlRevokedLater | Rule::CrlRemoveFromCrl
        )
    };
    for n in c.notes.iter().filter(|n| revocation(n.rule)) {
        writeln!(out, "      note: {}", terminal(&n.detail))?;
    }
    Ok(())
}

/// `--summary` in text: the fleet view instead of per-file detail.
pub fn print_summary(out: &mut impl Write, s: &Summary) -> io::Result<()> {
    let counts: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{v} {}", terminal(k)))
        .collect();
    writeln!(out, "{} files: {}", s.files, counts.join(", "))?;
    if s.packages > 0 {
        let examples: Vec<String> = s.package_examples.iter().map(|p| terminal(p).to_string()).collect();
        writeln!(
            out,
            "\nPackage view: {} package(s) with every file they carry (e.g. {}); installing them on an offline machine needs what follows.",
            s.packages,
            examples.join(", ")
        )?;
    }
    if s.install.is_empty() {
        writeln!(out, "\nNo certificate to install.")?;
    } else {
        writeln!(out, "\nInstall these certificates (Local Computer):")?;
        let mut store = None;
        for i in &s.install {
            if store != Some(i.store) {
                writeln!(out, "  {}:", i.store.windows_name())?;
                store = Some(i.store);
            }
            writeln!(out, "    {}", terminal(&i.name))?;
            let id = match (&i.sha1, &i.file_name) {
                (Some(sha1), Some(file)) => format!("SHA-1 {}, file {}", terminal(sha1), terminal(file)),
                _ => format!(
                    "subject {}, key id {}",
                    terminal(&i.subject),
                    terminal(i.key_id.as_deref().unwrap_or("(none)"))
                ),
            };
            let avail = if i.available { "" } else { " (not held by authverify)" };
            writeln!(
                out,
                "      {id}{avail}; vouched for by {}; needed by {} file(s), e.g. {}",
                i.vouched_by.as_str(),
                i.files,
                terminal(&i.example)
            )?;
            hosts_line(out, i)?;
        }
    }
    if !s.unvouched.is_empty() {
        writeln!(
            out,
            "\nNot vouched for (not in any root program, or restricted by date there; not --vouch): trusting one trusts whoever holds its key; not exported:"
        )?;
        for i in &s.unvouched {
            writeln!(out, "    {}", terminal(&i.subject))?;
            if let Some(imp) = &i.impostor_of {
                writeln!(
                    out,
                    "      IMPOSTOR: takes the name of the root program's \"{}\" (SHA-1 {}) with another key",
                    terminal(&imp.name),
                    terminal(&imp.sha1)
                )?;
            }
            writeln!(
                out,
                "      SHA-1 {}, SHA-256 {}, key id {}; needed by {} file(s), e.g. {}",
                terminal(i.sha1.as_deref().unwrap_or("(unknown)")),
                terminal(i.sha256.as_deref().unwrap_or("(unknown)")),
                terminal(i.key_id.as_deref().unwrap_or("(none)")),
                i.files,
                terminal(&i.example)
            )?;
            hosts_line(out, i)?;
        }
    }
    if !s.other_failures.is_empty() {
        writeln!(out, "\nFiles failing for other reasons:")?;
        for g in &s.other_failures {
            writeln!(
                out,
                "  {}: {} file(s), e.g. {}",
                terminal(&g.reason),
                g.files,
                terminal(&g.examples.join(", "))
            )?;
        }
    }
    Ok(())
}

fn hosts_line(out: &mut impl Write, i: &crate::summary::Install) -> io::Result<()> {
    if i.hosts.is_empty() {
        return Ok(());
    }
    let hosts: Vec<String> = i.hosts.iter().map(|(h, n)| format!("{} ({n})", terminal(h))).collect();
    writeln!(out, "      on {} host(s): {}", i.hosts.len(), hosts.join(", "))
}

/// The gate's answer under a file's report (issue 31).
pub fn gate_line(out: &mut impl Write, g: &crate::gate::GateResult) -> io::Result<()> {
    if let Some(e) = &g.excluded {
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!(": {}", terminal(r)))
            .unwrap_or_default();
        return writeln!(
            out,
            "  gate: EXCLUDED by {} (line {}){reason}",
            terminal(&e.pattern),
            e.line
        );
    }
    if g.passed {
        return writeln!(out, "  gate: PASSED");
    }
    writeln!(out, "  gate: FAILED")?;
    for f in &g.failed {
        writeln!(out, "    {}: {}", f.rule().as_str(), terminal(&f.detail()))?;
    }
    Ok(())
}

/// The closing line of a run with a gate: how many files pass, fail (by rule) and are
/// excluded, apart from the verdicts' line.
pub fn gate_footer(out: &mut impl Write, g: &crate::gate::GateCounts) -> io::Result<()> {
    let rules: Vec<String> = g.by_rule.iter().map(|(rule, n)| format!("{n} {rule}")).collect();
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!(" ({})", rules.join(", "))
    };
    writeln!(
        out,
        "gate: {} passed, {} failed{rules}, {} excluded",
        g.passed, g.failed, g.excluded
    )
}
