//! Evidence: what GitHub says about a pull request's head commit (its check
//! runs, commit statuses, deployments and labels), and the pure judgement of
//! a rule's evidence keys against it.
//!
//! The action reads an [`Evidence`] once per run, whatever the number of
//! rules, and hands it to [`crate::eval`] as data; [`judge`] turns one
//! rule's keys into [`Entry`]s, one per thing checked, each passed, failed,
//! pending or untrusted with the words reports show. Nothing here ticks a
//! box: a person's tick is the claim, and this checks it.

use serde::Serialize;

use crate::facts::{AppliedLabel, same_label};
use crate::policy::EvidenceKeys;

/// What GitHub said about the head commit, as the action read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The commit it describes.
    pub head_sha: String,
    pub check_runs: Vec<CheckRunFact>,
    pub statuses: Vec<StatusFact>,
    /// Deployments of the head commit to the environments the policy names.
    pub deployments: Vec<DeploymentFact>,
    /// The pull request's labels and who applied each, if read.
    pub labels: Labels,
}

/// What a run knows of the pull request's labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Labels {
    /// Not read: a `labels` rule fails closed (unread labels prove nothing).
    #[default]
    Unread,
    /// The run judges a commit, not a pull request (`push`,
    /// `workflow_dispatch`): there are no labels, and a `labels` rule is
    /// not checked there, as an `approved-by` rule is not.
    NoPullRequest,
    /// Each label on the pull request and who applied it.
    Read(Vec<AppliedLabel>),
}

/// One check run on the head commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunFact {
    /// GitHub's id: of two runs with one name, the higher is the newer.
    pub id: u64,
    pub name: String,
    /// The app that made it (`github-actions` for workflows).
    pub app: Option<String>,
    /// The workflow file that ran it, for a GitHub Actions check run.
    pub workflow_path: Option<String>,
    /// `queued`, `in_progress`, `completed`, … (lower case).
    pub status: String,
    /// `success`, `failure`, … (lower case) once completed.
    pub conclusion: Option<String>,
    pub url: Option<String>,
}

/// One commit status context on the head commit (the newest of its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFact {
    pub context: String,
    /// `success`, `pending`, `failure`, `error` or `expected` (lower case).
    pub state: String,
    pub url: Option<String>,
}

/// One deployment of the head commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentFact {
    /// Of two deployments to one environment, the higher is the newer.
    pub id: u64,
    pub environment: String,
    /// Its latest status (`success`, `failure`, `in_progress`, …, lower
    /// case); `None` before it has any.
    pub state: Option<String>,
    pub url: Option<String>,
}

/// What one piece of evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A check run named in `checks`.
    Check,
    /// A commit status context named in `checks`.
    Status,
    /// A `changed` glob list.
    Changed,
    /// An environment named in `deployed`.
    Deployment,
    /// A label named in `labels`.
    Label,
}

/// Where one piece of evidence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Passed,
    Failed,
    /// Queued, in progress, or not yet reported on the head commit.
    Pending,
    /// Passed, but by a workflow the pull request changes.
    Untrusted,
}

/// The verdict on one thing a rule's evidence keys name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub kind: Kind,
    /// The check or context name, the globs, the environment or the label.
    pub name: String,
    pub state: State,
    /// The run, status, or deployment log that shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What reports say, e.g. "check `test` failed on abc1234".
    pub message: String,
}

/// The evidence of one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    pub entries: Vec<Entry>,
}

impl Judgement {
    /// Every entry holds (untrusted ones count here; their own finding
    /// fails at the `evidence-untrusted` level).
    pub fn holds(&self) -> bool {
        self.entries
            .iter()
            .all(|e| matches!(e.state, State::Passed | State::Untrusted))
    }

    pub fn failed(&self) -> bool {
        self.entries.iter().any(|e| e.state == State::Failed)
    }

