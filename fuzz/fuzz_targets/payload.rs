//! Webhook event payload bytes → JSON. The action reads `GITHUB_EVENT_PATH`,
//! which carries text written by the pull request's author (title, body,
//! branch names). Until `src/action.rs` defines the payload struct this
//! target covers the JSON layer and the PR body on its way to the parser:
//! `pull_request.body` is parsed as a checklist exactly as the action does.
#![no_main]

use checkgate::checklist;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Some(body) = value.pointer("/pull_request/body").and_then(|b| b.as_str()) {
        let _ = checklist::parse("pull request description", body);
    }
    let _ = serde_json::to_string(&value);
});
