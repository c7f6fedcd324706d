//! The command line: clap definitions and one function per subcommand.
//!
//! Each subcommand returns an [`Exit`]; `main` maps it to the process exit
//! code. Errors are values until this layer turns them into a message on
//! stderr and exit code 2, so no error path can print a verdict.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::checklist::{self, Checklist};
use crate::engine::{self, DirLoader, EngineError};
use crate::eval::Context;
pub use crate::exit::Exit;
use crate::git::GitBase;
use crate::policy::{self, Policy, PolicyError, Source};
use crate::report::{self, MarkdownOptions};

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
    /// Markdown files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Refuse files larger than this many bytes (at most 4294967295).
    #[arg(long, default_value_t = engine::DEFAULT_MAX_BYTES, value_parser = max_bytes_range())]
    pub max_bytes: u64,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Checklists to check (default: every checklist the policy names).
    pub files: Vec<PathBuf>,
    /// Policy file.
    #[arg(long, default_value = policy::DEFAULT_PATH)]
    pub policy: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Directory the policy's checklist paths are relative to.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Markdown file standing in for the pull request description
    /// (`source = "pr-body"` checklists).
    #[arg(long)]
    pub pr_body: Option<PathBuf>,
    /// Refuse checklists larger than this many bytes (at most 4294967295).
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
    /// Overwrite an existing policy file.
    #[arg(long, requires = "write")]
    pub force: bool,
}

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
        Command::List(args) => list(&args),
        Command::Check(args) => check(&args),
        Command::Init(args) => init(&args),
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
/// `--max-bytes`: 1 byte up to [`checklist::MAX_BYTES`], the most a parsed
/// checklist can address.
fn max_bytes_range() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=checklist::MAX_BYTES)
}

fn read_checklist(path: &Path, max_bytes: u64) -> Result<Checklist, EngineError> {
    let shown = path.display().to_string();
    match engine::read_markdown(path, &shown, max_bytes)? {
        Some(md) => Ok(checklist::parse_owned(&shown, md)),
        None => Err(not_found(path)),
    }
}

/// One item of `list --format json`; the same shape as `gfm-oracle`.
#[derive(Serialize)]
struct ListedItem<'a> {
    line: usize,
    checked: bool,
    text: &'a str,
    section: checklist::SectionPath<'a>,
    depth: usize,
    /// Line of the enclosing task item, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<checklist::Waiver<'a>>,
}

#[derive(Serialize)]
struct ListedFile<'a> {
    path: &'a str,
    items: ListedItems<'a>,
}

/// A checklist's items, serialised one by one as they are read (no vector of
/// the whole list is built first).
struct ListedItems<'a>(&'a Checklist);

impl Serialize for ListedItems<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let list = self.0;
        let mut seq = serializer.serialize_seq(Some(list.items.len()))?;
        for i in &list.items {
            seq.serialize_element(&ListedItem {
                line: i.line(),
                checked: i.checked,
                text: list.text(i),
                section: list.section_at(i.section()),
                depth: i.depth(),
                parent: i.parent().map(|p| list.items[p].line()),
                waiver: list.waiver(i),
            })?;
        }
        seq.end()
    }
}