    pub fn with(&self, state: State) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.state == state)
    }

    /// The messages of the entries in `state`, joined.
    pub fn messages(&self, state: State) -> String {
        self.with(state)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The first seven characters of a commit id, as GitHub shows it.
pub fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// Names of check runs and contexts shown as "reported" when a named one
/// is missing; past this they are counted.
const REPORTED_NAMED: usize = 10;

/// The gate's own check run: never reported as evidence.
const OWN_CHECK: &str = "checkgate";

/// The changed files of the pull request, for `changed` and for telling
/// whether a workflow file was changed.
#[derive(Debug, Clone, Copy)]
pub struct Changes<'a> {
    pub files: &'a [String],
    /// GitHub cut the list short: a match may hide past its end.
    pub truncated: bool,
}

/// Judge `keys` against what GitHub said. `evidence` is `None` where it
/// could not be read (a local run: callers skip such rules); `changes` is
/// `None` when the changed files are unknown. `authored_by` says whether a
/// login is one of `labeled-by`.
pub fn judge(
    keys: &EvidenceKeys,
    evidence: Option<&Evidence>,
    changes: Option<Changes>,
    authored_by: &dyn Fn(&str, &[String]) -> bool,
) -> Judgement {
    let mut entries = Vec::new();
    if let Some(ev) = evidence {
        let sha = short(&ev.head_sha);
        for name in &keys.checks {
            checks(ev, name, sha, changes, &mut entries);
        }
        for env in &keys.deployed {
            entries.push(deployment(ev, env, sha));
        }
        for label in &keys.labels {
            entries.push(self::label(ev, label, &keys.labeled_by, authored_by));
        }
    }
    if let (Some(globs), Some(changes)) = (&keys.changed, changes) {
        let name = globs.patterns.join(", ");
        let hit = changes.files.iter().find(|f| globs.set.is_match(f.as_str()));
        let wanted = globs
            .patterns
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        entries.push(match hit {
            Some(file) => Entry {
                kind: Kind::Changed,
                name,
                state: State::Passed,
                url: None,
                message: format!("the pull request changes {file}"),
            },
            None => Entry {
                kind: Kind::Changed,
                name,
                state: State::Failed,
                url: None,
                message: if changes.truncated {
                    format!(
                        "the pull request changes no file matching {wanted} among the files GitHub lists (it lists only the first ones)"
                    )
                } else {
                    format!("the pull request changes no file matching {wanted}")
                },
            },
        });
    }
    // Keys order the entries (kind, then as written), not the reads.
    let rank = |k: Kind| match k {
        Kind::Check | Kind::Status => 0,
        Kind::Changed => 1,
        Kind::Deployment => 2,
        Kind::Label => 3,
    };
    entries.sort_by_key(|e| rank(e.kind));
    Judgement { entries }
}

fn checks(ev: &Evidence, name: &str, sha: &str, changes: Option<Changes>, out: &mut Vec<Entry>) {
    let run = ev.check_runs.iter().filter(|r| r.name == name).max_by_key(|r| r.id);
    let status = ev.statuses.iter().rfind(|s| s.context == name);
    if let Some(run) = run {
        out.push(check_run(run, sha, changes));
    }
    if let Some(s) = status {
        let (state, message) = match s.state.as_str() {
            "success" => (State::Passed, format!("`{name}` passed on {sha}")),
            "failure" => (State::Failed, format!("status `{name}` failed on {sha}")),
            "error" => (State::Failed, format!("status `{name}` errored on {sha}")),
            other => (State::Pending, format!("waiting for `{name}` ({other} on {sha})")),
        };
        out.push(Entry {
            kind: Kind::Status,
            name: name.to_string(),
            state,
            url: s.url.clone(),
            message,
        });
    }
    if run.is_none() && status.is_none() {
        let mut reported: Vec<&str> = Vec::new();
        for n in ev
            .check_runs
            .iter()
            .map(|r| r.name.as_str())
            .chain(ev.statuses.iter().map(|s| s.context.as_str()))
        {
            if n != OWN_CHECK && !reported.contains(&n) {
                reported.push(n);
            }
        }
        let mut shown = reported
            .iter()
            .take(REPORTED_NAMED)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if reported.len() > REPORTED_NAMED {
            shown.push_str(&format!(" and {} more", reported.len() - REPORTED_NAMED));
        }
        let message = if reported.is_empty() {
            format!("waiting for `{name}` (not reported on {sha}; nothing reported yet)")
        } else {
            format!("waiting for `{name}` (not reported on {sha}; reported: {shown})")
        };
        out.push(Entry {
            kind: Kind::Check,
            name: name.to_string(),
            state: State::Pending,
            url: None,
            message,
        });
    }
}

