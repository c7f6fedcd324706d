//! The command line: clap definitions and one function per subcommand.
//!
//! Each subcommand returns an [`Exit`]; `main` maps it to the process exit
//! code. Errors are values until this layer turns them into a message on
//! stderr and exit code 2, so no error path can print a verdict.
//!
//! `args` holds the clap definitions, and `list`, `check` and `init` one
//! subcommand each; `schema` and `action` are a call away in [`run`]. What
//! more than one subcommand needs (reading a checklist or the policy, and
//! printing an error) stays here.

use std::path::Path;

use clap::Parser;

use crate::checklist::{self, Checklist};
use crate::engine::{self, EngineError};
pub use crate::exit::Exit;
use crate::policy::{Policy, PolicyError};
use crate::report;

mod args;
mod check;
mod init;
mod list;

pub use args::{CheckArgs, CheckFormat, Cli, Command, InitArgs, ListArgs, ListFormat};
pub use init::starter_policy;

/// Parse the command line and run it. clap's own messages (a usage error,
/// `--help`, `--version`) are output like any other: an invalid value is
/// quoted in its error, and an `INPUT_*` variable's value can hold a line
/// that the runner would obey (`::error::`, `##[add-mask]`). So they are
/// redacted and defused line by line here rather than printed by clap.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> Exit {
    match Cli::try_parse_from(args) {
        Ok(cli) => run(cli),
        Err(err) => parser_message(&err),
    }
}

/// Print clap's message for `err` (stderr for an error, stdout for help and
/// version), redacted and defused; exit 2 for an error, as clap would.
fn parser_message(err: &clap::Error) -> Exit {
    // Plain text: `StyledStr` displays without colour codes.
    let rendered = err.render().to_string();
    let token = std::env::var("INPUT_TOKEN").ok();
    let token = token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let text = crate::sanitize::Redactor::new(token).redact(&rendered).into_owned();
    if err.use_stderr() {
        report::emit_error(text.trim_end_matches('\n'));
        Exit::Error
    } else {
        report::emit(&text);
        Exit::Pass
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::List(args) => list::list(&args),
        Command::Check(args) => check::check(&args),
        Command::Init(args) => init::init(&args),
        Command::Schema => {
            report::emit(&crate::policy_file::schema_json());
            Exit::Pass
        }
        Command::Action(args) => crate::action::execute(&args),
    }
}

fn fail(message: impl std::fmt::Display) -> Exit {
    report::emit_error(&format!("checkgate: error: {message}"));
    Exit::Error
}

/// Read and parse one markdown file given on the command line.
fn read_checklist(path: &Path, max_bytes: u64) -> Result<Checklist, EngineError> {
    read_checklist_as(path, &path.display().to_string(), max_bytes)
}

/// [`read_checklist`], naming the file `shown` in what it prints.
fn read_checklist_as(path: &Path, shown: &str, max_bytes: u64) -> Result<Checklist, EngineError> {
    match engine::read_markdown(path, shown, max_bytes)? {
        Some(md) => Ok(checklist::parse_owned(shown, md)),
        None => Err(not_found(path)),
    }
}

/// Load the policy at `path`; `defaulted` when nobody named it (a missing
/// one then says how to start one).
fn load_policy(path: &Path, defaulted: bool) -> Result<Policy, Exit> {
    match Policy::load(path) {
        Ok(p) => Ok(p),
        Err(PolicyError::Invalid(diags)) => {
            for d in &diags {
                report::emit_error(&format!("{d}"));
            }
            report::emit_error(&format!(
                "checkgate: error: {} has {} problem(s)",
                path.display(),
                diags.len()
            ));
            Err(Exit::Error)
        }
        Err(PolicyError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound && defaulted => {
            Err(fail(format!(
                "no policy at {} ({}); to start one: checkgate init CHECKLIST.md --write",
                path.display(),
                engine::looked_for(Path::new("."), path)
            )))
        }
        Err(PolicyError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Err(fail(format!(
            "{}: no such policy file; {}",
            path.display(),
            engine::looked_for(Path::new("."), path)
        ))),
        Err(e) => Err(fail(e)),
    }
}

/// A file named on the command line that does not exist: an I/O error
/// (exit 2), the same for `list`, `check` and `init`.
fn not_found(path: &Path) -> EngineError {
    EngineError::NotFound {
        path: path.display().to_string(),
        looked_for: engine::looked_for(Path::new("."), path),
    }
}
