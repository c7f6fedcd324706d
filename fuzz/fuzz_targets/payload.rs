//! Webhook event payload bytes → the action's target → the PR body's items.
//! The action reads `GITHUB_EVENT_PATH`, whose text the pull request's author
//! partly writes (title, body, branch names), so every event name checkgate
//! knows is tried on every payload, and a pull request body is parsed as a
//! checklist exactly as the action does.
#![no_main]

use checkgate::action::{self, Target};
use checkgate::checklist;
use libfuzzer_sys::fuzz_target;

const EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "merge_group",
    "push",
    "workflow_dispatch",
    "issue_comment",
];

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for event in EVENTS {
        match action::parse_event(event, &payload) {
            Ok(Target::PullRequest { body, .. }) => {
                let _ = checklist::parse("pull request description", &body);
            }
            Ok(_) => {}
            Err(err) => {
                let _ = err.to_string();
            }
        }
    }
});
