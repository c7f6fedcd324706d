//! One identity for an item (issue 20 §1, issue 19 §1): each test is an
//! attempt by a pull request to move a required item out of its rule, hide
//! it behind a twin, or pad a count, made against the local GitHub API of
//! tests/support, and shows it failing with the message users see.

mod support;

use serde_json::{Value, json};
use support::{ChangedFile, FakeGitHub, Pull, Ran};

const HEAD: &str = "1111111111111111111111111111111111111111";
const BASE: &str = "2222222222222222222222222222222222222222";
const MERGE_BASE: &str = "3333333333333333333333333333333333333333";
const POLICY_PATH: &str = ".github/checkgate.toml";
const PR: u64 = 7;

/// A base with `policy` and READY.md `base`; pull request 7 changes
/// READY.md to `head`.
fn repo(gh: &FakeGitHub, policy: &str, base: &str, head: &str) {
    gh.put_file(BASE, POLICY_PATH, policy);
    gh.put_file(BASE, "READY.md", base);
    gh.put_file(HEAD, "READY.md", head);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
}

/// A base whose policy gates the description, with `template` as its pull
/// request template; pull request 7's description is `body`.
fn body_repo(gh: &FakeGitHub, policy: &str, template: &str, body: &str) {
    gh.put_file(BASE, POLICY_PATH, policy);
    gh.put_file(BASE, ".github/pull_request_template.md", template);
    let mut pull = Pull::new(PR, HEAD, BASE);
    pull.body = Some(body.to_string());
    gh.set_pull(pull);
    gh.set_changed_files(vec![ChangedFile::modified("src/lib.rs")]);
}

/// [`repo`] on a fresh server, then [`run`].
async fn attempt(policy: &str, base: &str, head: &str) -> Ran {
    let gh = FakeGitHub::start().await;
    repo(&gh, policy, base, head);
    run(&gh).await
}

async fn run(gh: &FakeGitHub) -> Ran {
    let payload = json!({
        "action": "synchronize",
        "number": PR,
        "pull_request": { "number": PR, "head": { "sha": HEAD }, "base": { "sha": BASE, "ref": "main" } },
        "repository": { "default_branch": "main" },
    });
    support::run_action(gh, "pull_request", &payload, &support::action_args(), HEAD).await
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(c, m)| (c.to_string(), m.to_string())).collect()
}

const REMOVED_ONE: &str = "1 item required at the base deleted or reworded in this pull request";

/// The first open item of a finding, as (line, text, note).
fn first_open(finding: &Value) -> (u64, String, String) {
    let o = &finding["open"][0];
    (
        o["line"].as_u64().unwrap_or_default(),
        o["text"].as_str().unwrap_or_default().to_string(),
        o["note"].as_str().unwrap_or_default().to_string(),
    )
}

// Rewording out of a rule ------------------------------------------------------------

/// `Load :stopwatch: test` keeps the item's key but left the README's own
/// `(?i)load test`, which another, ticked item still satisfied.
#[tokio::test]
async fn a_shortcode_inside_a_required_item_does_not_move_it_out_of_its_item_regex() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem-regex = \"(?i)load test\"\n",
        "# Ready\n- [ ] Load test at 2x peak\n- [x] Load test results attached\n- [x] Rollback plan\n",
        "# Ready\n- [ ] Load :stopwatch: test at 2x peak\n- [x] Load test results attached\n- [x] Rollback plan\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("item-removed", REMOVED_ONE), ("ok", "checked")])
    );
    let removed = ran.finding(0, "item-removed");
    assert_eq!(removed["rule"], "nothing removed since base: item-regex: (?i)load test");
    assert_eq!(
        first_open(&removed),
        (
            2,
            "Load test at 2x peak".to_string(),
            "at base; line 2 here reads \"Load :stopwatch: test at 2x peak\", which this rule does not require"
                .to_string()
        )
    );
    assert!(
        ran.summary
            .contains("line 2 here reads \"Load :stopwatch: test at 2x peak\", which this rule does not require"),
        "{}",
        ran.summary
    );
}

#[tokio::test]
async fn a_case_change_does_not_escape_a_case_sensitive_item_regex() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem-regex = \"GDPR\"\n",
        "- [ ] GDPR review done\n- [x] GDPR data map updated\n- [x] Rollback plan\n",
        "- [ ] Gdpr review done\n- [x] GDPR data map updated\n- [x] Rollback plan\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(
        first_open(&ran.finding(0, "item-removed")),
        (
            1,
            "GDPR review done".to_string(),
            "at base; line 1 here reads \"Gdpr review done\", which this rule does not require".to_string()
        )
    );
}

