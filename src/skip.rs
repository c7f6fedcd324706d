//! `[[skip]]`: whether the base policy skips judging a pull request. Pure:
//! it reads only what GitHub says of the pull request ([`PullFacts`]) and
//! the team memberships the action looked up, never the pull request's
//! files or description, so an author cannot write their way into a skip.

use std::collections::HashMap;

use crate::eval::authored_by;
use crate::facts::PullFacts;
use crate::policy::{Policy, Skip};

/// The `[[skip]]` that matched, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The check run's title: `skipped: <reason>`, or the skip's place in
    /// the policy when it gives no reason.
    pub title: String,
    /// What matched, one clause per key: "opened by `dependabot[bot]`", …
    pub because: Vec<String>,
    /// `policy.toml:12:1`.
    pub at: String,
}

/// The first `[[skip]]` of `policy` that holds for `pull`. `teams` maps
/// `org/team` (lower case) to those of the logins in question who belong
/// to it, as [`crate::eval::Signoffs`] does.
pub fn find(policy: &Policy, pull: &PullFacts, teams: &HashMap<String, Vec<String>>) -> Option<Skipped> {
    policy.skips.iter().find_map(|skip| {
        let because = holds(skip, pull, teams)?;
        let at = format!("{}:{}:{}", policy.file, skip.at.line, skip.at.column);
        let title = match &skip.reason {
            Some(reason) => format!("skipped: {reason}"),
            None => format!("skipped by the [[skip]] at {at}"),
        };
        Some(Skipped { title, because, at })
    })
}

/// The teams (`org/team`, as written) a policy's skips name, and so whose
/// memberships [`find`] needs.
pub fn teams(policy: &Policy) -> impl Iterator<Item = &String> {
    policy
        .skips
        .iter()
        .flat_map(|s| s.authors.iter().chain(&s.labeled_by))
        .filter(|a| a.contains('/'))
}