fn check_run(run: &CheckRunFact, sha: &str, changes: Option<Changes>) -> Entry {
    let name = &run.name;
    let (state, message) = match (run.status.as_str(), run.conclusion.as_deref()) {
        ("completed", Some("success")) => {
            let changed_workflow = run
                .workflow_path
                .as_deref()
                .filter(|path| changes.is_some_and(|c| c.truncated || c.files.iter().any(|f| f == path)));
            match changed_workflow {
                Some(path) => (
                    State::Untrusted,
                    format!(
                        "check `{name}` passed on {sha}, but it ran {path}, which this pull request changes: it proves \
                         nothing, because the author wrote the test; a CODEOWNERS review of `.github/` is the way through"
                    ),
                ),
                None => (State::Passed, format!("`{name}` passed on {sha}")),
            }
        }
        ("completed", conclusion) => {
            let what = match conclusion {
                Some("failure") => "failed".to_string(),
                Some("cancelled") => "was cancelled".to_string(),
                Some("timed_out") => "timed out".to_string(),
                Some("action_required") => "needs action".to_string(),
                Some("stale") => "went stale".to_string(),
                Some("skipped") => "was skipped".to_string(),
                Some("neutral") => "was neutral".to_string(),
                Some("startup_failure") => "failed to start".to_string(),
                Some(other) => format!("concluded `{other}`"),
                None => "concluded nothing".to_string(),
            };
            (State::Failed, format!("check `{name}` {what} on {sha}"))
        }
        (status, _) => (
            State::Pending,
            format!("waiting for `{name}` ({} on {sha})", status.replace('_', " ")),
        ),
    };
    Entry {
        kind: Kind::Check,
        name: name.clone(),
        state,
        url: run.url.clone(),
        message,
    }
}

fn deployment(ev: &Evidence, env: &str, sha: &str) -> Entry {
    let latest = ev
        .deployments
        .iter()
        .filter(|d| d.environment == env)
        .max_by_key(|d| d.id);
    let (state, message, url) = match latest {
        None => (
            State::Pending,
            format!("waiting for a deployment of {sha} to `{env}` (none reported)"),
            None,
        ),
        Some(d) => match d.state.as_deref() {
            Some("success") => (State::Passed, format!("deployed {sha} to `{env}`"), d.url.clone()),
            Some(s @ ("failure" | "error" | "inactive")) => (
                State::Failed,
                format!("no successful deployment of {sha} to `{env}` (the latest is {s})"),
                d.url.clone(),
            ),
            Some(s) => (
                State::Pending,
                format!(
                    "waiting for the deployment of {sha} to `{env}` ({})",
                    s.replace('_', " ")
                ),
                d.url.clone(),
            ),
            None => (
                State::Pending,
                format!("waiting for the deployment of {sha} to `{env}` (no status yet)"),
                d.url.clone(),
            ),
        },
    };
    Entry {
        kind: Kind::Deployment,
        name: env.to_string(),
        state,
        url,
        message,
    }
}

