//! `verify --exclude-from FILE` (issue 31): glob patterns over file paths and the paths of
//! members inside packages, each with the reason a release engineer gave for it.
//!
//! Patterns are matched by hand, not by a glob crate: `*`, `**` and `?` are all a release
//! list needs, and a small automaton over the pattern's tokens matches in
//! O(path length × pattern length), whatever the path holds (a backtracking matcher is
//! exponential on `*a*a*a*…b`). Paths are compared with `/` on every platform.
//!
//! | pattern        | matches                                                             |
//! |----------------|---------------------------------------------------------------------|
//! | `?`            | one character other than `/`                                        |
//! | `*`            | any run of characters other than `/`                                |
//! | `**/` `/**/`   | zero or more whole path components                                  |
//! | trailing `/**` or `/` | everything below                                             |
//! | a leading `/`  | anchors the pattern to the whole path                               |
//!
//! Any other pattern matches the end of the path at a component boundary, as if it began
//! with `**/`: `setup.msi/**/*.txt` matches `out/setup.msi/docs/a.txt`, `*.txt` any `.txt`
//! at any depth.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;

/// The longest pattern taken (in characters): it bounds the cost of matching each path.
pub const MAX_PATTERN: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// This character.
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: zero or more characters other than `/`.
    Star,
    /// `**/`: zero or more whole components (`([^/]*/)*`), at a component boundary. Always
    /// followed by [`Token::DirsInner`], the state inside one of those components.
    Dirs,
    /// Inside a component `**/` consumes: back to [`Token::Dirs`] at its `/`.
    DirsInner,
    /// A trailing `**`: anything.
    Rest,
}

/// One glob pattern, compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles `pattern` (see the module's table). `None` for a pattern longer than
    /// [`MAX_PATTERN`] characters.
    pub fn new(pattern: &str) -> Option<Self> {
        let chars: Vec<char> = pattern.chars().collect();
        if chars.len() > MAX_PATTERN {
            return None;
        }
        let mut tokens = Vec::with_capacity(chars.len().saturating_add(1));
        if chars.first() != Some(&'/') {
            push(&mut tokens, Token::Dirs);
        }
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            i = i.saturating_add(1);
            match c {
                '?' => tokens.push(Token::One),
                '*' => {
                    let start = i.saturating_sub(1);
                    while chars.get(i) == Some(&'*') {
                        i = i.saturating_add(1);
                    }
                    let whole = i.saturating_sub(start) >= 2
                        && (start == 0 || chars.get(start.saturating_sub(1)) == Some(&'/'));
                    match chars.get(i) {
                        Some('/') if whole => {
                            i = i.saturating_add(1);
                            push(&mut tokens, Token::Dirs);
                        }
                        None if whole => push(&mut tokens, Token::Rest),
                        _ => push(&mut tokens, Token::Star),
                    }
                }
                other => tokens.push(Token::Char(other)),
            }
        }
        // `docs/` names a folder: everything below it.
        if tokens.last() == Some(&Token::Char('/')) {
            tokens.push(Token::Rest);
        }
        Some(Self { tokens })
    }

    /// Whether `path` (components separated by `/`) matches the whole pattern.
    pub fn matches(&self, path: &str) -> bool {
        let n = self.tokens.len();
        let mut states = vec![false; n.saturating_add(1)];
        let mut next = states.clone();
        if let Some(first) = states.first_mut() {
            *first = true;
        }
        self.close(&mut states);
        for c in path.chars() {
            next.iter_mut().for_each(|s| *s = false);
            let mut any = false;
            for (i, token) in self.tokens.iter().enumerate() {
                if !states.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let to = match *token {
                    Token::Char(x) => (c == x).then_some(i.saturating_add(1)),
                    Token::One => (c != '/').then_some(i.saturating_add(1)),
                    Token::Star | Token::DirsInner if c != '/' => Some(i),
                    Token::Star => None,
                    Token::DirsInner => Some(i.saturating_sub(1)),
                    Token::Dirs if c == '/' => Some(i),
                    Token::Dirs => Some(i.saturating_add(1)),
                    Token::Rest => Some(i),
                };
                if let Some(to) = to {
                    set(&mut next, to);
                    any = true;
                }
            }
            if !any {
                return false;
            }
            std::mem::swap(&mut states, &mut next);
            self.close(&mut states);
        }
        states.get(n).copied().unwrap_or(false)
    }

    /// Adds the states reachable without reading a character: past a `*`, `**/` or `**`
    /// (which may match nothing). These only lead forward, so one pass in order suffices.
    fn close(&self, states: &mut [bool]) {
        for (i, token) in self.tokens.iter().enumerate() {
            let skip = match token {
                Token::Star | Token::Rest => 1,
                Token::Dirs => 2,
                _ => continue,
            };
            if states.get(i).copied().unwrap_or(false) {
                set(states, i.saturating_add(skip));
            }
        }
    }
}

