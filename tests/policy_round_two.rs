//! Issue 19 §2 and §3, as users see them: each new policy key's validation
//! errors (exact messages, exit 2), its verdicts on small checklists and on
//! the real templates and seeds of `../shared/corpus`, and `check --base`
//! with new, untracked files.

mod common;

use std::path::Path;

use common::{checkgate, git, workspace};

const HEAD: &str = "[[checklist]]\npath = \"c.md\"\n";

/// `check` of `c.md` (`checklist`) against `policy` (`p.toml`), text report.
fn check(policy: &str, checklist: &str) -> common::Output {
    let dir = workspace(&[("c.md", checklist), ("p.toml", policy)]);
    checkgate(dir.path(), &["check", "--policy", "p.toml"])
}

/// Expect exactly `stderr` and exit 2, with nothing on stdout.
fn policy_error(policy: &str, checklist: &str, stderr: &str) {
    let out = check(policy, checklist);
    assert_eq!(out.stderr, stderr);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "", "no verdict on a policy error");
}

/// Expect exit `code` and exactly `stdout`.
fn verdict(policy: &str, checklist: &str, code: i32, stdout: &str) {
    let out = check(policy, checklist);
    assert_eq!(out.stdout, stdout, "{}", out.stderr);
    assert_eq!(out.code, code, "{}", out.stderr);
}

const FIVE: &str = "## Post-deploy\n- [x] a\n- [x] b\n- [ ] c\n- [ ] d\n- [x] e\n";

#[test]
fn min_checked_as_a_percentage_rounds_up_and_shows_the_share_and_the_count() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Post-deploy\"\nmin-checked = \"80%\"\n");
    verdict(
        &policy,
        FIVE,
        1,
        "c.md: 3 of 5 items checked\n  \
         FAIL  section: Post-deploy (min-checked 80%) — 3 of 5 checked (60%); at least 80% (4) required\n        \
         c.md:4  c\n        c.md:5  d\n\
         checkgate: FAIL: 1 of 1 requirements failing\n",
    );
    // 80% of 5 is 4 exactly; 70% of 5 is 3.5, rounded up to 4 as well.
    let policy = policy.replace("80%", "70%");
    let out = check(&policy, FIVE);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("at least 70% (4) required"), "{}", out.stdout);
    let four = FIVE.replace("[ ] c", "[x] c");
    verdict(
        &policy,
        &four,
        0,
        "c.md: 4 of 5 items checked\n  \
         ok    section: Post-deploy (min-checked 70%) — 4 of 5 checked (80%)\n\
         checkgate: PASS: 1 requirement holds\n",
    );
}

#[test]
fn max_checked_as_a_percentage_and_with_both_bounds() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nsection = \"Post-deploy\"\nmin-checked = \"20%\"\nmax-checked = \"50%\"\n"
    );
    // 50% of 5 is 2.5, rounded up to 3: three checked is allowed.
    verdict(
        &policy,
        FIVE,
        0,
        "c.md: 3 of 5 items checked\n  \
         ok    section: Post-deploy (20% to 50% checked) — 3 of 5 checked (60%)\n\
         checkgate: PASS: 1 requirement holds\n",
    );
    let out = check(&policy, &FIVE.replace("[ ] c", "[x] c"));
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains(
            "FAIL  section: Post-deploy (20% to 50% checked) — 4 of 5 checked (80%); 20% (1) to 50% (3) allowed"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn max_checked_zero_means_nobody_ticks_these_boxes() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Reviewer only\"\nmax-checked = 0\n");
    let list = "## Reviewer only\n- [ ] Design reviewed\n- [ ] Security reviewed\n";
    verdict(
        &policy,
        list,
        0,
        "c.md: 0 of 2 items checked\n  \
         ok    section: Reviewer only (none checked) — 0 of 2 checked\n\
         checkgate: PASS: 1 requirement holds\n",
    );
    verdict(
        &policy,
        &list.replace("[ ] Security", "[x] Security"),
        1,
        "c.md: 1 of 2 items checked\n  \
         FAIL  section: Reviewer only (none checked) — 1 of 2 checked; none allowed\n        \
         c.md:3  Security reviewed  [checked]\n\
         checkgate: FAIL: 1 of 1 requirements failing\n",
    );
}

