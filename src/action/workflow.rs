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

use crate::eval::{ChecklistReport, Code, RequirementReport};
use crate::policy::Level;

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
/// past its end. `event` is `pull_request` or `merge_group`; `running` is the
/// workflow file of this run, when known.
pub fn finding(
    changed: &[String],
    truncated: bool,
    level: Level,
    event: &str,
    running: Option<&str>,
) -> Option<ChecklistReport<'static>> {
    let mut hits: Vec<String> = changed
        .iter()
        .filter(|p| is_workflow_path(p))
        // Path names are the author's: no control characters into any output.
        .map(|p| p.chars().map(|c| if c.is_control() { '?' } else { c }).collect())
        .collect();
    hits.dedup();
    let mut named = hits.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if hits.len() > NAMED {
        named.push_str(&format!(" and {} more", hits.len() - NAMED));
    }
    if hits.is_empty() {
        if !truncated {
            return None;
        }
        named = "more files than GitHub lists, so a change to a workflow cannot be ruled out".to_string();
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
        assert!(finding(&other, false, Level::Deny, "pull_request", None).is_none());
        // A list cut at GitHub's limit may hide a workflow change: assume one.
        let r = finding(&other, true, Level::Deny, "pull_request", None).unwrap();
        assert!(
            r.requirements[0]
                .message
                .starts_with("this pull request changes more files than GitHub lists, so a change to a workflow cannot be ruled out, and"),
            "{}",
            r.requirements[0].message
        );
    }
}
