//! Waivers, sign-offs and the merge queue (issue 20 §3): each test is an
//! attempt to pass a rule without meeting it, made against the local GitHub
//! API of tests/support, and shows it failing with the message users see.

mod support;

use checkgate::cli::Exit;
use serde_json::{Value, json};
use support::{ChangedFile, FakeGitHub, Pull, Ran, Scripted};

const HEAD: &str = "1111111111111111111111111111111111111111";
const BASE: &str = "2222222222222222222222222222222222222222";
const POLICY_PATH: &str = ".github/checkgate.toml";
const PR: u64 = 7;

fn payload() -> Value {
    json!({
        "action": "synchronize",
        "number": PR,
        "pull_request": { "number": PR, "head": { "sha": HEAD }, "base": { "sha": BASE, "ref": "main" } },
        "repository": { "default_branch": "main" },
    })
}

async fn run_event(gh: &FakeGitHub, event: &str, payload: &Value) -> Ran {
    support::run_action(gh, event, payload, &support::action_args(), HEAD).await
}

/// A base with `policy`; pull request 7 with description `body` changes
/// READY.md to `list` (also its base copy).
fn repo(gh: &FakeGitHub, policy: &str, list: &str, body: &str) {
    gh.put_file(BASE, POLICY_PATH, policy);
    gh.put_file(BASE, "READY.md", list);
    gh.put_file(HEAD, "READY.md", list);
    let mut pull = Pull::new(PR, HEAD, BASE);
    pull.body = Some(body.to_string());
    gh.set_pull(pull);
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
}

// Waiver reasons must be visible ---------------------------------------------------------

/// `N/A:` followed by nothing a reader can see: the 9 variants of the issue
/// and more of the same kind.
const INVISIBLE_REASONS: &[&str] = &[
    "\u{200B}",
    "\u{2060}",
    "&#8203;",
    "\u{00AD}",
    "&shy;",
    "\u{3164}",
    "\u{2800}",
    "\u{2012}",
    "\u{2212}",
    "\u{200C}\u{200D}\u{FEFF}",
    "\u{FFA0}",
    "&#x2060;&#x200B;",
    "`&#8203;`",
    "**\u{2063}**",
    "\u{3000}\u{2800}\u{3164}",
    "\u{E0041}",
];

#[tokio::test]
async fn a_waiver_whose_reason_is_invisible_is_a_waiver_without_a_reason() {
    let gh = FakeGitHub::start().await;
    let list: String = INVISIBLE_REASONS
        .iter()
        .enumerate()
        .map(|(i, r)| format!("- [x] ~~Step {i}~~ N/A: {r}\n"))
        .collect();
    repo(
        &gh,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\n",
        &format!("## Must\n{list}- [x] ~~Visible~~ N/A: no API change\n"),
        "",
    );
    let ran = run_event(&gh, "pull_request", &payload()).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    let n = INVISIBLE_REASONS.len();
    assert_eq!(
        ran.findings_of(0),
        [(
            "waiver-without-reason".to_string(),
            format!("{n} of {} items open", n + 1)
        )]
    );
    let finding = ran.finding(0, "waiver-without-reason");
    let open = finding["open"].as_array().expect("open");
    assert_eq!(open.len(), n);
    for (i, o) in open.iter().enumerate() {
        assert_eq!(o["text"], format!("Step {i}"), "{:?}", INVISIBLE_REASONS[i]);
        assert_eq!(o["note"], "waived without a reason: write `N/A: <why>`");
    }
    // Every waiver is still listed; only the visible one has a reason.
    let waived = ran.report["checklists"][0]["waived"].as_array().expect("waived");
    assert_eq!(waived.len(), n + 1);
    assert!(waived[..n].iter().all(|w| w.get("reason").is_none()), "{waived:#?}");
    assert_eq!(waived[n]["reason"], "no API change");
}

// allow-empty never skips approved-by ------------------------------------------------------

const SIGNOFF_BODY: &str = r#"
[[checklist]]
source = "pr-body"
allow-empty = true
template = false
[[checklist.require]]
item = "Security sign-off"
approved-by = ["alice"]
"#;

