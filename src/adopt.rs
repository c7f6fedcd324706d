//! What `checkgate init --workflow` writes besides the policy, and what it
//! says remains to be done: the recommended workflow, a CODEOWNERS line for
//! `.github/`, and the three steps from a written workflow to an enforced
//! gate.
//!
//! The workflow's text lives here and only here (the README quotes it, and a
//! test compares the two byte for byte). The action's repository is not
//! written anywhere in the code: it comes from Cargo.toml's `repository`, so
//! publishing under a real owner is a one-line change there.

/// The action's `owner/name` on GitHub, from Cargo.toml's `repository`
/// (`https://github.com/` and the owner and name).
pub fn action_repository() -> &'static str {
    let url = env!("CARGO_PKG_REPOSITORY");
    url.strip_prefix("https://github.com/")
        .unwrap_or(url)
        .trim_end_matches('/')
}

/// What a workflow's `uses:` names: the repository at the major tag each
/// release moves (`owner/name@v0` for 0.x releases).
pub fn action_reference() -> String {
    format!("{}@v{}", action_repository(), env!("CARGO_PKG_VERSION_MAJOR"))
}

/// Where `init --workflow` writes the workflow, from the repository root.
pub const WORKFLOW_PATH: &str = ".github/workflows/checkgate.yml";

/// The recommended workflow, with `{action}` standing for
/// [`action_reference`].
const WORKFLOW_TEMPLATE: &str = "\
# .github/workflows/checkgate.yml
name: checkgate
on:
  # The default branch's copy of this file runs, never the pull request's.
  pull_request_target:
    types: [opened, edited, synchronize, reopened, ready_for_review, converted_to_draft, labeled, unlabeled]
  issue_comment:        # `source = \"pr-comments\"` checklists
    types: [created, edited, deleted]
  # Reviews (`approved-by`) through checkgate-review below, and evidence
  # (`checks`, `deployed`), which arrives after the gate ran.
  workflow_run:
    workflows: [checkgate-review, CI]   # CI: the workflows whose jobs `checks` names
    types: [completed]
  check_run:            # other apps' check runs (GitHub sends none for Actions')
    types: [completed]
  status:               # commit statuses
  deployment_status:    # deployments, for `deployed`
  merge_group:
permissions:
  contents: read        # the policy and checklists, through the contents API
  pull-requests: write  # the pull request, its files and reviews; the sticky comment
  checks: write         # the check run and its annotations; reading check runs for `checks`
  statuses: read        # commit statuses for `checks`
  deployments: read     # deployments for `deployed`
jobs:
  gate:                 # not `checkgate`, the check run's name
    # checkgate's own comment never starts a run.
    if: ${{ !startsWith(github.event.comment.body, '<!-- checkgate -->') }}
    # One run per pull request (or commit): a burst of edits costs one run.
    concurrency:
      group: checkgate-${{ github.event.pull_request.number || github.event.issue.number || github.event.workflow_run.pull_requests[0].number || github.event.workflow_run.head_sha || github.event.check_run.head_sha || github.event.deployment.sha || github.event.sha || github.event.merge_group.head_sha || github.run_id }}
      cancel-in-progress: true
    runs-on: ubuntu-latest
    steps:
      - uses: {action}
        id: gate
";

/// The recommended workflow, as `init --workflow` writes it and the README
/// shows it.
pub fn workflow() -> String {
    WORKFLOW_TEMPLATE.replace("{action}", &action_reference())
}

/// Where `init --workflow` writes the review trigger, from the repository root.
pub const REVIEW_WORKFLOW_PATH: &str = ".github/workflows/checkgate-review.yml";

/// The review trigger: runs on each review and does nothing else, so that
/// its completion runs the gate from the default branch (README).
const REVIEW_WORKFLOW: &str = "\
# .github/workflows/checkgate-review.yml
# Does nothing: its completion runs checkgate.yml from the default branch.
name: checkgate-review
on:
  pull_request_review:
    types: [submitted, edited, dismissed]
permissions: {}
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - run: \"true\"
";

/// The review trigger workflow, as `init --workflow` writes it and the
/// README shows it.
pub fn review_workflow() -> String {
    REVIEW_WORKFLOW.to_string()
}

/// The places GitHub looks for a CODEOWNERS file, in its order.
pub const CODEOWNERS_PATHS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// The CODEOWNERS line that makes `owner` review every change to
/// `.github/` (the policy and the workflow), or why `owner` cannot be one.
pub fn codeowners_line(owner: &str) -> Result<String, String> {
    let valid = !owner.is_empty()
        && !owner.chars().any(char::is_whitespace)
        // `@login`, `@org/team`, or an email address `name@host`.
        && owner.len() > 1
        && owner.contains('@');
    if valid {
        Ok(format!("/.github/ {owner}\n"))
    } else {
        Err(format!(
            "--codeowners {owner:?}: name a user or team as CODEOWNERS does (`@login`, `@org/team`) or an email address"
        ))
    }
}

/// What remains after `init --write --workflow`, for the policy at `policy`.
pub fn next_steps(policy: &str) -> String {
    format!(
        "Three steps remain:\n\
         \x20 1. Uncomment the requirements to enforce in {policy}, then merge it and the workflow to the default branch: a `pull_request_target` workflow only runs from there.\n\
         \x20 2. Open a pull request, so that the `checkgate` check appears once.\n\
         \x20 3. Mark `checkgate` required in a ruleset for the default branch (Settings > Rules > Rulesets > Require status checks to pass), with GitHub Actions as its source.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_reference_comes_from_the_package_repository() {
        assert_eq!(
            format!("https://github.com/{}", action_repository()),
            env!("CARGO_PKG_REPOSITORY")
        );
        assert!(workflow().contains(&format!("      - uses: {}\n", action_reference())));
        assert!(!workflow().contains("{action}"), "{}", workflow());
    }

    #[test]
    fn codeowners_lines_name_an_owner() {
        assert_eq!(
            codeowners_line("@acme/maintainers").unwrap(),
            "/.github/ @acme/maintainers\n"
        );
        assert_eq!(
            codeowners_line("ops@example.com").unwrap(),
            "/.github/ ops@example.com\n"
        );
        for bad in ["", "@", "acme", "@a b"] {
            assert!(codeowners_line(bad).is_err(), "{bad}");
        }
    }
}