fn list(args: &ListArgs) -> Exit {
    let mut out = String::new();
    for path in &args.files {
        let list = match read_checklist(path, args.max_bytes) {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        match args.format {
            ListFormat::Json => {
                // Each file's line is serialised straight to stdout.
                report::emit_json(&ListedFile {
                    path: &list.path,
                    items: ListedItems(&list),
                });
            }
            ListFormat::Text => {
                for i in &list.items {
                    let mark = if i.checked { 'x' } else { ' ' };
                    let indent = "  ".repeat(i.depth());
                    let section = list.section_path(i.section()).join(" > ");
                    out.push_str(&format!(
                        "{}:{}: {indent}[{mark}] {}",
                        list.path,
                        i.line(),
                        report::shown_text(list.text(i))
                    ));
                    if !section.is_empty() {
                        out.push_str(&format!("  ({section})"));
                    }
                    out.push('\n');
                }
                let items = match list.items.len() {
                    1 => "1 item".to_string(),
                    n => format!("{n} items"),
                };
                out.push_str(&format!("{}: {items}, {} checked\n", list.path, list.checked()));
            }
        }
        // Freeing every item's text one by one would only delay the exit.
        std::mem::forget(list);
    }
    report::emit(&out);
    Exit::Pass
}

fn load_policy(path: &Path) -> Result<Policy, Exit> {
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
        Err(PolicyError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound && path == Path::new(policy::DEFAULT_PATH) =>
        {
            Err(fail(format!(
                "no policy at {} ({}); to start one: checkgate init CHECKLIST.md --write",
                path.display(),
                engine::looked_for(Path::new("."), path)
            )))
        }
        Err(e) => Err(fail(e)),
    }
}

/// Keep only the policy's checklists named on the command line. With a single
/// file checklist in the policy, any one file may be checked against it.
fn select(policy: &mut Policy, files: &[PathBuf], root: &Path) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    let wanted: Vec<String> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap_or(f);
            rel.to_string_lossy().trim_start_matches("./").to_string()
        })
        .collect();
    let file_checklists = policy
        .checklists
        .iter()
        .filter(|c| matches!(c.source, Source::File(_)))
        .count();
    if file_checklists == 1 && wanted.len() == 1 {
        for c in &mut policy.checklists {
            if matches!(c.source, Source::File(_)) {
                c.source = Source::File(wanted[0].clone());
            }
        }
        return Ok(());
    }
    for w in &wanted {
        if !policy.checklists.iter().any(|c| c.source == Source::File(w.clone())) {
            let known: Vec<&str> = policy.checklists.iter().map(|c| c.source.display()).collect();
            return Err(format!(
                "{w} is not a checklist of {}; it names: {}",
                policy.file,
                known.join(", ")
            ));
        }
    }
    policy
        .checklists
        .retain(|c| matches!(&c.source, Source::File(p) if wanted.contains(p)));
    Ok(())
}

/// A file named on the command line that does not exist: an I/O error
/// (exit 2), the same for `list`, `check` and `init`.
fn not_found(path: &Path) -> EngineError {
    EngineError::NotFound {
        path: path.display().to_string(),
        looked_for: engine::looked_for(Path::new("."), path),
    }
}