#[test]
fn bad_bounds_are_policy_errors_with_their_position() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nall = true\nmin-checked = \"0%\"\n\
         [[checklist.require]]\nall = true\nmin-checked = \"80.5%\"\n\
         [[checklist.require]]\nall = true\nmax-checked = \"120%\"\n\
         [[checklist.require]]\nall = true\nmin-checked = [1]\n\
         [[checklist.require]]\nall = true\nmin-checked = \"80%\"\nmax-checked = \"50%\"\n"
    );
    policy_error(
        &policy,
        FIVE,
        "p.toml:5:15: `min-checked` must be a percentage from 1% to 100%, found \"0%\"\n\
         p.toml:8:15: `min-checked` must be an integer or a whole percentage such as \"80%\", found \"80.5%\"\n\
         p.toml:11:15: `max-checked` must be a percentage from 0% to 100%, found \"120%\"\n\
         p.toml:14:15: `min-checked` must be an integer or a percentage such as \"80%\", found an array\n\
         p.toml:18:15: `max-checked = 50%` is less than `min-checked = 80%`\n\
         checkgate: error: p.toml has 5 problem(s)\n",
    );
}

#[test]
fn a_percentage_and_a_count_that_leave_nothing_to_pass_are_a_policy_error() {
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nmin-checked = 4\nmax-checked = \"50%\"\n");
    policy_error(
        &policy,
        FIVE,
        "p.toml:5:15: `min-checked = 4` is 4 and `max-checked = 50%` is 3 of the 5 items in c.md, so nothing can pass\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
}

const TEMPLATE: &str =
    "## Changes\n- [x] Tests added\n- [ ] Docs updated\n## Post-merge\n- [ ] Deploy\n### Later\n- [ ] Announce\n";

#[test]
fn all_with_except_sections_ignores_those_sections_and_lists_their_items_as_optional() {
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"Post-merge\"]\n");
    verdict(
        &policy,
        TEMPLATE,
        1,
        "c.md: 1 of 4 items checked\n  \
         FAIL  all items — 1 of 2 items open\n        \
         c.md:3  Docs updated\n        \
         optional  c.md:5  [ ] Deploy\n        \
         optional  c.md:7  [ ] Announce\n\
         checkgate: FAIL: 1 of 1 requirements failing\n",
    );
    let out = checkgate_json(&policy, &TEMPLATE.replace("[ ] Docs", "[x] Docs"));
    let req = &out["checklists"][0]["requirements"][0];
    assert_eq!(req["passed"], true);
    assert_eq!((req["checked"].as_u64(), req["total"].as_u64()), (Some(2), Some(2)));
    let optional: Vec<u64> = req["optional"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect();
    assert_eq!(optional, [5, 7], "the section and its subsection");
}

#[test]
fn except_sections_within_a_section_rule_and_its_tamper_check() {
    let policy =
        format!("{HEAD}[[checklist.require]]\nsection = \"Release\"\nexcept-sections = [\"Release > Later\"]\n");
    let list = "## Release\n- [x] Tag\n### Later\n- [ ] Blog post\n";
    let out = check(&policy, list);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // Deleting an excepted item since the base is not tampering.
    let dir = workspace(&[("c.md", list), ("p.toml", &policy)]);
    git_init(dir.path());
    std::fs::write(dir.path().join("c.md"), "## Release\n- [x] Tag\n### Later\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn an_ambiguous_except_section_is_a_policy_error_but_only_within_the_rules_scope() {
    let list = "## A\n- [x] a\n### Notes\n- [ ] n1\n## B\n- [x] b\n### Notes\n- [ ] n2\n";
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"Notes\"]\n");
    policy_error(
        &policy,
        list,
        "p.toml:5:20: `except-sections`: section \"Notes\" matches 2 sections in c.md: line 3 \"A > Notes\", line 7 \"B > Notes\"; name more of the heading path, e.g. \"Parent > Notes\"\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
    // Within `section = "A"` only one `Notes` is in scope.
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"A\"\nexcept-sections = [\"Notes\"]\n");
    let out = check(&policy, list);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn except_sections_combinations_that_make_no_sense_are_policy_errors() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nitem = \"Tag\"\nexcept-sections = [\"Later\"]\n\
         [[checklist.require]]\nsection = \"Release\"\nexcept-sections = [\"release\"]\n\
         [[checklist.require]]\nall = true\nexcept-sections = [\"\", \"A > > B\"]\n"
    );
    policy_error(
        &policy,
        "- [ ] x\n",
        "p.toml:5:19: `except-sections` applies only to an `all` or `section` requirement\n\
         p.toml:8:20: `except-sections` names the rule's own section \"Release\", which leaves it nothing to require\n\
         p.toml:11:20: `except-sections` entries must not be empty\n\
         checkgate: error: p.toml has 3 problem(s)\n",
    );
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"A > > B\"]\n");
    policy_error(
        &policy,
        "- [ ] x\n",
        "p.toml:5:20: `except-sections` has an empty part in \"A > > B\"; write headings separated by `>`\n\
         checkgate: error: p.toml has 1 problem(s)\n",
    );
}

