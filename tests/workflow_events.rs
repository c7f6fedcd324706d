//! The README's workflows, read the way GitHub's runner reads them: which
//! events start the gate, which `concurrency` group each event's payload
//! lands in (evaluated over the real payloads in `../shared/corpus/events`,
//! as the runner evaluates `${{ }}`), which runs the job's `if:` lets
//! through, and the review arrangement: a trigger workflow with no
//! permissions on `pull_request_review`, and checkgate on its
//! `workflow_run`, judging the pull request fresh.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

/// The README's ```` ```yaml ```` block whose first line is `# <path>`.
fn readme_workflow(path: &str) -> serde_norway::Value {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README");
    let start = readme
        .find(&format!("```yaml\n# {path}\n"))
        .unwrap_or_else(|| panic!("README has no workflow {path}"));
    let body = &readme[start + "```yaml\n".len()..];
    let end = body.find("\n```").expect("closing fence");
    serde_norway::from_str(&body[..end]).expect("the workflow is YAML")
}

/// Evaluate one `${{ }}` expression over the `github` context: `a || b`,
/// `!x`, `startsWith(x, 'lit')`, `'literal'`, and property paths with
/// `[n]` indexing. Anything else panics, so the README cannot grow an
/// expression this stand-in would get wrong.
fn evaluate(expr: &str, github: &Value) -> Value {
    let expr = expr.trim();
    if let Some(parts) = split_top(expr, "||") {
        // GitHub's `||` yields the first truthy operand, else the last.
        let values: Vec<Value> = parts.iter().map(|p| evaluate(p, github)).collect();
        return values
            .iter()
            .find(|v| truthy(v))
            .cloned()
            .unwrap_or_else(|| values.last().cloned().unwrap_or(Value::Null));
    }
    if let Some(rest) = expr.strip_prefix('!') {
        return Value::Bool(!truthy(&evaluate(rest, github)));
    }
    if let Some(args) = expr.strip_prefix("startsWith(").and_then(|a| a.strip_suffix(')')) {
        let parts = split_top(args, ",").expect("startsWith(a, b)");
        let (text, prefix) = (evaluate(&parts[0], github), evaluate(&parts[1], github));
        // Both sides are cast to strings, case-insensitively; null is ''.
        let text = as_text(&text).to_lowercase();
        return Value::Bool(text.starts_with(&as_text(&prefix).to_lowercase()));
    }
    if let Some(literal) = expr.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
        return Value::String(literal.replace("''", "'"));
    }
    let path = expr
        .strip_prefix("github.")
        .unwrap_or_else(|| panic!("unsupported expression `{expr}`"));
    let mut at = github;
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.strip_suffix(']').and_then(|n| n.parse::<usize>().ok())),
            None => (segment, None),
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "unsupported expression `{expr}`"
        );
        at = &at[name];
        if let Some(i) = index {
            at = &at[i];
        }
    }
    at.clone()
}