/// Why `skip` holds for `pull`, or `None` when some key does not.
fn holds(skip: &Skip, pull: &PullFacts, teams: &HashMap<String, Vec<String>>) -> Option<Vec<String>> {
    let mut because = Vec::new();
    if !skip.authors.is_empty() {
        let author = pull.author.as_ref()?;
        if !authored_by(&author.login, &skip.authors, teams) {
            return None;
        }
        because.push(format!("opened by {}", author.login));
    }
    if let Some(draft) = skip.draft {
        if pull.draft != draft {
            return None;
        }
        because.push(if draft { "a draft" } else { "not a draft" }.to_string());
    }
    for name in &skip.labels {
        let label = pull.label(name)?;
        if skip.labeled_by.is_empty() {
            because.push(format!("labelled `{}`", label.name));
            continue;
        }
        let by = label.applied_by.as_deref()?;
        if !authored_by(by, &skip.labeled_by, teams) {
            return None;
        }
        because.push(format!("labelled `{}` by {by}", label.name));
    }
    if let Some(base) = &skip.base {
        if !base.set.is_match(&pull.base_branch) {
            return None;
        }
        because.push(format!("into `{}`", pull.base_branch));
    }
    if let Some(head) = &skip.head {
        if !head.set.is_match(&pull.head_branch) {
            return None;
        }
        because.push(format!("from `{}`", pull.head_branch));
    }
    Some(because)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Account, AccountKind, AppliedLabel};

    fn policy(skips: &str) -> Policy {
        let text = format!("[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\n{skips}");
        Policy::parse("p.toml", &text).expect("valid policy")
    }

    fn pull() -> PullFacts {
        PullFacts {
            number: 7,
            author: Some(Account {
                login: "octocat".into(),
                kind: AccountKind::User,
            }),
            draft: false,
            labels: Vec::new(),
            base_branch: "main".into(),
            head_branch: "feature".into(),
        }
    }

    fn by(author: &str, kind: AccountKind) -> PullFacts {
        PullFacts {
            author: Some(Account {
                login: author.into(),
                kind,
            }),
            ..pull()
        }
    }

    fn labelled(label: &str, applied_by: Option<&str>) -> PullFacts {
        PullFacts {
            labels: vec![AppliedLabel {
                name: label.into(),
                applied_by: applied_by.map(str::to_string),
            }],
            ..pull()
        }
    }

    fn none() -> HashMap<String, Vec<String>> {
        HashMap::new()
    }

    #[test]
    fn a_bot_author_is_skipped_with_the_reason_as_title() {
        let p = policy(
            "[[skip]]\nauthors = [\"dependabot[bot]\", \"renovate[bot]\"]\nreason = \"dependency updates carry no release checklist\"\n",
        );
        let skipped = find(&p, &by("dependabot[bot]", AccountKind::Bot), &none()).expect("skipped");
        assert_eq!(skipped.title, "skipped: dependency updates carry no release checklist");
        assert_eq!(skipped.because, ["opened by dependabot[bot]"]);
        assert_eq!(skipped.at, "p.toml:5:1");
        // A person whose login merely resembles the app is judged.
        assert_eq!(find(&p, &by("dependabot", AccountKind::User), &none()), None);
        // A deleted account matches no author list.
        assert_eq!(find(&p, &PullFacts { author: None, ..pull() }, &none()), None);
    }

    #[test]
    fn a_team_author_is_skipped_only_when_a_member() {
        let p = policy("[[skip]]\nauthors = [\"@acme/release-bots\"]\n");
        let mut teams = none();
        teams.insert("acme/release-bots".into(), vec!["shipit".into()]);
        let skipped = find(&p, &by("ShipIt", AccountKind::User), &teams).expect("a member");
        assert_eq!(skipped.title, "skipped by the [[skip]] at p.toml:5:1");
        assert_eq!(find(&p, &by("octocat", AccountKind::User), &teams), None);
        assert_eq!(super::teams(&p).collect::<Vec<_>>(), ["@acme/release-bots"]);
    }

    #[test]
    fn a_draft_is_skipped_until_it_is_ready() {
        let p = policy("[[skip]]\ndraft = true\n");
        let draft = PullFacts { draft: true, ..pull() };
        assert_eq!(find(&p, &draft, &none()).expect("draft").because, ["a draft"]);
        assert_eq!(find(&p, &pull(), &none()), None);
    }

    #[test]
    fn a_label_counts_only_when_applied_by_someone_listed() {
        let p = policy("[[skip]]\nlabels = [\"no-checklist\"]\nlabeled-by = [\"@acme/maintainers\", \"lead\"]\n");
        let mut teams = none();
        teams.insert("acme/maintainers".into(), vec!["alice".into()]);
        let ok = find(&p, &labelled("No-Checklist", Some("alice")), &teams).expect("alice maintains");
        assert_eq!(ok.because, ["labelled `No-Checklist` by alice"]);
        assert!(find(&p, &labelled("no-checklist", Some("lead")), &teams).is_some());
        assert_eq!(find(&p, &labelled("no-checklist", Some("mallory")), &teams), None);
        // Nobody known applied it (a deleted account): no list can match.
        assert_eq!(find(&p, &labelled("no-checklist", None), &teams), None);
        assert_eq!(find(&p, &pull(), &teams), None);
        // Without `labeled-by`, whoever applied it.
        let open = policy("[[skip]]\nlabels = [\"no-checklist\"]\n");
        assert!(find(&open, &labelled("no-checklist", Some("mallory")), &none()).is_some());
    }

    #[test]
    fn every_listed_label_must_be_there() {
        let p = policy("[[skip]]\nlabels = [\"docs-only\", \"no-checklist\"]\n");
        assert_eq!(find(&p, &labelled("no-checklist", Some("alice")), &none()), None);
    }

    #[test]
    fn branch_globs_and_keys_combine_with_and() {
        let p = policy("[[skip]]\nbase = [\"release/**\"]\nhead = [\"hotfix/**\"]\n");
        let both = PullFacts {
            base_branch: "release/1.x".into(),
            head_branch: "hotfix/cve-1".into(),
            ..pull()
        };
        assert_eq!(
            find(&p, &both, &none()).expect("both").because,
            ["into `release/1.x`", "from `hotfix/cve-1`"]
        );
        let base_only = PullFacts {
            base_branch: "release/1.x".into(),
            ..pull()
        };
        assert_eq!(find(&p, &base_only, &none()), None);
        // Any [[skip]] may match: the second one does here.
        let p = policy("[[skip]]\ndraft = true\n[[skip]]\nbase = [\"release/**\"]\n");
        assert_eq!(find(&p, &base_only, &none()).expect("second").at, "p.toml:7:1");
    }
}
