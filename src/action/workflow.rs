//! The `workflow-changed` finding: a run whose workflow may be the pull
//! request's own cannot vouch for the pull request.
//!
//! Under `pull_request` GitHub runs the workflow file from the pull request's
//! merge commit, and under `merge_group` from the group's head, which holds
//! the queued pull request's changes. A pull request that edits a workflow or
//! a local action can therefore rewrite the step that runs checkgate: its
//! `policy` and `fail` inputs, or the step itself. checkgate cannot tell which
//! workflow file is "the" gate, so any such change is reported, at the level
//! the base policy sets (`[action] workflow-changed`, default deny).

use std::collections::BTreeSet;

use crate::eval::{ChecklistReport, Code, RequirementReport};
use crate::github::{Client, GithubError, Transport};
use crate::policy::Level;

/// The directories that hold a local action (an `action.yml` or
/// `action.yaml`) at the base or the head. A workflow step `uses: ./dir` runs
/// whatever the action there names (`index.js`, a `Dockerfile`, a script),
/// so a change to any file below such a directory can rewrite a step of the
/// job, with the `action.yml` itself untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalActions {
    /// Directories, `""` for the repository's root, without a trailing `/`.
    pub dirs: BTreeSet<String>,
    /// GitHub cut a tree listing short: an action directory may be missing.
    pub incomplete: bool,
}

impl LocalActions {
    /// The local action directory `path` is in, when it is in one.
    pub fn holding(&self, path: &str) -> Option<&str> {
        let lower = path.to_ascii_lowercase();
        self.dirs
            .iter()
            .find(|d| d.is_empty() || lower.strip_prefix(d.as_str()).is_some_and(|rest| rest.starts_with('/')))
            .map(String::as_str)
    }

    /// Add the directories of the action files in `paths`.
    fn add<'p>(&mut self, paths: impl IntoIterator<Item = &'p str>) {
        for path in paths {
            let lower = path.to_ascii_lowercase();
            let (dir, name) = lower.rsplit_once('/').unwrap_or(("", lower.as_str()));
            if name == "action.yml" || name == "action.yaml" {
                self.dirs.insert(dir.to_string());
            }
        }
    }
}

/// The local actions at each of `refs` (the base and the head), from one
/// recursive tree listing per commit.
pub async fn local_actions<T: Transport>(client: &Client<T>, refs: &[&str]) -> Result<LocalActions, GithubError> {
    let mut found = LocalActions::default();
    // Independent listings: one round, not one per commit.
    let listings = futures_util::future::join_all(refs.iter().map(|r| client.tree_recursive(r))).await;
    for listing in listings {
        let (entries, truncated) = listing?;
        found.incomplete |= truncated;
        found.add(entries.iter().filter(|e| e.kind == "blob").map(|e| e.path.as_str()));
    }
    Ok(found)
}

/// Whether `path` is a workflow, a local action's code, or under a
/// directory holding a local action.
pub fn is_workflow_change(path: &str, local: &LocalActions) -> bool {
    is_workflow_path(path) || local.holding(path).is_some()
}

/// Where GitHub reads workflows, and what a local action (`uses: ./path`) is
/// made of. Matched case-insensitively: a near miss costs a review, a miss
/// could cost the gate.
pub fn is_workflow_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or_default();
    lower.starts_with(".github/workflows/")
        || lower.starts_with(".github/actions/")
        || name == "action.yml"
        || name == "action.yaml"
}

/// At most this many changed workflow files are named in the message.
const NAMED: usize = 5;