/// Appends `token` (`**/` as its two states), folding repeats that match the same as one
/// (`**/**/`): fewer states, same language.
fn push(tokens: &mut Vec<Token>, token: Token) {
    match token {
        Token::Dirs if tokens.last() == Some(&Token::DirsInner) => {}
        Token::Dirs => tokens.extend([Token::Dirs, Token::DirsInner]),
        Token::Star if tokens.last() == Some(&Token::Star) => {}
        other => tokens.push(other),
    }
}

fn set(states: &mut [bool], i: usize) {
    if let Some(s) = states.get_mut(i) {
        *s = true;
    }
}

/// One line of an exclusion list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// The pattern as written.
    pub pattern: String,
    /// The reason written after `#`, when there is one.
    pub reason: Option<String>,
    /// The line of the list it is on (1-based).
    pub line: usize,
    #[serde(skip)]
    glob: Glob,
}

/// The patterns of `--exclude-from` lists, in the order given.
#[derive(Clone, Debug, Default)]
pub struct Exclusions {
    entries: Vec<Exclusion>,
}

impl Exclusions {
    /// Reads the lists at `paths`: one pattern a line, an optional reason after `#`; a line
    /// that is blank or starts with `#` is a comment.
    pub fn load(paths: &[PathBuf]) -> Result<Self, Error> {
        let mut entries = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|source| Error::ExcludeFrom {
                path: path.clone(),
                line: None,
                source,
            })?;
            entries.extend(Self::parse(&text, path)?.entries);
        }
        Ok(Self { entries })
    }

    /// The list `text` (read from `path`, named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = n.saturating_add(1);
            let (pattern, reason) = match raw.split_once('#') {
                Some((p, r)) => (p.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
                None => (raw.trim(), None),
            };
            if pattern.is_empty() {
                continue;
            }
            let glob = Glob::new(pattern).ok_or_else(|| Error::ExcludeFrom {
                path: path.to_path_buf(),
                line: Some(line),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("pattern longer than {MAX_PATTERN} characters"),
                ),
            })?;
            entries.push(Exclusion {
                pattern: pattern.to_string(),
                reason: reason.map(str::to_string),
                line,
                glob,
            });
        }
        Ok(Self { entries })
    }

    /// The first entry whose pattern matches `path`.
    pub fn find(&self, path: &str) -> Option<&Exclusion> {
        self.entries.iter().find(|e| e.glob.matches(path))
    }

    /// No pattern at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).expect("pattern").matches(path)
    }

    #[test]
    fn stars_stay_within_a_component_and_double_stars_cross_them() {
        assert!(m("*.txt", "a.txt"));
        assert!(m("*.txt", "dir/sub/a.txt"));
        assert!(!m("*.txt", "a.txt.exe"));
        assert!(m("setup.msi/**/*.txt", "out/setup.msi/docs/a.txt"));
        assert!(m("setup.msi/**/*.txt", "setup.msi/a.txt"));
        assert!(m("setup.msi/**/*.txt", "setup.msi/x/y/z/a.txt"));
        assert!(!m("setup.msi/**/*.txt", "setup.msi/a.exe"));
        assert!(!m("setup.msi/**/*.txt", "notsetup.msi/a.txt"));
        assert!(!m("setup.msi/*.txt", "setup.msi/docs/a.txt"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("vendor/**", "x/vendor/a/b.dll"));
        assert!(m("vendor/", "x/vendor/a/b.dll"));
        assert!(!m("vendor/**", "x/vendor"));
        assert!(m("**", "anything/at/all"));
        assert!(m("/abs/x.dll", "/abs/x.dll"));
        assert!(!m("/abs/x.dll", "/other/abs/x.dll"));
        assert!(m("a**b", "axxb"));
        assert!(!m("a**b", "ax/xb"));
        assert!(!m("", "a"));
        assert!(m("", ""));
        assert!(!m("b", "ab"));
        assert!(m("**/b", "a/b"));
        assert!(!m("**/b", "ab"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/**/b", "a/x/b"));
    }

    #[test]
    fn matching_cost_is_bounded_on_hostile_patterns() {
        // Exponential for a backtracking matcher; here path × pattern steps.
        let pattern = "*a".repeat(200) + "b";
        let path = "a".repeat(4096); // PATH_MAX on Linux
        assert!(!m(&pattern, &path));
        assert!(Glob::new(&"x".repeat(MAX_PATTERN + 1)).is_none());
    }

    #[test]
    fn lists_give_each_pattern_its_reason_and_line() {
        let text = "# comment\n\nsetup.msi/**/*.txt  # docs are not signed\r\n*.pdb\n  \n";
        let list = Exclusions::parse(text, Path::new("x")).unwrap();
        let hit = list.find("out/setup.msi/readme/a.txt").expect("excluded");
        assert_eq!(hit.pattern, "setup.msi/**/*.txt");
        assert_eq!(hit.reason.as_deref(), Some("docs are not signed"));
        assert_eq!(hit.line, 3);
        let pdb = list.find("a/b.pdb").expect("pdb");
        assert_eq!((pdb.reason.as_deref(), pdb.line), (None, 4));
        assert!(list.find("a.exe").is_none());
    }
}
