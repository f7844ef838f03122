//! Reading board YAML so that it means the same under YAML 1.2 and 1.1.
//!
//! Two passes. First a scan of the raw events refuses every plain scalar
//! that YAML 1.1 and 1.2 read differently (`yes`/`no`/`on`/`off`, numbers
//! with leading zeros or underscores, `0o`/`0b` literals, sexagesimal
//! `1:30`), naming its line and column and the fix. Then serde-saphyr
//! deserializes into [`Board`] with duplicate keys, merge keys and non-core
//! booleans refused; its errors are mapped to [`Diagnostic`]s.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_saphyr::options::{DuplicateKeyPolicy, MergeKeyPolicy};

use crate::diag::{BoardError, Diagnostic};
use crate::model::Board;

/// Why a plain scalar reads differently under YAML 1.1 and 1.2, and the fix.
fn ambiguity(s: &str) -> Option<(String, String)> {
    let lower = s.to_ascii_lowercase();
    if matches!(lower.as_str(), "yes" | "no" | "on" | "off" | "y" | "n") {
        let b = if matches!(lower.as_str(), "yes" | "on" | "y") {
            "true"
        } else {
            "false"
        };
        return Some((
            format!("`{s}` is a boolean in YAML 1.1 but a string in YAML 1.2"),
            format!("write `{b}` for a boolean, or `\"{s}\"` for the text"),
        ));
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let is_num =
        |t: &str, radix: u32| !t.is_empty() && t.chars().all(|c| c == '_' || c.is_digit(radix));
    if digits.contains('_')
        && (is_num(digits, 10) || digits.strip_prefix("0x").is_some_and(|h| is_num(h, 16)))
    {
        return Some((
            format!("`{s}` is a number in YAML 1.1 but a string in YAML 1.2"),
            format!(
                "write `{}` without underscores, or quote it",
                s.replace('_', "")
            ),
        ));
    }
    if digits.len() > 1 && digits.starts_with('0') && is_num(digits, 10) {
        return Some((
            format!("`{s}` is octal in YAML 1.1 but decimal in YAML 1.2"),
            "drop the leading zeros (or write a 0x hex value), or quote it".to_owned(),
        ));
    }
    if let Some(rest) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0b"))
        && (is_num(rest, 8) || is_num(rest, 2))
    {
        return Some((
            format!("`{s}` is a number in one YAML version and a string in the other"),
            "write the value in decimal or as 0x hex, or quote it".to_owned(),
        ));
    }
    let parts: Vec<&str> = digits.split(':').collect();
    if parts.len() > 1 && parts.iter().all(|p| is_num(p, 10) && !p.contains('_')) {
        return Some((
            format!("`{s}` is a base-60 number in YAML 1.1 but a string in YAML 1.2"),
            format!("quote it: `\"{s}\"`"),
        ));
    }
    None
}

/// Scans the raw YAML events for scalars that YAML 1.1 and 1.2 read differently.
pub fn scan_version_ambiguities(file: &str, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ev in Parser::new_from_str(text) {
        match ev {
            Ok((Event::Scalar(value, ScalarStyle::Plain, _, None), span)) => {
                if let Some((message, fix)) = ambiguity(&value) {
                    out.push(Diagnostic {
                        file: file.to_owned(),
                        line: span.start.line() as u64,
                        column: span.start.col() as u64 + 1,
                        message,
                        fix,
                    });
                }
            }
            Ok(_) => {}
            // Syntax errors are reported by the deserializer with its message.
            Err(_) => break,
        }
    }
    out
}

/// Parses board YAML; `file` is the name used in diagnostics.
pub fn parse_board(file: &str, text: &str) -> Result<Board, BoardError> {
    let ambiguous = scan_version_ambiguities(file, text);
    if !ambiguous.is_empty() {
        return Err(BoardError::Invalid(ambiguous));
    }
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::Error,
        merge_keys: MergeKeyPolicy::Error,
        strict_booleans: true,
        legacy_octal_numbers: false,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<Board>(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let message = first_line(&e.to_string());
        BoardError::Invalid(vec![Diagnostic {
            file: file.to_owned(),
            line,
            column,
            fix: fix_for(&message),
            message,
        }])
    })
}

/// The message without serde-saphyr's own location suffix.
fn first_line(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or(msg).trim();
    match line.rfind(" at line ") {
        Some(i) => line[..i].to_owned(),
        None => line.to_owned(),
    }
}

/// A fix for the common deserializer errors.
fn fix_for(message: &str) -> String {
    if message.contains("unknown field") {
        "remove the key or correct its spelling (docs/boards.md lists every key)".into()
    } else if message.contains("missing field") {
        "add the field (docs/boards.md lists what each tile kind needs)".into()
    } else if message.contains("duplicate") {
        "keep one of the two entries: YAML mapping keys must be unique".into()
    } else if message.contains("unknown variant") {
        "use one of the values the message lists".into()
    } else if message.starts_with("invalid u") || message.starts_with("invalid i") {
        "write a whole number without quotes, e.g. `3` (hex as `0x1F`)".into()
    } else if message.contains("invalid type") {
        "check the value's type against docs/boards.md".into()
    } else if message.contains("unit `") {
        "use a binary unit: B, KiB, MiB, GiB or TiB".into()
    } else {
        "see docs/boards.md for the board format".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_scalars_are_found() {
        for s in [
            "yes", "No", "on", "OFF", "010", "-007", "1_000", "0x_ff", "0o17", "0b101", "1:30",
        ] {
            assert!(ambiguity(s).is_some(), "{s}");
        }
        for s in [
            "true",
            "false",
            "0",
            "10",
            "0x1F",
            "64 MiB",
            "hello",
            "-5",
            "1.5",
            "host-native",
        ] {
            assert!(ambiguity(s).is_none(), "{s}");
        }
    }

    #[test]
    fn quoted_scalars_are_not_ambiguous() {
        let d = scan_version_ambiguities("b.yaml", "a: \"yes\"\nb: '010'\nc: yes\n");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].column), (3, 4));
    }
}