fn check(args: &CheckArgs) -> Exit {
    let mut policy = match load_policy(&args.policy) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    // A file named here is not a policy checklist gone missing (exit 1) but
    // a mistyped argument: the same error as `list FILE`.
    if let Some(missing) = args
        .files
        .iter()
        .find(|f| std::fs::symlink_metadata(f).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound))
    {
        return fail(not_found(missing));
    }
    if let Err(e) = select(&mut policy, &args.files, &args.root) {
        return fail(e);
    }
    let pr_body = match &args.pr_body {
        Some(p) => match engine::read_markdown(p, &p.display().to_string(), args.max_bytes) {
            Ok(Some(md)) => Some(md),
            Ok(None) => {
                return fail(not_found(p));
            }
            Err(e) => return fail(e),
        },
        None => None,
    };
    let dir = DirLoader {
        root: args.root.clone(),
        max_bytes: args.max_bytes,
        pr_body,
    };
    let (loader, ctx): (Box<dyn engine::Loader>, Context) = match &args.base {
        None => (Box::new(dir), Context::default()),
        Some(git_ref) => {
            let base = GitBase {
                dir,
                git_ref: git_ref.clone(),
            };
            let changed = match base.verify().and_then(|()| base.changed_files()) {
                Ok(c) => c,
                Err(e) => return fail(e),
            };
            let ctx = Context {
                changed_files: Some(changed),
                ..Context::default()
            };
            (Box::new(base), ctx)
        }
    };
    let loaded = match engine::load(&policy, loader.as_ref(), &ctx) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // The report borrows item text and headings from `loaded`.
    let report = match engine::evaluate(&policy, &loaded, &ctx) {
        Ok(r) => r,
        Err(EngineError::Policy(diags)) => {
            for d in &diags {
                report::emit_error(&d.to_string());
            }
            report::emit_error(&format!(
                "checkgate: error: {} does not fit the checklist: {} problem(s)",
                policy.file,
                diags.len()
            ));
            return Exit::Error;
        }
        Err(e) => return fail(e),
    };
    match args.format {
        CheckFormat::Text => report::emit_text(&report),
        CheckFormat::Json => report::emit_json(&report),
        CheckFormat::Markdown => report::emit(&report::markdown(&report, &MarkdownOptions::default())),
        CheckFormat::Github => report::emit_commands(&report::github_commands(&report)),
    }
    let exit = if report.passed { Exit::Pass } else { Exit::Fail };
    // The process ends now: freeing the report and the parsed checklists
    // piece by piece would only delay the exit.
    std::mem::forget(report);
    std::mem::forget(loaded);
    exit
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A starter policy: one commented requirement per top-level section.
pub fn starter_policy(path: &str, list: &Checklist) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# checkgate policy for {path}, generated by `checkgate init`.\n\
         # Uncomment the requirements to enforce; see the README's policy reference.\n\
         version = 1\n\n[[checklist]]\npath = {}\n",
        toml_string(path)
    ));
    // Top-level sections: the shallowest heading level, skipping a lone title.
    let levels: Vec<u8> = list.sections.iter().map(|s| s.level).collect();
    let min = levels.iter().copied().min();
    let top = match min {
        Some(m) if levels.iter().filter(|&&l| l == m).count() == 1 && levels.iter().any(|&l| l > m) => {
            levels.iter().copied().filter(|&l| l > m).min()
        }
        other => other,
    };
    let loose = list.items.iter().filter(|i| i.section().is_none()).count();
    if loose > 0 {
        out.push_str(&format!("\n# {loose} item(s) appear before any heading; require them by text:\n# [[checklist.require]]\n# item = {}\n", toml_string(list.items.iter().find(|i| i.section().is_none()).map(|i| list.text(i)).unwrap_or_default())));
    }
    let Some(top) = top else {
        return out;
    };
    for (idx, s) in list.sections.iter().enumerate().filter(|(_, s)| s.level == top) {
        let inside: Vec<_> = list
            .items
            .iter()
            .filter(|i| list.section_within(i.section(), idx))
            .collect();
        if inside.is_empty() {
            continue;
        }
        let checked = inside.iter().filter(|i| i.checked).count();
        // Any heading of the same name, at any level, would make the bare
        // title ambiguous (a policy error), so name the path then.
        let dupes = list.sections.iter().filter(|o| o.title == s.title).count();
        let selector = if dupes > 1 {
            list.section_path(Some(idx)).join(" > ")
        } else {
            s.title.clone()
        };
        out.push_str(&format!(
            "\n# line {}: {} item{}, {checked} checked\n# [[checklist.require]]\n# section = {}\n",
            s.line,
            inside.len(),
            if inside.len() == 1 { "" } else { "s" },
            toml_string(&selector)
        ));
    }
    out
}

/// The repository root: the nearest directory at or above `start` holding
/// `.git` (a directory, or a file in a worktree), else `start` itself.
fn repository_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

fn init(args: &InitArgs) -> Exit {
    let list = match read_checklist(&args.checklist, engine::DEFAULT_MAX_BYTES) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // The policy names checklists relative to the repository root, however
    // the checklist was named here (absolute, or from a subdirectory).
    let resolved = std::fs::canonicalize(&args.checklist);
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    let (resolved, cwd) = match (resolved, cwd) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return fail(format!("{}: {e}", args.checklist.display())),
    };
    let root = repository_root(&cwd);
    let Ok(relative) = resolved.strip_prefix(&root) else {
        return fail(format!(
            "{} is outside the repository at {}; a policy names checklists inside it",
            args.checklist.display(),
            root.display()
        ));
    };
    let shown = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let text = starter_policy(&shown, &list);
    if !args.write {
        report::emit(&text);
        return Exit::Pass;
    }
    let target = match &args.policy {
        Some(p) => p.clone(),
        None => root.join(policy::DEFAULT_PATH),
    };
    if target.exists() && !args.force {
        return fail(format!(
            "{} already exists; pass --force to overwrite it",
            target.display()
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return fail(format!("{}: cannot create directory: {e}", dir.display()));
    }
    match std::fs::write(&target, text) {
        Ok(()) => {
            report::emit_error(&format!("wrote {}", target.display()));
            Exit::Pass
        }
        Err(e) => fail(format!("{}: cannot write: {e}", target.display())),
    }
}
