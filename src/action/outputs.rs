//! The step's own channels: workflow commands in the log, the job summary
//! file and the `$GITHUB_OUTPUT` heredocs.

use std::io::Write;
use std::path::Path;

use super::CHECK_NAME;
use crate::eval::{Level, Report};
use crate::exit::Exit;
use crate::report;

/// The step outputs: `passed`, `checked`, `total`, `open`, `report`.
pub fn outputs(report: &Report) -> Vec<(&'static str, String)> {
    let open: std::collections::HashSet<_> = report.open_items(Level::Deny).map(|(p, _, o)| (p, o.line)).collect();
    vec![
        ("passed", report.passed.to_string()),
        ("checked", report.checked().to_string()),
        ("total", report.total().to_string()),
        ("open", open.len().to_string()),
        ("report", report::json(report)),
    ]
}

/// Append `name<<DELIM` heredocs to a `$GITHUB_OUTPUT` file. The delimiter is
/// random and checked against the value, so no value can end its own block
/// early and inject another output.
pub fn write_outputs(path: &Path, pairs: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in pairs {
        let delimiter = loop {
            let d = format!("ghadelimiter_{}", random_hex());
            if !value.contains(&d) {
                break d;
            }
        };
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    append(path, &text)
}

pub(super) fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(text.as_bytes())
}

/// 128 random bits, from the standard library's randomly keyed hasher.
fn random_hex() -> String {
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:016x}{:016x}",
        state.hash_one(nanos),
        state.hash_one(std::process::id())
    )
}

/// GitHub's escaping for a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

pub(super) fn notice(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "::notice title={CHECK_NAME}::{}", escape_data(message));
}

pub(super) fn warn(out: &mut dyn Write, message: &str) {
    let _ = writeln!(out, "::warning title={CHECK_NAME}::{}", escape_data(message));
}

pub(super) fn fail(out: &mut dyn Write, err: &mut dyn Write, message: &str) -> Exit {
    let _ = writeln!(out, "::error title={CHECK_NAME}::{}", escape_data(message));
    let _ = writeln!(err, "checkgate: error: {message}");
    Exit::Error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_value_cannot_close_its_own_heredoc() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let value = "a\nghadelimiter_x\nevil<<EOF".to_string();
        write_outputs(&path, &[("report", value.clone()), ("passed", "true".into())]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let first = lines.next().unwrap();
        let delimiter = first.strip_prefix("report<<").unwrap();
        assert!(
            delimiter.starts_with("ghadelimiter_") && delimiter.len() > 20,
            "{delimiter}"
        );
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        assert_eq!(body.join("\n"), value);
        assert!(lines.next().unwrap().starts_with("passed<<"));
    }
}
