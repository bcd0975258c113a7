//! What text output may send to a terminal. Certificate names (any byte, through raw DER),
//! file names (Unix allows every byte but `/` and NUL), catalog member names and the
//! reports `authverify summary` merges from other machines are hostile input: printed raw,
//! a carriage return or line feed forges a verdict line (`x.exe: VALID` under a file named
//! `x.exe: VALID\ny.exe`), ESC and CSI (U+009B) start terminal control sequences, and
//! bidirectional controls (U+202E) show text in another order than it is. JSON output is
//! data, not for a terminal: serde escapes control characters there and the rest stays exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a terminal would act on `c` instead of showing it: C0 controls (CR, LF, TAB,
/// ESC, BEL...), DEL, C1 controls (U+0080–U+009F: U+009B is CSI, U+0085 NEL), the
/// bidirectional formatting characters (U+061C ALM, U+200E LRM, U+200F RLM, U+202A–U+202E
/// embeddings and overrides, U+2066–U+2069 isolates) and the Unicode line and paragraph
/// separators (U+2028, U+2029), which some viewers break lines at; and the invisible
/// format characters and fillers (zero-width spaces and joiners, word joiner, BOM, soft
/// hyphen, tag characters, variation selectors, Hangul fillers), which hide in a name.
fn acts(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            // Invisible format characters and fillers (the red-team review): they act on
            // nothing, but make `setup\u{200b}.exe` look like `setup.exe` and a name look
            // like another's.
            | '\u{ad}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// `s` as text output shows it: every character a terminal would act on (see `acts`)
/// written as `\u{HEX}` (lowercase hex, as Rust writes it: `\u{1b}` for ESC, `\u{a}` for
/// a line feed, `\u{202e}`), the rest unchanged; borrowed when nothing needs escaping.
///
/// One escape form only, `\u{`, so that backslashes stay as they are almost everywhere:
/// Windows paths (`C:\Users\x`, `\\server\share`, `C:\temp\new.exe`) print unchanged,
/// where `\n`, `\t` or `\x07` forms would have made every `\new` or `\x64` folder
/// ambiguous. The output is unambiguous by the rule `CommandLineToArgvW` applies to
/// backslashes before a quote: a run of backslashes immediately followed by an escape or
/// by the text `u{` is written doubled. Read back, a run of 2n+1 backslashes before `u{`
/// is n backslashes and an escape, a run of 2n is n backslashes and the text `u{`, and any
/// other backslash is itself.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(acts) && !s.contains("\\u{") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().saturating_add(16));
    let mut backslashes = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            backslashes = backslashes.saturating_add(1);
            continue;
        }
        let escaped = acts(c);
        let before_brace = c == 'u' && chars.peek() == Some(&'{');
        let run = if escaped || before_brace {
            backslashes.saturating_mul(2)
        } else {
            backslashes
        };
        out.extend(std::iter::repeat_n('\\', run));
        backslashes = 0;
        if escaped {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out.extend(std::iter::repeat_n('\\', backslashes));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::terminal;

    /// Reads escaped text back by the rule `terminal` documents.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find('\\') {
            out.push_str(&rest[..at]);
            let run = rest[at..].len() - rest[at..].trim_start_matches('\\').len();
            let after = &rest[at + run..];
            if after.starts_with("u{") {
                out.extend(std::iter::repeat_n('\\', run / 2));
                if run % 2 == 1 {
                    let end = after.find('}').expect("closing brace");
                    let code = u32::from_str_radix(&after[2..end], 16).expect("hex");
                    out.push(char::from_u32(code).expect("a character"));
                    rest = &after[end + 1..];
                } else {
                    rest = after;
                }
            } else {
                out.extend(std::iter::repeat_n('\\', run));
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn controls_and_bidi_become_visible_escapes() {
        assert_eq!(terminal("x.exe: VALID\ny.exe"), "x.exe: VALID\\u{a}y.exe");
        assert_eq!(terminal("a\rb\tc\u{1b}[31md\u{7}"), "a\\u{d}b\\u{9}c\\u{1b}[31md\\u{7}");
        assert_eq!(terminal("\u{9b}31m\u{85}\u{7f}"), "\\u{9b}31m\\u{85}\\u{7f}");
        assert_eq!(
            terminal("\u{202e}exe.txt \u{2066}\u{2069}\u{200e}\u{200f}\u{61c}\u{2028}\u{2029}"),
            "\\u{202e}exe.txt \\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{2028}\\u{2029}"
        );
        assert_eq!(terminal("\0"), "\\u{0}");
        // Invisible: a name that looks like another's (red-team review of issue 27).
        assert_eq!(terminal("setup\u{200b}.exe"), "setup\\u{200b}.exe");
        assert_eq!(
            terminal("\u{feff}a\u{ad}\u{2060}\u{e0041}\u{fe0f}\u{3164}"),
            "\\u{feff}a\\u{ad}\\u{2060}\\u{e0041}\\u{fe0f}\\u{3164}"
        );
    }

    #[test]
    fn ordinary_text_and_windows_paths_are_borrowed_unchanged() {
        for s in [
            "",
            "C:\\Users\\x",
            "\\\\server\\share\\setup.exe",
            "C:\\temp\\new.exe",
            "bin\\x64\\app.dll",
            "C:\\users\\u1\\a.exe",
            "CN=Zoë Ünicode,O=日本語",
        ] {
            assert!(matches!(terminal(s), std::borrow::Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn backslashes_before_an_escape_or_literal_escape_text_are_doubled() {
        assert_eq!(terminal("a\\\n"), "a\\\\\\u{a}");
        assert_eq!(terminal("\\u{1b}"), "\\\\u{1b}");
        assert_eq!(terminal("\\\\u{1b}"), "\\\\\\\\u{1b}");
        assert_eq!(terminal("C:\\Users\\x\u{1b}"), "C:\\Users\\x\\u{1b}");
        assert_eq!(terminal("end\\"), "end\\");
    }

    #[test]
    fn what_is_shown_reads_back_as_the_original() {
        let pieces = [
            "\\", "u", "{", "}", "1b", "a", "\n", "\u{1b}", "\u{202e}", "\u{9b}", "x", "é",
        ];
        // Every string of up to five pieces: escapes never collide with text.
        let mut strings = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..5 {
            level = level
                .iter()
                .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
                .collect();
            strings.extend(level.iter().cloned());
        }
        for s in &strings {
            let shown = terminal(s);
            assert!(!shown.chars().any(super::acts), "{s:?} shown as {shown:?}");
            assert_eq!(&unescape(&shown), s, "{s:?} shown as {shown:?}");
        }
        assert!(strings.len() > 100_000);
    }
}
