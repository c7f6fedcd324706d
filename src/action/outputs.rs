//! The step's own channels: workflow commands in the log, the job summary
//! file and the `$GITHUB_OUTPUT` heredocs.

use std::io::Write;
use std::path::Path;

use std::path::PathBuf;

use super::runner_files::{self, RunnerFileError};
use super::{ActionError, CHECK_NAME};
use crate::eval::{Level, Report};
use crate::exit::Exit;
use crate::report;
use crate::sanitize::{self, Redactor};

/// The step outputs: `passed`, `checked`, `total`, `open`, `report`, `pending`. The
/// `report` JSON is cut to fit GitHub's 1 MB limit on one output
/// ([`report::json_bounded`]).
pub fn outputs(report: &Report) -> Vec<(&'static str, String)> {
    let open: std::collections::HashSet<_> = report.open_items(Level::Deny).map(|(p, _, o)| (p, o.line)).collect();
    vec![
        ("passed", report.passed.to_string()),
        ("checked", report.checked().to_string()),
        ("total", report.total().to_string()),
        ("open", open.len().to_string()),
        ("report", report::json_bounded(report, report::REPORT_OUTPUT_MAX_BYTES)),
        ("pending", report.pending.to_string()),
    ]
}

/// Append `name<<DELIM` heredocs to a `$GITHUB_OUTPUT` file. The delimiter is
/// random and checked against the value, so no value can end its own block
/// early and inject another output. The file must be a regular file or new
/// ([`runner_files::append`]).
pub fn write_outputs(path: &Path, pairs: &[(&str, String)]) -> Result<(), RunnerFileError> {
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
    runner_files::append(path, &text)
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

/// Every channel the step writes to: the log (workflow commands on stdout),
/// stderr, the job summary and the outputs file. Each write is redacted, then
/// defused ([`sanitize`]); the action writes to none of them another way.
pub(super) struct Log<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    redactor: Redactor,
    summary: Option<PathBuf>,
    output: Option<PathBuf>,
}

impl<'a> Log<'a> {
    pub(super) fn new(out: &'a mut dyn Write, err: &'a mut dyn Write, redactor: Redactor) -> Log<'a> {
        Log {
            out,
            err,
            redactor,
            summary: None,
            output: None,
        }
    }

    /// Also write the job summary and step outputs to these files.
    pub(super) fn with_files(mut self, summary: Option<PathBuf>, output: Option<PathBuf>) -> Log<'a> {
        self.summary = summary;
        self.output = output;
        self
    }

    fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        self.redactor.redact(text)
    }

    fn command(&mut self, name: &str, message: &str) {
        let line = sanitize::command(name, &[("title", CHECK_NAME)], &self.redact(message));
        let _ = self.out.write_all(line.as_bytes());
    }

    /// Workflow command lines built with [`sanitize::command`].
    pub(super) fn commands(&mut self, lines: &str) {
        let lines = self.redact(lines).into_owned();
        let _ = self.out.write_all(lines.as_bytes());
    }

    pub(super) fn notice(&mut self, message: &str) {
        self.command("notice", message);
    }

    pub(super) fn warn(&mut self, message: &str) {
        self.command("warning", message);
    }

    /// An `::error::` in the log and the same message on stderr; exit 2.
    pub(super) fn fail(&mut self, message: &str) -> Exit {
        self.command("error", message);
        self.stderr(&format!("checkgate: error: {message}"));
        Exit::Error
    }

    /// One line on stderr.
    pub(super) fn stderr(&mut self, line: &str) {
        let line = sanitize::line(&self.redact(line)).into_owned();
        let _ = writeln!(self.err, "{line}");
    }

    /// Append markdown to the job summary, if there is one.
    pub(super) fn summary(&mut self, markdown: &str) -> Result<(), ActionError> {
        let Some(path) = &self.summary else { return Ok(()) };
        let text = sanitize::text(&self.redact(markdown));
        runner_files::append(path, &text).map_err(|source| ActionError::Write {
            what: "the step summary",
            path: path.display().to_string(),
            source,
        })
    }

    /// Write the step outputs, if there is an outputs file.
    pub(super) fn outputs(&mut self, pairs: &[(&str, String)]) -> Result<(), ActionError> {
        let Some(path) = &self.output else { return Ok(()) };
        let pairs: Vec<(&str, String)> = pairs
            .iter()
            .map(|(k, v)| (*k, sanitize::text(&self.redactor.redact(v))))
            .collect();
        write_outputs(path, &pairs).map_err(|source| ActionError::Write {
            what: "the step outputs",
            path: path.display().to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_output_fits_in_one_github_output() {
        // 10,000 open items made a 1.3 MB `report`; GitHub allows 1 MB per output.
        let md: String = (0..25_000)
            .map(|i| format!("- [ ] open item number {i} of many\n"))
            .collect();
        let policy = crate::policy::Policy::parse(
            "p.toml",
            "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n",
        )
        .expect("policy");
        let loader = crate::engine::MemLoader {
            head: [("c.md".to_string(), Some(md))].into(),
            ..Default::default()
        };
        let report = crate::engine::check(&policy, &loader, &crate::eval::Context::default()).expect("report");
        let pairs = outputs(&report);
        let (_, value) = pairs.iter().find(|(n, _)| *n == "report").expect("report output");
        assert!(value.len() <= report::REPORT_OUTPUT_MAX_BYTES, "{}", value.len());
        let v: serde_json::Value = serde_json::from_str(value).expect("valid JSON");
        assert_eq!(v["truncated"], true);
        let kept = v["checklists"][0]["requirements"][0]["open"].as_array().unwrap().len() as u64;
        assert_eq!(kept + v["omitted"]["open"].as_u64().unwrap(), 25_000);
        assert_eq!(pairs.iter().find(|(n, _)| *n == "open").unwrap().1, "25000");
    }

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