fn label(ev: &Evidence, name: &str, labeled_by: &[String], authored_by: &dyn Fn(&str, &[String]) -> bool) -> Entry {
    let labels = match &ev.labels {
        Labels::Read(labels) => labels,
        // Never passed for want of data: unread labels prove nothing.
        unread => {
            let why = if *unread == Labels::NoPullRequest {
                "this run has no pull request"
            } else {
                "the pull request's labels were not read"
            };
            return Entry {
                kind: Kind::Label,
                name: name.to_string(),
                state: State::Failed,
                url: None,
                message: format!("{why}, so label `{name}` is not shown"),
            };
        }
    };
    let found = labels.iter().find(|l| same_label(&l.name, name));
    let allowed = labeled_by.join(" or ");
    let (state, message) = match (found, labeled_by.is_empty()) {
        (None, _) => (State::Failed, format!("the pull request has no label `{name}`")),
        (Some(_), true) => (State::Passed, format!("label `{name}` is on the pull request")),
        (Some(l), false) => match &l.applied_by {
            Some(who) if authored_by(who, labeled_by) => (State::Passed, format!("label `{name}` was added by @{who}")),
            Some(who) => (
                State::Failed,
                format!("label `{name}` was added by @{who}, not by {allowed}"),
            ),
            None => (
                State::Failed,
                format!("label `{name}` was added by someone GitHub does not name, not by {allowed}"),
            ),
        },
    };
    Entry {
        kind: Kind::Label,
        name: name.to_string(),
        state,
        url: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    const SHA: &str = "abc1234def5678";

    fn keys(rule: &str) -> EvidenceKeys {
        let p = Policy::parse(
            "p.toml",
            &format!("[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nall = true\n{rule}"),
        )
        .expect("valid");
        p.checklists[0].requires[0].evidence.clone().expect("evidence keys")
    }

    fn run(id: u64, name: &str, status: &str, conclusion: Option<&str>) -> CheckRunFact {
        CheckRunFact {
            id,
            name: name.into(),
            app: Some("github-actions".into()),
            workflow_path: Some(".github/workflows/ci.yml".into()),
            status: status.into(),
            conclusion: conclusion.map(Into::into),
            url: Some(format!("https://github.example/runs/{id}")),
        }
    }

    fn evidence(runs: Vec<CheckRunFact>) -> Evidence {
        Evidence {
            head_sha: SHA.into(),
            check_runs: runs,
            ..Evidence::default()
        }
    }

    fn messages(j: &Judgement) -> Vec<(State, &str)> {
        j.entries.iter().map(|e| (e.state, e.message.as_str())).collect()
    }

    fn anyone(_: &str, _: &[String]) -> bool {
        false
    }

    #[test]
    fn a_check_passes_only_on_success_and_the_newest_run_of_a_name_counts() {
        let k = keys("checks = [\"test\"]\n");
        let ev = evidence(vec![
            run(1, "test", "completed", Some("failure")),
            run(2, "test", "completed", Some("success")),
        ]);
        let j = judge(&k, Some(&ev), None, &anyone);
        assert_eq!(messages(&j), [(State::Passed, "`test` passed on abc1234")]);
        assert_eq!(j.entries[0].url.as_deref(), Some("https://github.example/runs/2"));
        assert!(j.holds());
        // A re-run that failed after a success: the newest counts.
        let ev = evidence(vec![
            run(5, "test", "completed", Some("failure")),
            run(2, "test", "completed", Some("success")),
        ]);
        let j = judge(&k, Some(&ev), None, &anyone);
        assert_eq!(messages(&j), [(State::Failed, "check `test` failed on abc1234")]);
    }

    #[test]
    fn every_conclusion_but_success_fails_in_its_own_words() {
        let k = keys("checks = [\"test\"]\n");
        for (conclusion, words) in [
            ("failure", "check `test` failed on abc1234"),
            ("cancelled", "check `test` was cancelled on abc1234"),
            ("timed_out", "check `test` timed out on abc1234"),
            ("action_required", "check `test` needs action on abc1234"),
            ("stale", "check `test` went stale on abc1234"),
            // A skipped test job is not evidence that tests pass.
            ("skipped", "check `test` was skipped on abc1234"),
            ("neutral", "check `test` was neutral on abc1234"),
            ("startup_failure", "check `test` failed to start on abc1234"),
        ] {
            let ev = evidence(vec![run(1, "test", "completed", Some(conclusion))]);
            let j = judge(&k, Some(&ev), None, &anyone);
            assert_eq!(messages(&j), [(State::Failed, words)], "{conclusion}");
            assert!(!j.holds());
        }
    }

    #[test]
    fn a_check_not_there_yet_is_pending_and_names_what_did_run() {
        let k = keys("checks = [\"tset\", \"lint\"]\n");
        let ev = evidence(vec![
            run(1, "test", "completed", Some("success")),
            run(2, "lint", "in_progress", None),
            run(3, "checkgate", "in_progress", None),
            run(4, "build", "queued", None),
        ]);
        let j = judge(&k, Some(&ev), None, &anyone);
        assert_eq!(
            messages(&j),
            [
                (
                    State::Pending,
                    "waiting for `tset` (not reported on abc1234; reported: test, lint, build)"
                ),
                (State::Pending, "waiting for `lint` (in progress on abc1234)"),
            ]
        );
        assert!(!j.holds() && !j.failed());
        let j = judge(&keys("checks = [\"test\"]\n"), Some(&evidence(vec![])), None, &anyone);
        assert_eq!(
            messages(&j),
            [(
                State::Pending,
                "waiting for `test` (not reported on abc1234; nothing reported yet)"
            )]
        );
    }

    #[test]
    fn a_name_matches_status_contexts_too_and_both_must_pass() {
        let k = keys("checks = [\"ci/jenkins\"]\n");
        let mut ev = evidence(vec![]);
        ev.statuses = vec![StatusFact {
            context: "ci/jenkins".into(),
            state: "success".into(),
            url: Some("https://ci.example/1".into()),
        }];
        let j = judge(&k, Some(&ev), None, &anyone);
        assert_eq!(messages(&j), [(State::Passed, "`ci/jenkins` passed on abc1234")]);
        assert_eq!(j.entries[0].kind, Kind::Status);
        for (state, want) in [
            ("failure", (State::Failed, "status `ci/jenkins` failed on abc1234")),
            ("error", (State::Failed, "status `ci/jenkins` errored on abc1234")),
            (
                "pending",
                (State::Pending, "waiting for `ci/jenkins` (pending on abc1234)"),
            ),
        ] {
            ev.statuses[0].state = state.into();
            assert_eq!(messages(&judge(&k, Some(&ev), None, &anyone)), [want]);
        }
        ev.statuses[0].state = "success".into();
        ev.check_runs = vec![run(1, "ci/jenkins", "completed", Some("failure"))];
        let j = judge(&k, Some(&ev), None, &anyone);
        assert!(!j.holds(), "a check run and a status of one name must both pass");
    }

    #[test]
    fn a_check_run_of_a_workflow_the_pull_request_changes_is_untrusted() {
        let k = keys("checks = [\"test\"]\n");
        let ev = evidence(vec![run(1, "test", "completed", Some("success"))]);
        let files = vec![".github/workflows/ci.yml".to_string()];
        let changes = Changes {
            files: &files,
            truncated: false,
        };
        let j = judge(&k, Some(&ev), Some(changes), &anyone);
        assert_eq!(j.entries[0].state, State::Untrusted);
        assert_eq!(
            j.entries[0].message,
            "check `test` passed on abc1234, but it ran .github/workflows/ci.yml, which this pull request changes: \
             it proves nothing, because the author wrote the test; a CODEOWNERS review of `.github/` is the way through"
        );
        let other = vec!["src/lib.rs".to_string()];
        let j = judge(
            &k,
            Some(&ev),
            Some(Changes {
                files: &other,
                truncated: false,
            }),
            &anyone,
        );
        assert_eq!(j.entries[0].state, State::Passed);
        // A cut-off list may hide the workflow: not trusted.
        let j = judge(
            &k,
            Some(&ev),
            Some(Changes {
                files: &other,
                truncated: true,
            }),
            &anyone,
        );
        assert_eq!(j.entries[0].state, State::Untrusted);
    }

    #[test]
    fn changed_needs_a_matching_file() {
        let k = keys("changed = [\"CHANGELOG.md\", \"changes/**\"]\n");
        let files = vec!["src/a.rs".to_string()];
        let changes = Changes {
            files: &files,
            truncated: false,
        };
        let j = judge(&k, None, Some(changes), &anyone);
        assert_eq!(
            messages(&j),
            [(
                State::Failed,
                "the pull request changes no file matching `CHANGELOG.md` or `changes/**`"
            )]
        );
        let files = vec!["src/a.rs".to_string(), "changes/12.md".to_string()];
        let j = judge(
            &k,
            None,
            Some(Changes {
                files: &files,
                truncated: false,
            }),
            &anyone,
        );
        assert_eq!(
            messages(&j),
            [(State::Passed, "the pull request changes changes/12.md")]
        );
    }

    #[test]
    fn deployments_count_by_their_newest_latest_status() {
        let k = keys("deployed = [\"staging\"]\n");
        let dep = |id, state: Option<&str>| DeploymentFact {
            id,
            environment: "staging".into(),
            state: state.map(Into::into),
            url: None,
        };
        let mut ev = evidence(vec![]);
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(
                State::Pending,
                "waiting for a deployment of abc1234 to `staging` (none reported)"
            )]
        );
        ev.deployments = vec![dep(1, Some("success")), dep(2, Some("failure"))];
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(
                State::Failed,
                "no successful deployment of abc1234 to `staging` (the latest is failure)"
            )]
        );
        ev.deployments = vec![dep(3, Some("in_progress"))];
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(
                State::Pending,
                "waiting for the deployment of abc1234 to `staging` (in progress)"
            )]
        );
        ev.deployments = vec![dep(3, Some("success"))];
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(State::Passed, "deployed abc1234 to `staging`")]
        );
    }

    #[test]
    fn labels_and_who_added_them() {
        let k = keys("labels = [\"qa-passed\"]\nlabeled-by = [\"@acme/qa\"]\n");
        let mut ev = evidence(vec![]);
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(
                State::Failed,
                "the pull request's labels were not read, so label `qa-passed` is not shown"
            )]
        );
        ev.labels = Labels::NoPullRequest;
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &anyone)),
            [(
                State::Failed,
                "this run has no pull request, so label `qa-passed` is not shown"
            )]
        );
        ev.labels = Labels::Read(vec![]);
        let in_qa = |who: &str, _: &[String]| who == "bob";
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &in_qa)),
            [(State::Failed, "the pull request has no label `qa-passed`")]
        );
        ev.labels = Labels::Read(vec![AppliedLabel {
            name: "QA-passed".into(),
            applied_by: Some("alice".into()),
        }]);
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &in_qa)),
            [(State::Failed, "label `qa-passed` was added by @alice, not by @acme/qa")]
        );
        if let Labels::Read(labels) = &mut ev.labels {
            labels[0].applied_by = Some("bob".into());
        }
        assert_eq!(
            messages(&judge(&k, Some(&ev), None, &in_qa)),
            [(State::Passed, "label `qa-passed` was added by @bob")]
        );
        let anyone_may = keys("labels = [\"qa-passed\"]\n");
        assert_eq!(
            messages(&judge(&anyone_may, Some(&ev), None, &anyone)),
            [(State::Passed, "label `qa-passed` is on the pull request")]
        );
    }
}
