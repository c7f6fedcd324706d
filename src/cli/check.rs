//! `checkgate check`: the policy's checklists judged locally, optionally
//! against a git base, and the report in the format asked for.

use std::path::{Path, PathBuf};

use super::{CheckArgs, CheckFormat, Exit, fail, load_policy, not_found};
use crate::engine::{self, DirLoader, EngineError};
use crate::eval::Context;
use crate::git::GitBase;
use crate::policy::{Policy, Source};
use crate::repo::Repo;
use crate::report::{self, MarkdownOptions};

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

pub(super) fn check(args: &CheckArgs) -> Exit {
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
