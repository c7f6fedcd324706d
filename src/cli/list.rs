//! `checkgate list`: every task-list item of the files named, or of the
//! policy's checklist files, as text or JSON.

use std::path::PathBuf;

use super::{Exit, ListArgs, ListFormat, fail, load_policy, read_checklist_as};
use crate::policy::Source;
use crate::repo::Repo;
use crate::report;

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

pub(super) fn list(args: &ListArgs) -> Exit {
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