/// `✅ Security: …` neither escapes `^Security:` nor counts as done: a
/// pattern sees the text without the emoji at its ends too.
#[tokio::test]
async fn a_check_mark_emoji_before_an_anchored_item_neither_hides_it_nor_ticks_it() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nitem-regex = \"^Security:\"\n",
        "- [ ] Security: threat model reviewed\n",
        "- [ ] ✅ Security: threat model reviewed\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(ran.findings_of(0), pairs(&[("open-item", "1 of 1 item open")]));
    assert_eq!(
        first_open(&ran.finding(0, "open-item")).1,
        "✅ Security: threat model reviewed"
    );
}

/// A `?` or `~` added to a required item moved it into the rule's `except`.
#[tokio::test]
async fn punctuation_that_moves_a_required_item_into_except_is_item_removed() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\nexcept = [\"[?~]$\"]\n",
        "## Must\n- [x] Tests pass\n- [ ] Runbook written\n- [ ] Rollback tested\n- [ ] Canary?\n",
        "## Must\n- [x] Tests pass\n- [ ] Runbook written?\n- [ ] Rollback tested ~\n- [ ] Canary?\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[
            (
                "item-removed",
                "2 items required at the base deleted or reworded in this pull request"
            ),
            ("ok", "checked"),
        ])
    );
    let removed = ran.finding(0, "item-removed");
    let notes: Vec<&str> = removed["open"]
        .as_array()
        .expect("open")
        .iter()
        .map(|o| o["note"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        notes,
        [
            "at base; line 3 here reads \"Runbook written?\", which this rule does not require",
            "at base; line 4 here reads \"Rollback tested ~\", which this rule does not require",
        ]
    );
}

/// Moving an open required item under another heading takes it out of a
/// `section` rule: the finding says where it went.
#[tokio::test]
async fn moving_a_required_item_out_of_its_section_is_item_removed_naming_where_it_went() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n",
        "## Must\n- [x] Tests pass\n- [ ] Runbook written\n## Later\n- [ ] Blog post\n",
        "## Must\n- [x] Tests pass\n## Later\n- [ ] Blog post\n- [ ] Runbook written\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(
        first_open(&ran.finding(0, "item-removed")),
        (
            3,
            "Runbook written".to_string(),
            "at base; line 5 here reads \"Runbook written\", which this rule does not require".to_string()
        )
    );
}

/// Renaming the heading of an `all` checklist keeps its items required:
/// no finding for the move, only the verdict on the items.
#[tokio::test]
async fn renaming_a_heading_under_an_all_rule_is_not_tampering() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\n",
        "## Checks\n- [x] Tests pass\n- [x] Docs updated\n",
        "## Checks before merge\n- [x] Tests pass\n- [x] Docs updated\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.findings_of(0), pairs(&[("ok", "all 2 items checked")]));
}

// Counts, not sets -------------------------------------------------------------------

const TWINS: &str = "## Backend\n- [x] Tests added\n## Frontend\n- [ ] Tests added\n";

#[tokio::test]
async fn deleting_the_open_copy_of_a_twice_listed_item_is_item_removed() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\n",
        TWINS,
        "## Backend\n- [x] Tests added\n## Frontend\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("item-removed", REMOVED_ONE), ("ok", "checked")])
    );
    let removed = ran.finding(0, "item-removed");
    assert_eq!(
        first_open(&removed),
        (
            4,
            "Tests added".to_string(),
            "at base; deleted or reworded here".to_string()
        )
    );
    assert_eq!(removed["open"][0]["section"], json!(["Frontend"]));
}

#[tokio::test]
async fn deleting_the_open_copy_of_a_template_item_from_the_description_is_item_removed() {
    let gh = FakeGitHub::start().await;
    body_repo(
        &gh,
        "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nall = true\n",
        TWINS,
        "## Backend\n- [x] Tests added\n\nFrontend: nothing to test.\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("item-removed", REMOVED_ONE), ("ok", "checked")])
    );
    assert_eq!(ran.finding(0, "item-removed")["open"][0]["line"], 4);
}

// behind-base looks in the required scope --------------------------------------------

/// Pull request 7 branched at MERGE_BASE with `merge_base`; the base branch
/// moved on to BASE with `tip`; the branch has `head` and changed READY.md.
fn stale_repo(gh: &FakeGitHub, policy: &str, merge_base: &str, tip: &str, head: &str) {
    gh.put_file(MERGE_BASE, POLICY_PATH, policy);
    gh.put_file(MERGE_BASE, "READY.md", merge_base);
    gh.put_file(BASE, POLICY_PATH, policy);
    gh.put_file(BASE, "READY.md", tip);
    gh.put_file(HEAD, "READY.md", head);
    gh.set_pull(Pull::new(PR, HEAD, BASE));
    gh.set_behind(BASE, MERGE_BASE);
    gh.set_changed_files(vec![ChangedFile::modified("READY.md")]);
}

