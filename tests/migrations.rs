//! The migration guide's examples (docs/migrating.md): one policy per peer gate's default setup
//! (`examples/migrations/*.toml`, which docs/migrating.md includes verbatim), each
//! run against descriptions that gate would pass or fail, with the verdict
//! that gate gives.

mod common;

use std::path::Path;

use common::{checkgate, workspace};

/// Run `examples/migrations/{name}.toml` against each description and
/// expect its exit code (0 pass, 1 fail).
fn verdicts(name: &str, cases: &[(&str, i32)]) {
    let policy = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/migrations")
        .join(format!("{name}.toml"));
    let policy = policy.to_str().expect("UTF-8 path");
    for (body, expected) in cases {
        let dir = workspace(&[("body.md", body)]);
        let out = checkgate(dir.path(), &["check", "--policy", policy, "--pr-body", "body.md"]);
        assert_eq!(out.code, *expected, "{name} on {body:?}:\n{}{}", out.stdout, out.stderr);
    }
}

#[test]
fn require_checklist_action_default() {
    verdicts(
        "require-checklist-action",
        &[
            ("## Checklist\n- [x] Tests\n- [X] Docs\n", 0),
            ("- [x] Tests\n- [ ] Docs\n", 1),
            ("- [x] Tests\n  - [ ] nested, still required\n", 1),
            ("Fixes #12. No checklist here.\n", 0),
            ("", 0),
            ("```\n- [ ] in a code block is not a task\n```\n", 0),
            // Its README: "items that are not applicable can be ~stroked
            // through~ and this action will ignore them".
            ("- [X] Applicable item\n- [ ] ~Inapplicable item~\n", 0),
            ("- [X] Applicable item\n- [ ] ~~Inapplicable item~~ N/A\n", 0),
            ("- [ ] ~Struck~ but this part is not\n", 1),
        ],
    );
}

#[test]
fn require_checklist_action_reads_the_comments_of_writers() {
    use checkgate::engine::{MemLoader, PrComment, check};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/migrations/require-checklist-action.toml");
    let policy = checkgate::policy::Policy::load(&path).expect("valid policy");
    let comment = |author: &str, association: &str, body: &str| PrComment {
        author: author.to_string(),
        association: Some(association.to_string()),
        url: format!("https://github.com/o/r/pull/1#{author}"),
        body: body.to_string(),
    };
    let verdict = |comments: Vec<PrComment>| {
        let loader = MemLoader {
            pr_body: Some("- [x] Tests\n".to_string()),
            comments: Some(comments),
            ..MemLoader::default()
        };
        check(&policy, &loader, &checkgate::eval::Context::default())
            .expect("no error")
            .passed
    };
    assert!(verdict(vec![]), "no comments: the description decides");
    assert!(!verdict(vec![comment("maintainer", "MEMBER", "- [ ] Release notes\n")]));
    assert!(!verdict(vec![comment("helper", "COLLABORATOR", "- [ ] QA pass\n")]));
    assert!(verdict(vec![comment(
        "owner",
        "OWNER",
        "- [x] QA pass\n- [ ] ~Load test~\n"
    )]));
    // Anyone may comment; without write access their boxes do not count.
    assert!(verdict(vec![
        comment("drive-by", "CONTRIBUTOR", "- [ ] Unrelated\n"),
        comment("stranger", "NONE", "- [ ] Also unrelated\n"),
    ]));
}

#[test]
fn task_completed_checker_action_default() {
    verdicts(
        "task-completed-checker-action",
        &[
            (
                "## Issue Type\n- [ ] Bug\n- [ ] Document\n- [x] Enhancement\n\n## Checklist\n- [x] I have read the CONTRIBUTING.md\n- [x] My changes generate no lint errors\n",
                0,
            ),
            (
                "## Issue Type\n- [x] Bug\n\n## Checklist\n- [ ] My changes generate no lint errors\n",
                1,
            ),
            ("", 0),
        ],
    );
}

#[test]
fn github_task_list_completed_default() {
    verdicts(
        "github-task-list-completed",
        &[
            (
                "- [x] Tests\n- [ ] POST-MERGE: deploy to production\n- [ ] Screenshots OPTIONAL\n- [ ] Changelog N/A\n",
                0,
            ),
            ("- [ ] Tests\n- [ ] POST-MERGE: deploy\n", 1),
            ("- [ ] post-merge: lower case is not skipped\n", 1),
            ("No tasks.\n", 0),
        ],
    );
}

#[test]
fn task_list_checker_default() {
    verdicts(
        "task-list-checker",
        &[
            (
                "- [x] tests\n- [ ] Storybook updated N/A, no new components\n- [ ] POST-MERGE: ramp the feature flag\n",
                0,
            ),
            ("- [ ] ~updated storybook~ N/A, no new components\n- [x] tests\n", 0),
            ("- [x] a\n    - [ ] even if they're nested\n", 1),
            ("> - [ ] or in a block quote\n", 1),
            ("| table |\n| --- |\n| - [ ] not a task in a table |\n", 0),
            ("", 0),
        ],
    );
}

#[test]
fn checkmate_default() {
    let marked = |checklist: [&str; 2], pick: [&str; 2]| {
        format!(
            "#### :heavy_check_mark: Checklist\n\n<!--Checkmate-->\n\n- [{}] Added or updated documentation\n- [{}] Tests\n\n\
             #### This checklist will not be validated\n\n- [ ] This is ignored\n\n\
             #### Oasis or Blur?\n\n<!--Checkmate select=1-->\n- [{}] Oasis\n- [{}] Blur\n",
            checklist[0], checklist[1], pick[0], pick[1]
        )
    };
    let cases = [
        (marked(["x", "x"], [" ", "x"]), 0),
        (marked(["x", " "], [" ", "x"]), 1),
        (marked(["x", "x"], ["x", "x"]), 1),
        (marked(["x", "x"], [" ", " "]), 1),
        (String::new(), 0),
    ];
    let cases: Vec<(&str, i32)> = cases.iter().map(|(b, c)| (b.as_str(), *c)).collect();
    verdicts("checkmate", &cases);
}

#[test]
fn the_migration_guide_includes_every_migration_policy_verbatim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("docs/migrating.md")).expect("docs/migrating.md");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root.join("examples/migrations"))
        .expect("dir")
        .flatten()
    {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).expect("read");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            readme.contains(&format!("```toml\n{text}```\n")),
            "docs/migrating.md does not include examples/migrations/{name} verbatim in a ```toml block"
        );
        names.push(name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "checkmate.toml",
            "github-task-list-completed.toml",
            "require-checklist-action.toml",
            "task-completed-checker-action.toml",
            "task-list-checker.toml"
        ]
    );
}