#[test]
fn patterns_that_match_the_empty_string_are_policy_errors_showing_the_pattern() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nall = true\nexcept = [\".*\", \"(?i)optional|\"]\n\
         [[checklist.require]]\nitem-regex = \"(?i)rollback|\"\n\
         [[checklist.require]]\nall = true\nfilled = true\nplaceholders = [\"_*\"]\n"
    );
    policy_error(
        &policy,
        "- [ ] x\n",
        "p.toml:5:11: `except` pattern \".*\" matches the empty string, so it makes every item optional; look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`)\n\
         p.toml:5:17: `except` pattern \"(?i)optional|\" matches the empty string, so it makes every item optional; look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`)\n\
         p.toml:7:14: `item-regex` \"(?i)rollback|\" matches the empty string, so it selects every item; look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`), or write `all = true`\n\
         p.toml:11:17: `placeholders` pattern \"_*\" matches the empty string, so every item would count as holding a placeholder; look for an empty alternative (a stray `|`) or a pattern that can match nothing (`.*`)\n\
         checkgate: error: p.toml has 4 problem(s)\n",
    );
}

#[test]
fn an_item_regex_matching_every_item_is_a_policy_error_where_the_author_can_see_it() {
    let policy = format!("{HEAD}[[checklist.require]]\nitem-regex = \"(?i)[a-z]\"\n");
    let list = "- [x] Tests\n- [ ] Docs\n";
    policy_error(
        &policy,
        list,
        "p.toml:4:14: `item-regex` \"(?i)[a-z]\" matches every one of the 2 items of c.md, so it selects them all; write `all = true` if that is meant, or narrow the pattern\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
    );
    // A checklist of one item is matched by any regex that selects it.
    assert_eq!(check(&policy, "- [x] Tests\n").code, 0);
    // Against a base, the base decides: a pull request that deletes the
    // items the regex does not match cannot turn the policy into an error.
    let policy = format!("{HEAD}[[checklist.require]]\nitem-regex = \"^Test\"\n");
    let dir = workspace(&[
        ("c.md", "- [x] Tests\n- [x] Testing notes\n- [ ] Docs\n"),
        ("p.toml", &policy),
    ]);
    git_init(dir.path());
    std::fs::write(dir.path().join("c.md"), "- [x] Tests\n- [x] Testing notes\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_ne!(out.code, 2, "{}", out.stderr);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml"]);
    assert_eq!(
        out.stderr,
        "p.toml:4:14: `item-regex` \"^Test\" matches every one of the 2 items of c.md, so it selects them all; write `all = true` if that is meant, or narrow the pattern\n\
         checkgate: error: p.toml does not fit the checklist: 1 problem(s)\n",
        "locally, the working copy is the author's"
    );
}

#[test]
fn filled_items_with_default_placeholders_are_open_naming_the_placeholder() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Sign-off\"\nfilled = true\n");
    let list = "## Sign-off\n- [x] Approved by: ____ Date: ____\n- [x] Owner: [FILL IN]\n- [x] Rollback date: tbd\n- [x] Approved by: Alice Date: 2026-01-05\n";
    verdict(
        &policy,
        list,
        1,
        "c.md: 4 of 4 items checked\n  \
         FAIL  section: Sign-off — 3 of 4 items open\n        \
         c.md:2  Approved by: ____ Date: ____  [placeholder \"____\" not filled in]\n        \
         c.md:3  Owner: [FILL IN]  [placeholder \"[FILL IN]\" not filled in]\n        \
         c.md:4  Rollback date: tbd  [placeholder \"tbd\" not filled in]\n\
         checkgate: FAIL: 1 of 1 requirements failing\n",
    );
    let json = checkgate_json(&policy, list);
    assert_eq!(json["checklists"][0]["requirements"][0]["code"], "unfilled-placeholder");
    // "TBD" is a word: "TBDs" and "outbid" hold none.
    let list = "## Sign-off\n- [x] Close TBDs in the design doc\n- [x] outbid\n";
    assert_eq!(check(&policy, list).code, 0);
}

#[test]
fn filled_with_the_rules_own_placeholders() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nitem-regex = \"^Ticket\"\nfilled = true\nplaceholders = [\"\\\\{{\\\\{{[^}}]*\\\\}}\\\\}}\"]\n"
    );
    let out = check(&policy, "- [x] Ticket: {{JIRA-ID}}\n- [x] Other ____\n");
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("c.md:1  Ticket: {{JIRA-ID}}  [placeholder \"{{JIRA-ID}}\" not filled in]"),
        "{}",
        out.stdout
    );
    assert_eq!(check(&policy, "- [x] Ticket: OPS-12\n- [ ] Other ____\n").code, 0);
}