const MUST_HAVE: &str = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must Have\"\n";
const BEHIND_ONE: &str = "the base has 1 required item this branch does not; merge or rebase";

#[tokio::test]
async fn an_item_the_base_promoted_into_must_have_is_behind_base_on_a_branch_that_touched_the_checklist() {
    let gh = FakeGitHub::start().await;
    stale_repo(
        &gh,
        MUST_HAVE,
        "## Must Have\n- [x] Tests pass\n## Nice to Have\n- [ ] Load test\n",
        "## Must Have\n- [x] Tests pass\n- [ ] Load test\n## Nice to Have\n",
        "## Must Have\n- [x] Tests pass\n## Nice to Have\n- [ ] Load test\n- [x] Typo fixed\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("ok", "checked"), ("behind-base", BEHIND_ONE)])
    );
    let behind = ran.finding(0, "behind-base");
    assert_eq!(behind["open"][0]["text"], "Load test");
    assert_eq!(behind["open"][0]["line"], 3);
}

#[tokio::test]
async fn the_same_text_ticked_in_another_section_at_the_merge_base_does_not_hide_a_new_required_item() {
    let gh = FakeGitHub::start().await;
    stale_repo(
        &gh,
        MUST_HAVE,
        "## Must Have\n- [x] Tests pass\n## Notes\n- [x] Security review\n",
        "## Must Have\n- [x] Tests pass\n- [ ] Security review\n## Notes\n- [x] Security review\n",
        "## Must Have\n- [x] Tests pass\n## Notes\n- [x] Security review\n- [x] Changelog\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("ok", "checked"), ("behind-base", BEHIND_ONE)])
    );
    assert_eq!(ran.finding(0, "behind-base")["open"][0]["line"], 3);
}

// Padding ------------------------------------------------------------------------------

const SECURITY: &str = "## Security\n- [ ] Threat model\n- [ ] Dependency audit\n- [x] Secrets scan\n";

#[tokio::test]
async fn ticked_items_of_the_authors_own_do_not_meet_min_checked() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n",
        SECURITY,
        &format!("{SECURITY}- [x] Read the security guide\n- [x] Followed the security guide\n"),
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[(
            "too-few-checked",
            "1 of 3 checked; at least 2 required; 2 items added by this pull request: not counted"
        )])
    );
    let open = ran.finding(0, "too-few-checked")["open"].clone();
    let listed: Vec<(u64, &str, &str)> = open
        .as_array()
        .expect("open")
        .iter()
        .map(|o| {
            (
                o["line"].as_u64().unwrap_or_default(),
                o["text"].as_str().unwrap_or_default(),
                o["note"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (2, "Threat model", ""),
            (3, "Dependency audit", ""),
            (5, "Read the security guide", "added by this pull request: not counted"),
            (
                6,
                "Followed the security guide",
                "added by this pull request: not counted"
            ),
        ]
    );
    assert!(
        ran.summary
            .contains("Read the security guide — added by this pull request: not counted"),
        "{}",
        ran.summary
    );
}

#[tokio::test]
async fn ticking_the_base_items_meets_min_checked_and_the_added_ones_are_still_named() {
    let gh = FakeGitHub::start().await;
    let ticked = SECURITY.replace("- [ ] Threat model", "- [x] Threat model");
    repo(
        &gh,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n",
        SECURITY,
        &format!("{ticked}- [ ] Pen test\n"),
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Pass, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[("ok", "2 of 3 checked; 1 item added by this pull request: not counted")])
    );
}

const TYPE_TEMPLATE: &str = "## Type\n- [ ] Bug fix\n- [ ] Feature\n";
const RADIO: &str = "[[checklist]]\nsource = \"pr-body\"\n[[checklist.require]]\nsection = \"Type\"\nmin-checked = 1\nmax-checked = 1\n";

#[tokio::test]
async fn none_of_the_above_added_to_a_radio_group_does_not_answer_it() {
    let gh = FakeGitHub::start().await;
    body_repo(
        &gh,
        RADIO,
        TYPE_TEMPLATE,
        "## Type\n- [ ] Bug fix\n- [ ] Feature\n- [x] None of the above\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{:#}", ran.report);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[(
            "too-few-checked",
            "0 of 2 checked; exactly 1 required; 1 item added by this pull request: not counted"
        )])
    );
    // Without a template to compare with, the author's list is the list.
    let gh = FakeGitHub::start().await;
    body_repo(
        &gh,
        &RADIO.replace("source = \"pr-body\"", "source = \"pr-body\"\ntemplate = false"),
        TYPE_TEMPLATE,
        "## Type\n- [ ] Bug fix\n- [x] Chore\n",
    );
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.findings_of(0), pairs(&[("ok", "1 of 2 checked")]));
}

