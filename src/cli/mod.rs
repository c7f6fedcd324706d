//! The command line: clap definitions and one function per subcommand.
//!
//! Each subcommand returns an [`Exit`]; `main` maps it to the process exit
//! code. Errors are values until this layer turns them into a message on
//! stderr and exit code 2, so no error path can print a verdict.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::adopt;
use crate::checklist::{self, Checklist};
use crate::engine::{self, DirLoader, EngineError};
use crate::eval::Context;
pub use crate::exit::Exit;
use crate::git::GitBase;
use crate::policy::{self, Policy, PolicyError, Source};
use crate::repo::Repo;
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
    read_checklist_as(path, &path.display().to_string(), max_bytes)
}

/// [`read_checklist`], naming the file `shown` in what it prints.
fn read_checklist_as(path: &Path, shown: &str, max_bytes: u64) -> Result<Checklist, EngineError> {
    match engine::read_markdown(path, shown, max_bytes)? {
        Some(md) => Ok(checklist::parse_owned(shown, md)),
        None => Err(not_found(path)),
    }
}

/// The checklist files the repository's policy names, as paths from the
/// current directory and as the policy names them, for `list` without
/// arguments.
fn policy_files(repo: &Repo) -> Result<Vec<(PathBuf, String)>, Exit> {
    let policy = load_policy(&repo.default_policy(), true)?;
    let root = repo.root_from_cwd();
    let files: Vec<(PathBuf, String)> = policy
        .checklists
        .iter()
        .filter_map(|c| match &c.source {
            Source::File(p) => Some((root.join(p), p.clone())),
            _ => None,
        })
        .collect();
    if files.is_empty() {
        return Err(fail(format!(
            "{} names no checklist file (only pull request checklists); name the files to list",
            policy.file
        )));
    }
    Ok(files)
}