#[test]
fn filled_and_placeholders_that_combine_badly_are_policy_errors() {
    let policy = format!(
        "{HEAD}[[checklist.require]]\nall = true\nplaceholders = [\"x\"]\n\
         [[checklist.require]]\nall = true\nfilled = false\n\
         [[checklist.require]]\nall = true\nfilled = \"yes\"\n\
         [[checklist.require]]\nall = true\nfilled = true\nplaceholders = [\"(\"]\n\
         [[checklist.require]]\nitem = \"Sign-off\"\nfilled = true\napproved-by = [\"alice\"]\n"
    );
    policy_error(
        &policy,
        "- [ ] x\n",
        "p.toml:5:16: `placeholders` needs `filled = true`: they say what an unfilled item looks like\n\
         p.toml:8:10: `filled = false` means nothing; remove it, or write `filled = true`\n\
         p.toml:11:10: `filled` must be a boolean, found a string\n\
         p.toml:15:17: `placeholders` has an invalid regex: unclosed group\n\
         p.toml:18:10: `filled` cannot be combined with `approved-by`: only an approving review satisfies that rule, whatever the item says\n\
         checkgate: error: p.toml has 5 problem(s)\n",
    );
}

#[test]
fn filled_on_the_sign_off_lines_of_seed_004() {
    let Some(seed) = common::seed("004") else { return };
    let text = std::fs::read_to_string(seed).unwrap();
    let policy = "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"Deployment Team Sign-Off\"\nfilled = true\n";
    // Every box ticked, no name written in: still open, on lines 498-501.
    let ticked = text
        .replace("- [ ] Backend", "- [x] Backend")
        .replace("- [ ] DevOps", "- [x] DevOps");
    let json = checkgate_json(policy, &ticked);
    let req = &json["checklists"][0]["requirements"][0];
    assert_eq!(req["code"], "unfilled-placeholder");
    let open: Vec<(u64, &str)> = req["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["line"].as_u64().unwrap(), o["note"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        open,
        [
            (498, "placeholder \"________________________\" not filled in"),
            (499, "placeholder \"________________________\" not filled in"),
            (500, "placeholder \"______________________________\" not filled in"),
            (501, "placeholder \"_______________________\" not filled in"),
        ]
    );
    let filled = ticked
        .replace(
            "- [x] Backend Engineer: ________________________ Date: _______",
            "- [x] Backend Engineer: Ana Ruiz Date: 2026-03-02",
        )
        .replace(
            "- [x] DevOps Engineer: ________________________ Date: _______",
            "- [x] DevOps Engineer: Li Wei Date: 2026-03-02",
        );
    let json = checkgate_json(policy, &filled);
    let lines: Vec<u64> = json["checklists"][0]["requirements"][0]["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [500, 501], "the two filled-in lines pass");
}

const NESTED: &str = "## Critical\n- [x] Fix data source\n  - [x] Verify permissions\n  - [ ] Test connectivity\n  - [ ] Document\n- [x] Monitoring\n  - [x] Alerts\n";

#[test]
fn a_ticked_parent_with_open_children_is_a_warning_by_default_naming_them() {
    let policy = format!("{HEAD}[[checklist.require]]\nitem = \"Monitoring\"\n");
    verdict(
        &policy,
        NESTED,
        0,
        "c.md: 4 of 6 items checked\n  \
         ok    item: Monitoring — checked\n  \
         warn  no ticked item with open sub-items — 1 item is ticked with open sub-items\n        \
         c.md:2  Fix data source  [ticked, but 2 sub-items are open: \"Test connectivity\", \"Document\"]\n\
         checkgate: PASS: 2 requirements hold, 1 warning\n",
    );
    let json = checkgate_json(&policy, NESTED);
    assert_eq!(
        json["checklists"][0]["requirements"][1]["code"],
        "parent-ticked-children-open"
    );
}

#[test]
fn nesting_deny_fails_and_off_is_silent() {
    let deny = format!("{HEAD}nesting = \"deny\"\n[[checklist.require]]\nitem = \"Monitoring\"\n");
    let out = check(&deny, NESTED);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("FAIL  no ticked item with open sub-items"),
        "{}",
        out.stdout
    );
    let off = deny.replace("\"deny\"", "\"off\"");
    let out = check(&off, NESTED);
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains("sub-items"), "{}", out.stdout);
    // An unticked parent, or a waived child, is no finding.
    let deny = format!("{HEAD}nesting = \"deny\"\n[[checklist.require]]\nitem = \"c\"\n");
    let out = check(&deny, "- [ ] a\n  - [ ] b\n- [x] c\n  - [ ] ~~d~~ N/A: not here\n");
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn nesting_on_seed_001s_critical_items() {
    let Some(seed) = common::seed("001") else { return };
    let text = std::fs::read_to_string(seed).unwrap();
    let ticked = text.replacen(
        "- [ ] **ðŸ”´ Fix Weather Data Source Access**",
        "- [x] **ðŸ”´ Fix Weather Data Source Access**",
        1,
    );
    let policy = "[[checklist]]\npath = \"c.md\"\nnesting = \"deny\"\n[[checklist.require]]\nsection = \"Critical Issues (Must Resolve Before Production)\"\nmin-checked = 1\n";
    let json = checkgate_json(policy, &ticked);
    let reqs = json["checklists"][0]["requirements"].as_array().unwrap();
    let nesting = reqs
        .iter()
        .find(|r| r["code"] == "parent-ticked-children-open")
        .expect("nesting finding");
    assert_eq!(nesting["level"], "deny");
    assert_eq!(nesting["open"][0]["line"], 7);
    assert_eq!(
        nesting["open"][0]["note"],
        "ticked, but 4 sub-items are open: \"Verify Snowflake Marketplace permissions\", \"Test weather data connectivity\", \"Implement fallback data sources if needed\", \"Document data source dependencies\""
    );
    assert_eq!(json["passed"], false);
}