/// Duplicating a ticked base item is padding too: counts, not sets.
#[tokio::test]
async fn a_second_copy_of_a_ticked_item_is_not_counted_twice() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n",
        SECURITY,
        &format!("{SECURITY}- [x] Secrets scan\n"),
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[(
            "too-few-checked",
            "1 of 3 checked; at least 2 required; 1 item added by this pull request: not counted"
        )])
    );
    assert_eq!(ran.finding(0, "too-few-checked")["open"][2]["line"], 5);
}

// What a selector sees (issue 19 §1) --------------------------------------------------

/// Seed 001 marks critical items `**ðŸ”´ …**` (UTF-8 read as Windows-1252).
/// `🔴` and `(?i)^fix weather` both match the text as shown, as `item` does.
#[test]
fn patterns_and_items_see_seed_001_as_shown() {
    let Some(shared) = support::shared() else { return };
    let seeds = shared.join("corpus/seeds");
    let seed = "001_faa3c9621ca50182.md";
    assert!(seeds.join(seed).is_file(), "../shared has no corpus/seeds/{seed}");
    let policy = checkgate::policy::Policy::parse(
        "p.toml",
        &format!(
            "[[checklist]]\npath = \"{seed}\"\n\
             [[checklist.require]]\nitem-regex = \"🔴\"\n\
             [[checklist.require]]\nitem-regex = \"(?i)^fix weather\"\n\
             [[checklist.require]]\nitem = \"Fix Weather Data Source Access\"\n"
        ),
    )
    .expect("a valid policy");
    let report = checkgate::engine::check_dir(&policy, &seeds).expect("evaluates");
    let reqs = &report.checklists[0].requirements;
    let lines = |i: usize| reqs[i].open.iter().map(|o| o.line).collect::<Vec<_>>();
    assert_eq!(lines(0), [7, 13, 19]);
    assert_eq!(lines(1), [7, 304]);
    assert_eq!(lines(2), [7, 304]);
    assert_eq!(
        reqs[0].open[0].text, "ðŸ”´ Fix Weather Data Source Access",
        "shown as written"
    );
}

/// What stays outside (docs/threat-model.md): an edit that keeps an item's
/// key and leaves it required is the same item, and must be ticked.
#[tokio::test]
async fn an_edit_that_keeps_the_key_and_the_requirement_is_the_same_item() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Must\"\n",
        "## Must\n- [ ] Rollback plan tested\n",
        "## Must\n- [ ] ROLLBACK PLAN TESTED!\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail);
    assert_eq!(ran.findings_of(0), pairs(&[("open-item", "1 of 1 item open")]));
}

/// What stays outside: a checklist the pull request adds has no base copy,
/// so every box in it counts.
#[tokio::test]
async fn in_a_checklist_the_pull_request_adds_every_box_counts() {
    let gh = FakeGitHub::start().await;
    repo(
        &gh,
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n",
        "",
        &format!("{SECURITY}- [x] Read the security guide\n"),
    );
    gh.delete_file(BASE, "READY.md");
    gh.set_changed_files(vec![ChangedFile::added("READY.md")]);
    let ran = run(&gh).await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Pass, "{:#}", ran.report);
    assert_eq!(ran.findings_of(0), pairs(&[("ok", "2 of 4 checked")]));
}

/// Swapping an open base item for a ticked one of the author's own is two
/// findings, not a policy error that would blame the maintainer.
#[tokio::test]
async fn swapping_a_base_item_for_an_own_one_is_removed_and_not_counted() {
    let ran = attempt(
        "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nsection = \"Security\"\nmin-checked = 2\n",
        "## Security\n- [x] Threat model\n- [ ] Dependency audit\n",
        "## Security\n- [x] Threat model\n- [x] Read the security guide\n",
    )
    .await;
    assert_eq!(ran.exit, checkgate::cli::Exit::Fail, "{}", ran.err);
    assert_eq!(
        ran.findings_of(0),
        pairs(&[
            ("item-removed", REMOVED_ONE),
            (
                "too-few-checked",
                "1 of 1 checked; at least 2 required; 1 item added by this pull request: not counted"
            ),
        ])
    );
}
