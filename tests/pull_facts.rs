//! What GitHub says about a pull request beyond its text: the author and
//! their kind, the draft flag, the branches, and who applied each label
//! (the newest `labeled` event per label, however far back in the timeline).
//! Read through the local GitHub's GraphQL endpoint.

mod support;

use checkgate::facts::{Account, AccountKind, AppliedLabel};
use checkgate::github::{self, Client, Repo, RetryPolicy};
use support::{FakeGitHub, OWNER, Pull, REPO, TOKEN};

const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE: &str = "b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4";

fn client(gh: &FakeGitHub) -> Client<github::Octocrab> {
    Client::new(
        github::Octocrab::new(&gh.uri(), Some(TOKEN)).expect("client"),
        Repo::parse(&format!("{OWNER}/{REPO}")).expect("repo"),
        RetryPolicy {
            time_scale: 0.0,
            ..RetryPolicy::default()
        },
        Some(TOKEN.to_string()),
    )
}

fn label(name: &str, by: Option<&str>) -> AppliedLabel {
    AppliedLabel {
        name: name.to_string(),
        applied_by: by.map(str::to_string),
    }
}

#[tokio::test]
async fn the_author_draft_branches_and_label_appliers_come_from_one_query() {
    let gh = FakeGitHub::start().await;
    let mut pull = Pull::new(42, HEAD, BASE);
    pull.author = "dependabot[bot]".into();
    pull.draft = true;
    pull.head_ref = "dependabot/cargo/serde-1.0.200".into();
    pull.base_ref = "release/1.x".into();
    gh.set_pull(pull);
    gh.add_label("no-checklist", "alice");
    gh.add_label("dependencies", "dependabot[bot]");
    // Re-applied later by someone else: the newest event is the one that counts.
    gh.remove_label("no-checklist");
    gh.add_label("no-checklist", "mallory");

    let snapshot = client(&gh)
        .read_pull(42, ".github/checkgate.toml", ".github/checkgate.toml", "checkgate")
        .await
        .expect("read");
    let facts = snapshot.facts;
    assert_eq!(
        facts.author,
        Some(Account {
            login: "dependabot[bot]".into(),
            kind: AccountKind::Bot
        })
    );
    assert!(facts.draft);
    assert_eq!(facts.base_branch, "release/1.x");
    assert_eq!(facts.head_branch, "dependabot/cargo/serde-1.0.200");
    assert_eq!(
        facts.labels,
        [
            label("dependencies", Some("dependabot[bot]")),
            label("no-checklist", Some("mallory")),
        ]
    );
    assert_eq!(gh.requests().len(), 1, "{:?}", gh.request_lines());
    gh.assert_valid();
}

#[tokio::test]
async fn a_label_applied_before_the_newest_hundred_events_is_found_on_an_older_page() {
    let gh = FakeGitHub::start().await;
    gh.set_pull(Pull::new(42, HEAD, BASE));
    gh.add_label("no-checklist", "alice");
    // 250 later label events push alice's off the first two pages.
    for i in 0..250 {
        gh.add_label(&format!("noise-{}", i % 3), &format!("bot{i}"));
    }
    // A deleted account applied this one: no actor, so no `labeled-by` matches.
    gh.update_pull(|p| {
        p.labels.push("ghosted".into());
        p.label_events.push(("ghosted".into(), None));
    });
    let facts = client(&gh)
        .read_pull(42, ".github/checkgate.toml", ".github/checkgate.toml", "checkgate")
        .await
        .expect("read")
        .facts;
    assert_eq!(facts.label("No-Checklist"), Some(&label("no-checklist", Some("alice"))));
    assert_eq!(facts.label("noise-0"), Some(&label("noise-0", Some("bot249"))));
    assert_eq!(facts.label("ghosted"), Some(&label("ghosted", None)));
    // Round one plus the two older pages it took to reach alice's event.
    assert_eq!(gh.requests().len(), 3, "{:?}", gh.request_lines());
    gh.assert_valid();
}