fn list(args: &ListArgs) -> Exit {
    let mut out = String::new();
    let files = if args.files.is_empty() {
        let repo = match Repo::find() {
            Ok(r) => r,
            Err(e) => return fail(format!("cannot find the current directory: {e}")),
        };
        match policy_files(&repo) {
            Ok(f) => f,
            Err(exit) => return exit,
        }
    } else {
        args.files
            .iter()
            .map(|f| (f.clone(), f.display().to_string()))
            .collect()
    };
    for (path, shown) in &files {
        let list = match read_checklist_as(path, shown, args.max_bytes) {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        match args.format {
            ListFormat::Json => {
                // Each file's line is serialised straight to stdout.
                report::emit_json(|out| report::json::write_list(out, &list).map(drop));
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

/// Keep only the policy's checklists named on the command line. With a single
/// file checklist in the policy, any one file may be checked against it.
fn select(policy: &mut Policy, files: &[PathBuf], repo: &Repo, root: &Path) -> Result<(), String> {
    if files.is_empty() {
        return Ok(());
    }
    // Named from here, meant from the root: `check READY.md` in `docs/`
    // is the policy's `docs/READY.md`.
    let wanted: Vec<String> = files.iter().map(|f| repo.relative_to(f, root)).collect();
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
    let repo = match Repo::find() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot find the current directory: {e}")),
    };
    let loaded_policy = match &args.policy {
        Some(p) => load_policy(p, false),
        None => load_policy(&repo.default_policy(), true),
    };
    let mut policy = match loaded_policy {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    // The policy's paths mean the same files wherever this runs.
    let root = args.root.clone().unwrap_or_else(|| repo.root_from_cwd());
    // A file named here is not a policy checklist gone missing (exit 1) but
    // a mistyped argument: the same error as `list FILE`.
    if let Some(missing) = args
        .files
        .iter()
        .find(|f| std::fs::symlink_metadata(f).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound))
    {
        return fail(not_found(missing));
    }
    if let Err(e) = select(&mut policy, &args.files, &repo, &root) {
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
        root,
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
    let mut loaded = match engine::load(&policy, loader.as_ref(), &ctx) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // Only the markdown report shows code spans as code.
    if args.format != CheckFormat::Markdown {
        loaded.skip_code_spans();
    }
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
        CheckFormat::Json => report::emit_json(|out| report::json::write_report(out, &report).map(drop)),
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
         # Uncomment the requirements to enforce; every key: {}/blob/main/docs/policy.md\n\
         version = 1\n\n[[checklist]]\npath = {}\n",
        env!("CARGO_PKG_REPOSITORY"),
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
        // title ambiguous (a policy error), so name the path then. Each part
        // is written as the matcher reads it: mojibake repaired, no emoji.
        let key = crate::normalize::key(&s.title);
        let dupes = list
            .sections
            .iter()
            .filter(|o| crate::normalize::key(&o.title) == key)
            .count();
        let selector = if dupes > 1 {
            let mut parts = Vec::new();
            let mut at = Some(idx);
            while let Some(i) = at {
                parts.push(crate::normalize::selector_text(&list.sections[i].title));
                at = list.sections[i].parent;
            }
            parts.reverse();
            parts.join(" > ")
        } else {
            crate::normalize::selector_text(&s.title)
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

fn init(args: &InitArgs) -> Exit {
    let list = match read_checklist(&args.checklist, engine::DEFAULT_MAX_BYTES) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if list.items.is_empty() {
        // A policy for it would have nothing to require.
        return fail(format!(
            "{} has no task items (`- [ ] …` or `- [x] …` lines, as GitHub renders them), so there is nothing for a policy to require; add the checklist's items first",
            list.path
        ));
    }
    // The policy names checklists relative to the repository root, however
    // the checklist was named here (absolute, or from a subdirectory).
    let resolved = std::fs::canonicalize(&args.checklist);
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    let (resolved, cwd) = match (resolved, cwd) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => return fail(format!("{}: {e}", args.checklist.display())),
    };
    let root = Repo::around(cwd).root;
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
    let mut writes = vec![(target.clone(), text)];
    if args.workflow {
        writes.push((root.join(adopt::WORKFLOW_PATH), adopt::workflow()));
        writes.push((root.join(adopt::REVIEW_WORKFLOW_PATH), adopt::review_workflow()));
    }
    let mut add_line = None;
    if let Some(owner) = &args.codeowners {
        let line = match adopt::codeowners_line(owner) {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
        // Someone else's file: never rewritten, not even with --force.
        match adopt::CODEOWNERS_PATHS
            .iter()
            .map(|p| root.join(p))
            .find(|p| p.exists())
        {
            Some(existing) => add_line = Some((existing, line)),
            None => writes.push((
                root.join(adopt::CODEOWNERS_PATHS[0]),
                format!("# Changes to the checkgate policy and workflow need a code owner's review.\n{line}"),
            )),
        }
    }
    // Refuse before writing anything, so a refusal leaves no half-done setup.
    if !args.force
        && let Some((existing, _)) = writes.iter().find(|(path, _)| path.exists())
    {
        return fail(if *existing == target {
            // The repository has a policy: overwriting it is never the advice.
            format!(
                "{} already exists: this repository has a policy; edit it (`checkgate check` runs it){}",
                target.display(),
                if args.workflow {
                    ""
                } else {
                    ", or write this one elsewhere with --policy FILE"
                }
            )
        } else {
            format!(
                "{} already exists; nothing was written (--force replaces it)",
                existing.display()
            )
        });
    }
    for (path, contents) in &writes {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return fail(format!("{}: cannot create directory: {e}", dir.display()));
        }
        if let Err(e) = std::fs::write(path, contents) {
            return fail(format!("{}: cannot write: {e}", path.display()));
        }
        report::emit_error(&format!("wrote {}", path.display()));
    }
    if let Some((existing, line)) = add_line {
        report::emit_error(&format!(
            "{} exists and is left as it is; add this line to it:\n  {}",
            existing.display(),
            line.trim_end()
        ));
    }
    if args.workflow {
        report::emit_error(adopt::next_steps(policy::DEFAULT_PATH).trim_end());
    }
    Exit::Pass
}