#[test]
fn nesting_and_waiver_reason_values_are_checked() {
    let policy = format!("{HEAD}nesting = \"error\"\nwaiver-reason = \"maybe\"\n[[checklist.require]]\nall = true\n");
    policy_error(
        &policy,
        "- [ ] x\n",
        "p.toml:3:11: `nesting` must be \"deny\", \"warn\" or \"off\", found \"error\"\n\
         p.toml:4:17: `waiver-reason` must be \"required\" or \"optional\", found \"maybe\"\n\
         checkgate: error: p.toml has 2 problem(s)\n",
    );
}

const STRUCK: &str =
    "- [x] Tests\n- [ ] ~~Storybook updated~~\n- [ ] ~~Load test~~ N/A\n- [ ] ~~Soak~~ N/A: no traffic\n";

#[test]
fn with_optional_waiver_reasons_a_struck_out_item_is_not_applicable_and_still_listed() {
    let policy = format!("{HEAD}waiver-reason = \"optional\"\n[[checklist.require]]\nall = true\n");
    let json = checkgate_json(&policy, STRUCK);
    assert_eq!(json["passed"], true, "{json}");
    let waived: Vec<(u64, &str, Option<&str>)> = json["checklists"][0]["waived"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["line"].as_u64().unwrap(),
                w["text"].as_str().unwrap(),
                w["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        waived,
        [
            (2, "Storybook updated", None),
            (3, "Load test", None),
            (4, "Soak", Some("no traffic"))
        ]
    );
    // `waivable = false` still refuses them.
    let strict = format!("{HEAD}waiver-reason = \"optional\"\n[[checklist.require]]\nall = true\nwaivable = false\n");
    let json = checkgate_json(&strict, STRUCK);
    assert_eq!(json["checklists"][0]["requirements"][0]["code"], "waiver-forbidden");
}

#[test]
fn with_required_waiver_reasons_a_struck_out_item_stays_an_item() {
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\n");
    verdict(
        &policy,
        STRUCK,
        1,
        "c.md: 1 of 4 items checked\n  \
         FAIL  all items — 2 of 4 items open\n        \
         c.md:2  Storybook updated\n        \
         c.md:3  Load test  [waived without a reason: write `N/A: <why>`]\n  \
         n/a   c.md:3  Load test — no reason given\n  \
         n/a   c.md:4  Soak — no traffic\n\
         checkgate: FAIL: 1 of 1 requirements failing\n",
    );
}

#[test]
fn role_authors_are_validated_and_roles_are_refused_in_approved_by() {
    let policy = "[[checklist]]\nsource = \"pr-comments\"\nauthors = [\"role:write\", \"role:triage\", \"role:\"]\n\
                  [[checklist.require]]\nall = true\n[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nitem = \"x\"\napproved-by = [\"role:maintain\"]\n";
    policy_error(
        policy,
        "- [ ] x\n",
        "p.toml:3:26: `authors` entry \"role:triage\" is not a role a comment shows; use \"role:write\", \"role:maintain\" or \"role:admin\"\n\
         p.toml:3:41: `authors` entry \"role:\" is not a role a comment shows; use \"role:write\", \"role:maintain\" or \"role:admin\"\n\
         p.toml:10:16: `approved-by` entry \"role:maintain\": roles apply only to `authors` of a `pr-comments` checklist; name users or `@org/team`s\n\
         checkgate: error: p.toml has 3 problem(s)\n",
    );
}

#[test]
fn role_authors_count_comments_by_their_author_association() {
    use checkgate::engine::{MemLoader, PrComment, check};
    use checkgate::eval::Context;
    let comment = |author: &str, association: &str, body: &str| PrComment {
        author: author.to_string(),
        association: Some(association.to_string()),
        url: format!("https://github.com/o/r/pull/1#{author}"),
        body: body.to_string(),
    };
    let loader = MemLoader {
        comments: Some(vec![
            comment("owner", "OWNER", "- [x] owner's box\n"),
            comment("member", "MEMBER", "- [x] member's box\n"),
            comment("collab", "COLLABORATOR", "- [ ] collaborator's box\n"),
            // A merged commit once makes anyone a CONTRIBUTOR: never counted.
            comment("drive-by", "CONTRIBUTOR", "- [ ] contributor's box\n"),
            comment("stranger", "NONE", "- [ ] stranger's box\n"),
        ]),
        ..MemLoader::default()
    };
    let texts = |role: &str| -> Vec<String> {
        let policy = checkgate::policy::Policy::parse(
            "p.toml",
            &format!(
                "[[checklist]]\nsource = \"pr-comments\"\nauthors = [\"{role}\"]\n[[checklist.require]]\nall = true\n"
            ),
        )
        .unwrap();
        let report = check(&policy, &loader, &Context::default()).unwrap();
        let c = &report.checklists[0];
        let mut seen: Vec<String> = c.requirements[0].open.iter().map(|o| o.text.to_string()).collect();
        seen.insert(0, format!("{} of {}", c.checked, c.total));
        seen
    };
    assert_eq!(texts("role:write"), ["2 of 3", "collaborator's box"]);
    assert_eq!(texts("role:maintain"), ["1 of 1"]);
    assert_eq!(texts("role:admin"), ["1 of 1"]);
}

#[test]
fn bold_paragraph_sections_in_real_templates() {
    let Some(corpus) = common::corpus() else { return };
    let vue = std::fs::read_to_string(corpus.join("checklists/vuejs__vue__.github__PULL_REQUEST_TEMPLATE.md")).unwrap();
    let policy =
        "[[checklist]]\npath = \"c.md\"\n[[checklist.require]]\nsection = \"The PR fulfills these requirements\"\n";
    let json = checkgate_json(policy, &vue);
    let req = &json["checklists"][0]["requirements"][0];
    let lines: Vec<u64> = req["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect();
    // The label's list, and the items after it up to the next label or heading.
    assert_eq!(lines, [27, 28, 29, 30, 33]);
    assert_eq!(
        req["open"][0]["section"],
        serde_json::json!(["The PR fulfills these requirements"])
    );
    // `**What kind of change does this PR introduce?** (check at least one)`
    // has text after the strong part: not a section.
    let dir = workspace(&[("c.md", &vue)]);
    let out = checkgate(dir.path(), &["list", "--format", "json", "c.md"]);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let sections: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["section"].to_string())
        .collect();
    assert_eq!(sections[0], "[]");
    assert_eq!(sections[8], "[\"The PR fulfills these requirements\"]");

    // The Front-End Checklist's `**Other Checklists:**` label sits under
    // the document's title.
    let fec = std::fs::read_to_string(corpus.join("checklists/thedaviddias__Front-End-Checklist__README.md")).unwrap();
    let parsed = checkgate::checklist::parse("fec.md", &fec);
    let label = parsed
        .sections
        .iter()
        .find(|s| s.title == "Other Checklists")
        .expect("the bold label is a section");
    assert_eq!(label.line, 6);
    assert_eq!(label.level, checkgate::checklist::LABEL_LEVEL);
}

#[test]
fn a_bold_paragraph_section_deleted_since_the_base_is_section_removed() {
    let template = "## Checklist\n**Testing:**\n- [ ] Unit tests\n- [ ] Manual test\n\n**Docs:**\n- [ ] README\n";
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Checklist > Testing\"\n");
    let json = checkgate_json(&policy, template);
    let open = &json["checklists"][0]["requirements"][0]["open"];
    assert_eq!(open.as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(open[0]["section"], serde_json::json!(["Checklist", "Testing"]));
    let dir = workspace(&[("c.md", template), ("p.toml", &policy)]);
    git_init(dir.path());
    std::fs::write(dir.path().join("c.md"), "## Checklist\n**Docs:**\n- [ ] README\n").unwrap();
    let out = checkgate(
        dir.path(),
        &["check", "--policy", "p.toml", "--base", "main", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let codes: Vec<&str> = json["checklists"][0]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["section-removed", "section-not-found"]);
}

#[test]
fn untracked_new_files_count_for_when_changed_under_base() {
    let policy = format!("{HEAD}[[checklist.require]]\nsection = \"Db\"\nwhen-changed = [\"migrations/**\"]\n");
    let dir = workspace(&[("c.md", "## Db\n- [ ] Migration rehearsed\n"), ("p.toml", &policy)]);
    git_init(dir.path());
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 0, "nothing changed: {}", out.stdout);
    // A new file, never staged: `git status` shows it, so it counts.
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/0002.sql"), "select 1;\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    // An ignored file is not shown by `git status`, and does not count.
    std::fs::remove_file(dir.path().join("migrations/0002.sql")).unwrap();
    std::fs::write(dir.path().join(".git/info/exclude"), "*.log\n").unwrap();
    std::fs::write(dir.path().join("migrations/run.log"), "x\n").unwrap();
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--base", "main"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_directory_glob_also_matches_a_submodule_gitlink() {
    let policy = checkgate::policy::Policy::parse(
        "p.toml",
        "[[checklist]]\npath = \"c.md\"\nwhen-changed = [\"services/payments/**\"]\n[[checklist.require]]\nall = true\n",
    )
    .unwrap();
    let globs = policy.checklists[0].when_changed.as_ref().unwrap();
    let matches = |p: &str| globs.matches_any(std::iter::once(p));
    assert!(matches("services/payments"), "the gitlink itself");
    assert!(matches("services/payments/src/lib.rs"));
    assert!(!matches("services/payments-v2"));
    assert!(!matches("services"));
    assert_eq!(globs.patterns, ["services/payments/**"], "shown as written");
}

/// `check --format json`, parsed.
fn checkgate_json(policy: &str, checklist: &str) -> serde_json::Value {
    let dir = workspace(&[("c.md", checklist), ("p.toml", policy)]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--format", "json"]);
    assert_ne!(out.code, 2, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("json report")
}

/// Make `dir` a repository whose one commit, on `main`, holds its files.
fn git_init(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
}

#[test]
fn a_description_without_a_baseline_cannot_turn_an_item_regex_into_a_policy_error() {
    // The pull request's author writes the description: deleting every item
    // the regex does not match must not make the policy look broken.
    let policy =
        "[[checklist]]\nsource = \"pr-body\"\ntemplate = false\n[[checklist.require]]\nitem-regex = \"^Test\"\n";
    let dir = workspace(&[("p.toml", policy), ("body.md", "- [x] Tests\n- [ ] Testing notes\n")]);
    let out = checkgate(dir.path(), &["check", "--policy", "p.toml", "--pr-body", "body.md"]);
    assert_eq!((out.code, out.stderr.as_str()), (1, ""), "{}", out.stdout);
}

#[test]
fn a_parent_with_many_open_children_names_ten_and_counts_the_rest() {
    let mut list = String::from("- [x] Parent\n");
    for i in 1..=25 {
        list.push_str(&format!("  - [ ] child {i}\n"));
    }
    let json = checkgate_json(&format!("{HEAD}[[checklist.require]]\nitem = \"Parent\"\n"), &list);
    let note = json["checklists"][0]["requirements"][1]["open"][0]["note"]
        .as_str()
        .unwrap()
        .to_string();
    let named: Vec<String> = (1..=10).map(|i| format!("\"child {i}\"")).collect();
    assert_eq!(
        note,
        format!("ticked, but 25 sub-items are open: {}, and 15 more", named.join(", "))
    );
}

#[test]
fn bumping_a_submodule_fires_its_directory_glob_under_base() {
    // `git diff` names a submodule bump by its gitlink, `services/payments`,
    // with nothing below it: `services/payments/**` must still fire.
    let top = tempfile::tempdir().unwrap();
    let sub = top.path().join("payments");
    let main = top.path().join("main");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("lib.rs"), "// v1\n").unwrap();
    git_init(&sub);
    let policy =
        format!("{HEAD}[[checklist.require]]\nsection = \"Payments\"\nwhen-changed = [\"services/payments/**\"]\n");
    std::fs::create_dir_all(&main).unwrap();
    std::fs::write(main.join("c.md"), "## Payments\n- [ ] Reconciliation run\n").unwrap();
    std::fs::write(main.join("p.toml"), &policy).unwrap();
    git_init(&main);
    git(
        &main,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            sub.to_str().unwrap(),
            "services/payments",
        ],
    );
    git(&main, &["commit", "-q", "-m", "add submodule"]);
    let out = checkgate(&main, &["check", "--policy", "p.toml", "--base", "HEAD"]);
    assert_eq!(out.code, 0, "nothing changed: {}{}", out.stdout, out.stderr);
    // Bump the submodule to a new commit.
    let checkout = main.join("services/payments");
    std::fs::write(checkout.join("lib.rs"), "// v2\n").unwrap();
    git(&checkout, &["commit", "-q", "-am", "v2"]);
    let out = checkgate(&main, &["check", "--policy", "p.toml", "--base", "HEAD"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("section: Payments"), "{}", out.stdout);
}

/// Seed 001 with the first `n` boxes of its *Post-Deployment Activities*
/// section (lines 235-258, 20 items) ticked.
fn seed_001_post_deployment_ticked(n: usize) -> Option<String> {
    let text = std::fs::read_to_string(common::seed("001")?).unwrap();
    let mut ticked = 0;
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if (234..258).contains(&i) && line.contains("- [ ]") && ticked < n {
                ticked += 1;
                line.replacen("- [ ]", "- [x]", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_eq!(ticked, n);
    Some(lines.join("\n") + "\n")
}

#[test]
fn eighty_percent_of_seed_001s_post_deployment_items() {
    let policy = format!(
        "{HEAD}nesting = \"off\"\n[[checklist.require]]\nsection = \"Post-Deployment Activities\"\nmin-checked = \"80%\"\n"
    );
    let Some(fifteen) = seed_001_post_deployment_ticked(15) else {
        return;
    };
    let json = checkgate_json(&policy, &fifteen);
    let req = &json["checklists"][0]["requirements"][0];
    assert_eq!(req["code"], "too-few-checked");
    assert_eq!(req["message"], "15 of 20 checked (75%); at least 80% (16) required");
    let Some(sixteen) = seed_001_post_deployment_ticked(16) else {
        return;
    };
    let json = checkgate_json(&policy, &sixteen);
    assert_eq!(
        json["checklists"][0]["requirements"][0]["message"],
        "16 of 20 checked (80%)"
    );
    assert_eq!(json["passed"], true);
}

#[test]
fn all_but_seed_001s_post_deployment_section() {
    let Some(seed) = common::seed("001") else { return };
    let text = std::fs::read_to_string(seed).unwrap();
    let policy =
        format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"Post-Deployment Activities\"]\n");
    let json = checkgate_json(&policy, &text);
    let req = &json["checklists"][0]["requirements"][0];
    let optional: Vec<u64> = req["optional"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect();
    assert_eq!(optional.len(), 20);
    assert_eq!((optional[0], optional[19]), (235, 258));
    let total = json["checklists"][0]["total"].as_u64().unwrap();
    assert_eq!(req["total"].as_u64(), Some(total - 20));
    let open_in_section = req["open"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| (235..=258).contains(&o["line"].as_u64().unwrap()))
        .count();
    assert_eq!(open_in_section, 0);
}

#[test]
fn filled_checks_open_items_too_but_not_waived_ones() {
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nfilled = true\n");
    let json = checkgate_json(
        &policy,
        "- [ ] Approved by: ____\n- [x] ~~Date: ____~~ N/A: no date for a hotfix\n- [x] Done\n",
    );
    let req = &json["checklists"][0]["requirements"][0];
    assert_eq!(req["code"], "unfilled-placeholder");
    assert_eq!(req["open"].as_array().map(Vec::len), Some(1));
    assert_eq!(req["open"][0]["line"], 1);
    assert_eq!(req["open"][0]["note"], "placeholder \"____\" not filled in");
    // `<JIRA-ID>` is an HTML tag to GitHub: not part of the item's text.
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nfilled = true\nplaceholders = [\"JIRA\"]\n");
    assert_eq!(check(&policy, "- [x] Ticket: <JIRA-ID>\n").code, 0);
}

#[test]
fn an_except_section_that_matches_nothing_excepts_nothing() {
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"Post-merge\"]\n");
    let json = checkgate_json(&policy, "## Changes\n- [x] a\n- [ ] b\n");
    let req = &json["checklists"][0]["requirements"][0];
    assert_eq!((req["checked"].as_u64(), req["total"].as_u64()), (Some(1), Some(2)));
    assert!(req.get("optional").is_none(), "{req}");
}

#[test]
fn moving_a_required_item_under_an_excepted_section_is_caught_against_the_base() {
    // The pull request keeps the item's text but moves it under the
    // excepted heading, where it would no longer be required.
    let policy = format!("{HEAD}[[checklist.require]]\nall = true\nexcept-sections = [\"Post-merge\"]\n");
    let dir = workspace(&[
        ("c.md", "## Changes\n- [ ] Tests pass\n## Post-merge\n- [ ] Deploy\n"),
        ("p.toml", &policy),
    ]);
    git_init(dir.path());
    std::fs::write(
        dir.path().join("c.md"),
        "## Changes\n## Post-merge\n- [ ] Tests pass\n- [ ] Deploy\n",
    )
    .unwrap();
    let out = checkgate(
        dir.path(),
        &["check", "--policy", "p.toml", "--base", "main", "--format", "json"],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let removed = &json["checklists"][0]["requirements"][0];
    assert_eq!(removed["code"], "item-removed");
    assert_eq!(removed["open"][0]["line"], 2, "its line at the base");
    assert_eq!(removed["open"][0]["text"], "Tests pass");
}
