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
  # The base branch's copy of this file runs, never the pull request's.
  pull_request_target:
    # `edited` reruns the gate when someone ticks a box in the description.
    types: [opened, edited, synchronize, reopened]
  merge_group:
permissions:
  contents: read        # the policy and checklists, through the contents API
  pull-requests: write  # the pull request, its files and reviews; the sticky comment
  checks: write         # the check run and its annotations
jobs:
  # Not `checkgate`: that is the name of the check run the action posts, and
  # a job of the same name would make the required check ambiguous.
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: {action}
        id: gate
        # with:
        #   policy: .github/checkgate.toml
        #   comment: on-failure
";

/// The recommended workflow, as `init --workflow` writes it and the README
/// shows it.
pub fn workflow() -> String {
    WORKFLOW_TEMPLATE.replace("{action}", &action_reference())
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
        assert!(!workflow().contains('{'), "{}", workflow());
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