/// The finding for `changed` (every path the pull request touches, old names
/// of renames included), or `None` when no workflow file is among them.
/// `truncated` says GitHub cut the list short, so a workflow change may hide
/// past its end; `local` holds the local action directories, and when it is
/// incomplete a change to one cannot be ruled out. `event` is `pull_request`
/// or `merge_group`; `running` is the workflow file of this run, when known.
pub fn finding(
    changed: &[String],
    truncated: bool,
    local: &LocalActions,
    level: Level,
    event: &str,
    running: Option<&str>,
) -> Option<ChecklistReport<'static>> {
    let mut hits: Vec<String> = changed
        .iter()
        .filter(|p| is_workflow_change(p, local))
        // Path names are the author's: no control characters into any output.
        .map(|p| p.chars().map(|c| if c.is_control() { '?' } else { c }).collect())
        .collect();
    hits.dedup();
    let mut named = hits.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if hits.len() > NAMED {
        named.push_str(&format!(" and {} more", hits.len() - NAMED));
    }
    if hits.is_empty() {
        named = match (truncated, local.incomplete && !changed.is_empty()) {
            (false, false) => return None,
            (true, _) => "more files than GitHub lists, so a change to a workflow cannot be ruled out".to_string(),
            (false, true) => "files where GitHub cut the repository's file listing short, so a change to a local \
                              action cannot be ruled out"
                .to_string(),
        };
    }
    // Name the local action a file belongs to, once.
    let actions: BTreeSet<&str> = changed
        .iter()
        .filter(|p| !is_workflow_path(p))
        .filter_map(|p| local.holding(p))
        .collect();
    if !actions.is_empty() && !hits.is_empty() {
        let dirs: Vec<String> = actions
            .iter()
            .map(|d| {
                if d.is_empty() {
                    "./".to_string()
                } else {
                    format!("./{d}")
                }
            })
            .collect();
        named.push_str(&format!(" (code of the local action at {})", dirs.join(", ")));
    }
    let runs_from = match event {
        "merge_group" => {
            "GitHub runs `merge_group` workflows from the merge group's head, which includes this pull request"
        }
        "pull_request_review" => "GitHub runs `pull_request_review` workflows from the pull request itself",
        _ => "GitHub runs `pull_request` workflows from the pull request itself",
    };
    let own = match running {
        Some(w) if changed.iter().any(|p| p == w) => format!(" (including {w}, the workflow running checkgate)"),
        _ => String::new(),
    };
    let message = format!(
        "this pull request changes {named}{own}, and {runs_from}: the checkgate step that judged it, and its \
         inputs, may be the author's. A maintainer should review the workflow change before merging; to keep the \
         gate trustworthy for such pull requests, run checkgate on `pull_request_target`, which always runs the \
         default branch's workflow"
    );
    Some(ChecklistReport {
        path: running.unwrap_or(".github/workflows").to_string(),
        total: 0,
        checked: 0,
        requirements: vec![RequirementReport {
            rule: "workflow unchanged by the pull request".to_string(),
            level,
            passed: false,
            code: Code::WorkflowChanged,
            open: Vec::new(),
            optional: Vec::new(),
            evidence: Vec::new(),
            message,
            checked: 0,
            total: 0,
            help: None,
        }],
        waived: Vec::new(),
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflows_and_local_actions_are_recognised_whatever_their_case() {
        for yes in [
            ".github/workflows/ci.yml",
            ".GitHub/Workflows/ci.yml",
            ".github/actions/setup/action.yml",
            ".github/actions/setup/run.sh",
            "tools/gate/action.yaml",
            "action.yml",
            "x/Action.YML",
        ] {
            assert!(is_workflow_path(yes), "{yes}");
        }
        for no in [
            "README.md",
            ".github/checkgate.toml",
            ".github/CODEOWNERS",
            "docs/workflows/ci.yml",
            "action.yml.md",
        ] {
            assert!(!is_workflow_path(no), "{no}");
        }
    }

    #[test]
    fn the_message_names_the_files_and_the_running_workflow() {
        let changed: Vec<String> = [".github/workflows/checkgate.yml", "README.md"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = finding(
            &changed,
            false,
            &LocalActions::default(),
            Level::Deny,
            "pull_request",
            Some(".github/workflows/checkgate.yml"),
        )
        .unwrap();
        assert_eq!(r.path, ".github/workflows/checkgate.yml");
        let req = &r.requirements[0];
        assert_eq!(
            (req.code, req.level, req.passed),
            (Code::WorkflowChanged, Level::Deny, false)
        );
        assert!(
            req.message.starts_with(
                "this pull request changes .github/workflows/checkgate.yml (including \
                 .github/workflows/checkgate.yml, the workflow running checkgate), and GitHub runs"
            ),
            "{}",
            req.message
        );
        let other = ["src/x.rs".to_string()];
        let none = LocalActions::default();
        assert!(finding(&other, false, &none, Level::Deny, "pull_request", None).is_none());
        // A list cut at GitHub's limit may hide a workflow change: assume one.
        let r = finding(&other, true, &none, Level::Deny, "pull_request", None).unwrap();
        assert!(
            r.requirements[0]
                .message
                .starts_with("this pull request changes more files than GitHub lists, so a change to a workflow cannot be ruled out, and"),
            "{}",
            r.requirements[0].message
        );
    }

    #[test]
    fn a_change_under_a_local_action_directory_is_a_workflow_change() {
        let mut local = LocalActions::default();
        local.add([
            "tools/gate/action.yml",
            "deploy/Action.YAML",
            "docs/action.yml.md",
            "src/main.rs",
        ]);
        assert_eq!(
            local.dirs,
            BTreeSet::from(["tools/gate".to_string(), "deploy".to_string()])
        );
        for yes in ["tools/gate/index.js", "tools/gate/dist/index.js", "Deploy/Dockerfile"] {
            assert!(is_workflow_change(yes, &local), "{yes}");
        }
        for no in ["tools/gatekeeper/index.js", "tools/index.js", "src/main.rs", "deploy"] {
            assert!(!is_workflow_change(no, &local), "{no}");
        }
        let changed = vec!["tools/gate/index.js".to_string(), "README.md".to_string()];
        let r = finding(&changed, false, &local, Level::Deny, "pull_request", None).unwrap();
        assert!(
            r.requirements[0].message.starts_with(
                "this pull request changes tools/gate/index.js (code of the local action at ./tools/gate), and GitHub runs"
            ),
            "{}",
            r.requirements[0].message
        );
        // An action at the root holds every file.
        local.add(["action.yml"]);
        assert!(is_workflow_change("README.md", &local));
        // A listing cut short cannot rule a local action out.
        let cut = LocalActions {
            incomplete: true,
            ..LocalActions::default()
        };
        let r = finding(
            &["src/x.rs".to_string()],
            false,
            &cut,
            Level::Deny,
            "pull_request",
            None,
        )
        .unwrap();
        assert!(
            r.requirements[0]
                .message
                .starts_with("this pull request changes files where GitHub cut the repository's file listing short"),
            "{}",
            r.requirements[0].message
        );
    }
}