/// Deleting every box of the description, the sign-off box included, made
/// `allow-empty` skip the sign-off rule.
#[tokio::test]
async fn deleting_every_box_does_not_skip_a_sign_off() {
    let gh = FakeGitHub::start().await;
    repo(&gh, SIGNOFF_BODY, "# Ready\n", "Small fix, no checklist needed.");
    let ran = run_event(&gh, "pull_request", &payload()).await;
    assert_eq!(ran.exit, Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        [(
            "signoff-missing".to_string(),
            "needs an approving review from one of: alice".to_string()
        )]
    );
    assert!(
        ran.summary.contains("needs an approving review from one of: alice"),
        "{}",
        ran.summary
    );
    // The approval itself satisfies the rule, box or no box.
    gh.add_review("alice", "APPROVED", HEAD);
    let ran = run_event(&gh, "pull_request", &payload()).await;
    assert_eq!(ran.exit, Exit::Pass, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        [("ok".to_string(), "signed off by @alice".to_string())]
    );
}

// merge_group never judges without the pull request -------------------------------------

fn group_event(head_ref: Option<&str>) -> Value {
    let mut group = json!({ "head_sha": "5555555555555555555555555555555555555555", "base_sha": BASE });
    if let Some(r) = head_ref {
        group["head_ref"] = json!(r);
    }
    json!({ "action": "checks_requested", "merge_group": group })
}

#[tokio::test]
async fn a_merge_group_without_its_pull_request_is_an_error_not_a_skipped_rule() {
    for (head_ref, message) in [
        (None, "the `merge_group` payload has no merge_group.head_ref".to_string()),
        (
            Some("refs/heads/main"),
            "the `merge_group` head_ref `refs/heads/main` does not name a queued pull request (`…/pr-<number>-<sha>`); without it the description and sign-off rules cannot be judged".to_string(),
        ),
        (
            Some("refs/heads/gh-readonly-queue/main/pr-7"),
            "the `merge_group` head_ref `refs/heads/gh-readonly-queue/main/pr-7` does not name a queued pull request (`…/pr-<number>-<sha>`); without it the description and sign-off rules cannot be judged".to_string(),
        ),
    ] {
        let gh = FakeGitHub::start().await;
        repo(&gh, SIGNOFF_BODY, "# Ready\n", "");
        let ran = run_event(&gh, "merge_group", &group_event(head_ref)).await;
        assert_eq!(ran.exit, Exit::Error, "{head_ref:?}: {:#}", ran.report);
        assert!(ran.err.contains(&message), "{head_ref:?}: {}", ran.err);
        assert!(gh.state().check_runs.is_empty(), "no verdict for {head_ref:?}");
    }
}

// Team membership counts only when active ----------------------------------------------

const TEAM_SIGNOFF: &str = r#"
[[checklist]]
path = "READY.md"
[[checklist.require]]
item = "Security review"
approved-by = ["@acme/security"]
"#;

#[tokio::test]
async fn only_an_active_team_membership_signs_off() {
    for (membership, passes) in [
        (json!({ "role": "member", "state": "pending" }), false),
        (json!({ "role": "member" }), false),
        (json!({ "role": "member", "state": "suspended" }), false),
        (json!({ "role": "maintainer", "state": "active" }), true),
    ] {
        let gh = FakeGitHub::start().await;
        repo(&gh, TEAM_SIGNOFF, "# Ready\n- [x] Security review\n", "");
        gh.add_review("carol", "APPROVED", HEAD);
        let mut body = membership.clone();
        body["url"] = json!("https://api.github.com/organizations/1/team/1/memberships/carol");
        gh.script(Scripted::json("GET", "/memberships/carol", 200, body));
        let ran = run_event(&gh, "pull_request", &payload()).await;
        let expected = if passes {
            ("ok", "signed off by @carol", Exit::Pass)
        } else {
            (
                "signoff-missing",
                "needs an approving review from one of: @acme/security",
                Exit::Fail,
            )
        };
        assert_eq!(ran.exit, expected.2, "{membership}: {:#}", ran.report);
        assert_eq!(
            ran.findings_of(0),
            [(expected.0.to_string(), expected.1.to_string())],
            "{membership}"
        );
    }
}