/// `text` split at `sep` outside quotes and parentheses, when it occurs.
fn split_top(text: &str, sep: &str) -> Option<Vec<String>> {
    let (mut depth, mut quoted, mut parts, mut start) = (0, false, Vec::new(), 0);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && text[i..].starts_with(sep) => {
                parts.push(text[start..i].to_string());
                i += sep.len();
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (!parts.is_empty()).then(|| {
        parts.push(text[start..].to_string());
        parts
    })
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string with its `${{ }}` expressions replaced, as the runner does.
fn substitute(text: &str, github: &Value) -> String {
    let expression = regex::Regex::new(r"\$\{\{\s*(.*?)\s*\}\}").expect("regex");
    expression
        .replace_all(text, |c: &regex::Captures<'_>| as_text(&evaluate(&c[1], github)))
        .into_owned()
}

fn github_context(event_name: &str, payload: &Value) -> Value {
    json!({ "event_name": event_name, "event": payload, "run_id": "4242" })
}

/// Every corpus payload with the event it belongs to (from its file name).
fn corpus() -> Vec<(String, String, Value)> {
    let Some(shared) = support::shared() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(shared.join("corpus/events")).expect("events dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let Some(rest) = name.split("api.github.com__").nth(1) else {
            continue;
        };
        let event = rest.split("__").next().unwrap_or_default().to_string();
        let payload: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        out.push((name, event, payload));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_gate_listens_for_every_event_that_can_change_its_verdict() {
    let gate = readme_workflow(".github/workflows/checkgate.yml");
    let on = gate["on"].as_mapping().expect("on:");
    let events: BTreeSet<&str> = on.keys().filter_map(|k| k.as_str()).collect();
    assert_eq!(
        events,
        BTreeSet::from([
            "pull_request_target",
            "issue_comment",
            "workflow_run",
            "merge_group",
            // Evidence (issue 15): commits' check runs, statuses and deployments.
            "check_run",
            "status",
            "deployment_status",
        ])
    );
    let types = |event: &str| -> Vec<&str> {
        on.get(event)
            .and_then(|e| e["types"].as_sequence())
            .expect("types")
            .iter()
            .filter_map(|t| t.as_str())
            .collect()
    };
    assert_eq!(
        types("pull_request_target"),
        [
            "opened",
            "edited",
            "synchronize",
            "reopened",
            "ready_for_review",
            "converted_to_draft",
            "labeled",
            "unlabeled"
        ]
    );
    assert_eq!(types("issue_comment"), ["created", "edited", "deleted"]);
    assert_eq!(types("workflow_run"), ["completed"]);

    let trigger = readme_workflow(".github/workflows/checkgate-review.yml");
    let trigger_name = trigger["name"].as_str().expect("name");
    let watched: Vec<&str> = gate["on"]["workflow_run"]["workflows"]
        .as_sequence()
        .expect("workflows")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert_eq!(
        watched,
        [trigger_name, "CI"],
        "checkgate runs when the review trigger completes, and when CI does (evidence)"
    );
    let trigger_on: Vec<&str> = trigger["on"]
        .as_mapping()
        .expect("on")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(trigger_on, ["pull_request_review"]);
    assert_eq!(
        trigger["on"]["pull_request_review"]["types"],
        serde_norway::from_str::<serde_norway::Value>("[submitted, edited, dismissed]").unwrap()
    );
    // The trigger is the pull request's own file: it gets no permissions and
    // runs nothing that checkgate's verdict depends on.
    assert_eq!(trigger["permissions"], serde_norway::Value::Mapping(Default::default()));
    let text = serde_norway::to_string(&trigger).expect("yaml");
    assert!(
        !text.contains("uses:") && !text.contains("secrets") && !text.contains("${{"),
        "{text}"
    );

    let permissions = &gate["permissions"];
    assert_eq!(permissions["contents"].as_str(), Some("read"));
    assert_eq!(permissions["pull-requests"].as_str(), Some("write"));
    assert_eq!(permissions["checks"].as_str(), Some("write"));
    assert_eq!(
        gate["jobs"]["gate"]["concurrency"]["cancel-in-progress"].as_bool(),
        Some(true)
    );
}

#[test]
fn the_concurrency_group_is_the_pull_requests_number_for_each_events_payload() {
    let gate = readme_workflow(".github/workflows/checkgate.yml");
    let group = gate["jobs"]["gate"]["concurrency"]["group"].as_str().expect("group");
    let triggers: BTreeSet<String> = gate["on"]
        .as_mapping()
        .expect("on")
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let mut seen = BTreeSet::new();
    for (name, event, payload) in corpus() {
        // The gate's own events, and `pull_request_review`, whose trigger
        // run reaches the gate as `workflow_run` (below).
        let as_gate = match event.as_str() {
            "pull_request" => "pull_request_target",
            other => other,
        };
        if !triggers.contains(as_gate) {
            continue;
        }
        let evaluated = substitute(group, &github_context(as_gate, &payload));
        let expected = match as_gate {
            "pull_request_target" => format!("checkgate-{}", payload["pull_request"]["number"]),
            "issue_comment" => format!("checkgate-{}", payload["issue"]["number"]),
            "workflow_run" => match payload["workflow_run"]["pull_requests"]
                .as_array()
                .and_then(|p| p.first())
            {
                Some(pull) => format!("checkgate-{}", pull["number"]),
                // A fork's run lists no pull request: its commit stands in.
                None => format!("checkgate-{}", as_text(&payload["workflow_run"]["head_sha"])),
            },
            // Events that carry no pull request: their commit stands in.
            "check_run" => format!("checkgate-{}", as_text(&payload["check_run"]["head_sha"])),
            "status" => format!("checkgate-{}", as_text(&payload["sha"])),
            "deployment_status" => format!("checkgate-{}", as_text(&payload["deployment"]["sha"])),
            other => panic!("{name}: no expectation for {other}"),
        };
        assert_eq!(evaluated, expected, "{name}");
        seen.insert(as_gate.to_string());
    }
    if support::shared().is_some() {
        assert_eq!(
            seen,
            BTreeSet::from(
                [
                    "pull_request_target",
                    "issue_comment",
                    "workflow_run",
                    "check_run",
                    "status",
                    "deployment_status"
                ]
                .map(String::from)
            )
        );
    }
    // Every activity type of one pull request shares the group: a burst of
    // ticks (`edited`), a label and a push cancel each other.
    for action in ["opened", "edited", "synchronize", "labeled", "ready_for_review"] {
        let payload = json!({"action": action, "pull_request": {"number": 7}});
        assert_eq!(
            substitute(group, &github_context("pull_request_target", &payload)),
            "checkgate-7"
        );
    }
    // A comment on pull request 7 lands with its `pull_request_target` runs.
    let comment = json!({"issue": {"number": 7, "pull_request": {}}, "comment": {"body": "hi"}});
    assert_eq!(
        substitute(group, &github_context("issue_comment", &comment)),
        "checkgate-7"
    );
    let group_run = json!({"merge_group": {"head_sha": "abc123"}});
    assert_eq!(
        substitute(group, &github_context("merge_group", &group_run)),
        "checkgate-abc123"
    );
}

#[test]
fn checkgates_own_comment_starts_no_run_so_it_cannot_cancel_the_one_that_posted_it() {
    let gate = readme_workflow(".github/workflows/checkgate.yml");
    let condition = gate["jobs"]["gate"]["if"].as_str().expect("if");
    let runs = |event: &str, payload: Value| {
        let inner = condition
            .trim()
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .expect("an expression");
        truthy(&evaluate(inner, &github_context(event, &payload)))
    };
    let own = format!(
        "{}\n<!-- checkgate:head abc -->\n## checkgate: 1 open item",
        checkgate::github::MARKER
    );
    assert!(!runs("issue_comment", json!({"comment": {"body": own}})));
    assert!(runs(
        "issue_comment",
        json!({"comment": {"body": "- [x] Docs updated"}})
    ));
    assert!(runs("pull_request_target", json!({"pull_request": {"number": 7}})));
    assert!(runs("workflow_run", json!({"workflow_run": {"head_sha": "abc"}})));
}

#[test]
fn the_stand_in_expression_evaluator_follows_githubs_rules() {
    let github = json!({"event": {"a": null, "b": "", "c": 0, "d": "x", "list": [{"n": 3}]}, "run_id": "9"});
    assert_eq!(evaluate("github.event.a || github.event.d", &github), json!("x"));
    // Falsy all the way: the last operand.
    assert_eq!(evaluate("github.event.a || github.event.b", &github), json!(""));
    assert_eq!(evaluate("github.event.c || github.run_id", &github), json!("9"));
    assert_eq!(evaluate("github.event.list[0].n", &github), json!(3));
    assert_eq!(evaluate("github.event.list[1].n", &github), Value::Null);
    assert_eq!(evaluate("!startsWith(github.event.a, 'x')", &github), json!(true));
    assert_eq!(evaluate("startsWith(github.event.d, 'X')", &github), json!(true));
}

/// The review arrangement, run through: a review arrives on a fork's pull
/// request; the trigger workflow (no permissions, no steps that matter)
/// completes; GitHub sends the gate `workflow_run` with no pull request
/// listed (a fork's), which the README's group keys by the commit; checkgate
/// finds the pull request from that commit, reads the reviews fresh, and
/// posts on its head. An approval turns the gate green and a dismissal red;
/// without the trigger's run (deleted in the pull request) nothing is
/// judged and the failing check run stands.
#[tokio::test]
async fn a_review_reaches_the_gate_through_the_trigger_workflow_for_a_fork() {
    let Some(path) = support::event(
        "octokit__webhooks__payload-examples__api.github.com__pull_request_review__submitted.payload.json",
    ) else {
        return;
    };
    let review: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    let number = review["pull_request"]["number"].as_u64().expect("number");
    let head = as_text(&review["pull_request"]["head"]["sha"]);
    let base = as_text(&review["pull_request"]["base"]["sha"]);

    let gh = support::FakeGitHub::start().await;
    let policy = "[[checklist]]\npath = \"READY.md\"\n[[checklist.require]]\nall = true\napproved-by = [\"alice\"]\n";
    for git_ref in [base.as_str(), "master"] {
        gh.put_file(git_ref, ".github/checkgate.toml", policy);
        gh.put_file(git_ref, "READY.md", "- [x] Done\n");
    }
    gh.put_file(&head, "READY.md", "- [x] Done\n");
    let mut pull = support::Pull::new(number, &head, &base);
    pull.base_ref = "master".into();
    pull.head_ref = "contributor:patch-1".into();
    gh.set_pull(pull);

    let gate = readme_workflow(".github/workflows/checkgate.yml");
    let trigger = readme_workflow(".github/workflows/checkgate-review.yml");
    let completed = json!({
        "action": "completed",
        "workflow_run": {
            "name": trigger["name"].as_str().expect("name"),
            "event": "pull_request_review",
            "head_sha": head,
            "pull_requests": [],
        },
    });
    let group = gate["jobs"]["gate"]["concurrency"]["group"].as_str().expect("group");
    assert_eq!(
        substitute(group, &github_context("workflow_run", &completed)),
        format!("checkgate-{head}")
    );

    let gate_run = |payload: Value| {
        let gh = &gh;
        async move {
            let dir = tempfile::tempdir().expect("temp dir");
            let env = support::action_env(gh, dir.path(), "workflow_run", &payload, "f00d");
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let retry = checkgate::github::RetryPolicy {
                time_scale: 0.0,
                ..Default::default()
            };
            checkgate::action::run_with(&support::action_args(), &env, retry, &mut out, &mut err).await
        }
    };
    let last = |gh: &support::FakeGitHub| {
        let s = gh.state();
        let run = s.check_runs.last().expect("a check run");
        (as_text(&run.created["head_sha"]), as_text(&run.created["conclusion"]))
    };
    use checkgate::cli::Exit;
    assert_eq!(gate_run(completed.clone()).await, Exit::Fail);
    assert_eq!(last(&gh), (head.clone(), "failure".to_string()));

    // The pull request deletes the trigger, then alice approves: no run, so
    // nothing changes; the gate is still failing.
    gh.add_review("alice", "APPROVED", &head);
    assert_eq!(gh.state().check_runs.len(), 1);
    assert_eq!(last(&gh), (head.clone(), "failure".to_string()));

    // With the trigger in place, its completion judges the approval.
    assert_eq!(gate_run(completed.clone()).await, Exit::Pass);
    assert_eq!(last(&gh), (head.clone(), "success".to_string()));
    gh.state().reviews[0].state = "DISMISSED".into();
    assert_eq!(gate_run(completed).await, Exit::Fail);
    assert_eq!(last(&gh), (head, "failure".to_string()));
    gh.assert_valid();
}
