//! The clap definitions of the command line: the subcommands, their
//! arguments and output formats.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::checklist;
use crate::engine;

#[derive(Debug, Parser)]
#[command(name = "checkgate", version, about = "Gate pull requests on markdown checklists")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every task-list item of markdown files, as GitHub renders them.
    List(ListArgs),
    /// Evaluate checklists against the policy; exit 0 pass, 1 fail, 2 error.
    Check(CheckArgs),
    /// Print (or write) a starter policy for an existing checklist.
    Init(InitArgs),
    /// Print the policy file's JSON Schema (`checkgate.schema.json`).
    Schema,
    /// Run as a GitHub Action (reads GITHUB_* and INPUT_* variables).
    Action(crate::action::ActionArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    /// One line per item (`file:line: [x] text  (section)`) and a count.
    Text,
    /// One JSON object per file per line, in `gfm-oracle`'s shape.
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    /// Each requirement with ok/FAIL/warn and its open items as `file:line`.
    Text,
    /// The report as JSON (fields are only ever added).
    Json,
    /// The markdown of the pull request comment and job summary.
    Markdown,
    /// GitHub workflow-command annotations (`::error file=…,line=…::…`).
    Github,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Markdown files to read (default: every checklist file the
    /// repository's policy names).
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Refuse files larger than this many bytes (at most 2 GiB − 1, 2147483647).
    #[arg(long, default_value_t = engine::DEFAULT_MAX_BYTES, value_parser = max_bytes_range())]
    pub max_bytes: u64,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Checklists to check (default: every checklist the policy names).
    pub files: Vec<PathBuf>,
    /// Policy file [default: .github/checkgate.toml at the repository root,
    /// the nearest directory up from here holding `.git` or that file].
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Directory the policy's checklist paths are relative to [default: the
    /// repository root].
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Markdown file standing in for the pull request description
    /// (`source = "pr-body"` checklists).
    #[arg(long)]
    pub pr_body: Option<PathBuf>,
    /// Refuse checklists larger than this many bytes (at most 2 GiB − 1, 2147483647).
    #[arg(long, default_value_t = engine::DEFAULT_MAX_BYTES, value_parser = max_bytes_range())]
    pub max_bytes: u64,
    /// Compare with this git revision (e.g. `origin/main`) as the action
    /// compares with the pull request's base: tamper and untick checks, and
    /// `when-changed` from `git diff REF`.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The checklist to write a policy for (the policy names it relative to
    /// the repository root, wherever you run this).
    pub checklist: PathBuf,
    /// Write the policy to --policy instead of printing it.
    #[arg(long)]
    pub write: bool,
    /// Where --write puts the policy [default: .github/checkgate.toml at the
    /// repository root].
    #[arg(long, requires = "write")]
    pub policy: Option<PathBuf>,
    /// Overwrite existing files (never an existing CODEOWNERS).
    #[arg(long, requires = "write")]
    pub force: bool,
    /// Also write the recommended workflow, .github/workflows/checkgate.yml,
    /// and print the steps that remain.
    #[arg(long, requires = "write", conflicts_with = "policy")]
    pub workflow: bool,
    /// With --workflow: make TEAM (`@org/team`, `@login`) the code owner of
    /// `.github/`, in a new .github/CODEOWNERS (an existing CODEOWNERS is
    /// never changed: the line to add is printed).
    #[arg(long, value_name = "TEAM", requires = "workflow")]
    pub codeowners: Option<String>,
}

/// `--max-bytes`: 1 byte up to [`checklist::MAX_BYTES`], the most a parsed
/// checklist can address.
fn max_bytes_range() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=checklist::MAX_BYTES)
}
