//! A local GitHub REST API for the action tests.
//!
//! One wiremock responder plays the part of GitHub for the endpoints checkgate
//! uses (issue comments and check runs), keeps their state, records every
//! request, and checks each one — method, path, query and JSON body — against
//! GitHub's published OpenAPI description in `../shared/corpus/openapi/`.
//! Tests can queue scripted replies (a 500, a rate limit) in front of the
//! normal behaviour.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const OWNER: &str = "Codertocat";
pub const REPO: &str = "Hello-World";
/// A recognisable fake token: tests assert it never shows up anywhere.
pub const TOKEN: &str = "ghs_FAKEtoken0123456789checkgateSECRET";
pub const BOT: &str = "github-actions[bot]";

/// `../shared`, when the shared data sits beside the repository.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: {} is absent", dir.display());
        None
    }
}

/// A real webhook payload from the shared corpus.
pub fn event(name: &str) -> Option<PathBuf> {
    let path = shared()?.join("corpus/events").join(name);
    if path.is_file() {
        Some(path)
    } else {
        println!("skipping: {} is absent", path.display());
        None
    }
}

#[derive(Debug, Clone)]
pub struct StoredComment {
    pub id: u64,
    pub body: String,
    pub login: String,
}

#[derive(Debug, Clone)]
pub struct StoredCheckRun {
    pub id: u64,
    pub created: Value,
    pub updates: Vec<Value>,
}

impl StoredCheckRun {
    /// Every annotation sent, in order, over the create and its updates.
    pub fn annotations(&self) -> Vec<Value> {
        std::iter::once(&self.created)
            .chain(&self.updates)
            .filter_map(|b| b.pointer("/output/annotations").and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect()
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query, e.g. `/repos/o/r/issues/1/comments?per_page=100&page=1`.
    pub target: String,
    pub body: Option<Value>,
    pub authorization: Option<String>,
}

impl Seen {
    /// `GET /path?query`: handy for comparing whole request lists.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// A reply queued in front of the normal behaviour for the first request
/// matching `method` and whose path ends with `path_suffix`.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub method: &'static str,
    pub path_suffix: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// Also perform the request (a write that succeeded although the reply says 5xx).
    pub apply: bool,
}

impl Scripted {
    pub fn new(method: &'static str, path_suffix: &str, status: u16, message: &str) -> Scripted {
        Scripted {
            method,
            path_suffix: path_suffix.to_string(),
            status,
            headers: Vec::new(),
            body: json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
            apply: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Scripted {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn applied(mut self) -> Scripted {
        self.apply = true;
        self
    }
}

#[derive(Debug, Default)]
pub struct State {
    pub comments: Vec<StoredComment>,
    pub check_runs: Vec<StoredCheckRun>,
    pub requests: Vec<Seen>,
    pub script: VecDeque<Scripted>,
    /// Requests that break GitHub's OpenAPI description.
    pub violations: Vec<String>,
    /// Writes answer 403 "Resource not accessible by integration".
    pub read_only: bool,
    /// When set, error bodies echo the Authorization header (a hostile proxy).
    pub echo_auth: bool,
    next_id: u64,
}

pub struct FakeGitHub {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        FakeGitHub { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("state lock")
    }

    /// Add a comment by `login` to pull request `number`.
    pub fn add_comment(&self, login: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push(StoredComment {
            id,
            body: body.to_string(),
            login: login.to_string(),
        });
        id
    }

    pub fn script(&self, reply: Scripted) {
        self.state().script.push_back(reply);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state().requests.clone()
    }

    pub fn request_lines(&self) -> Vec<String> {
        self.requests().iter().map(Seen::line).collect()
    }

    /// Comments carrying checkgate's marker.
    pub fn marked_comments(&self) -> Vec<StoredComment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.body.starts_with("<!-- checkgate -->"))
            .cloned()
            .collect()
    }

    /// Panics with every OpenAPI violation seen, if any.
    pub fn assert_valid(&self) {
        let s = self.state();
        assert!(
            s.violations.is_empty(),
            "requests break GitHub's OpenAPI description:\n{}",
            s.violations.join("\n")
        );
        for r in &s.requests {
            assert_eq!(
                r.authorization.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str()),
                "{}",
                r.line()
            );
        }
    }
}

struct Handler(Arc<Mutex<State>>);

fn reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_string(body.to_string())
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    reply(
        status,
        &json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
    )
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().expect("state lock");
        let method = request.method.to_string();
        let path = request.url.path().to_string();
        let target = match request.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let body: Option<Value> = if request.body.is_empty() {
            None
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(v) => Some(v),
                Err(e) => {
                    s.violations.push(format!("{method} {target}: body is not JSON: {e}"));
                    None
                }
            }
        };
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(api) = openapi() {
            let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
            s.violations.extend(api.check(&method, &path, &query, body.as_ref()));
        }
        s.requests.push(Seen {
            method: method.clone(),
            target: target.clone(),
            body: body.clone(),
            authorization: authorization.clone(),
        });

        let scripted = s
            .script
            .iter()
            .position(|r| r.method == method && path.ends_with(&r.path_suffix))
            .and_then(|i| s.script.remove(i));
        if let Some(r) = &scripted {
            if r.apply {
                let _ = route(&mut s, &method, &path, request, body.as_ref());
            }
            let mut body = r.body.clone();
            if s.echo_auth {
                body["message"] = json!(format!("bad credentials: {}", authorization.unwrap_or_default()));
            }
            let mut t = reply(r.status, &body);
            for (k, v) in &r.headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            return t;
        }
        route(&mut s, &method, &path, request, body.as_ref())
    }
}

fn route(s: &mut State, method: &str, path: &str, request: &Request, body: Option<&Value>) -> ResponseTemplate {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let repo_ok = segments.len() >= 3 && segments[0] == "repos" && segments[1] == OWNER && segments[2] == REPO;
    if !repo_ok {
        return error(404, "Not Found");
    }
    let writes = method != "GET";
    if writes && s.read_only {
        return error(403, "Resource not accessible by integration");
    }
    match (method, &segments[3..]) {
        ("GET", ["issues", _, "comments"]) => {
            let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
            let get = |k: &str| {
                query
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            };
            let per_page = get("per_page").unwrap_or(30).min(100);
            let page = get("page").unwrap_or(1).max(1);
            let pages = s.comments.len().div_ceil(per_page).max(1);
            let slice: Vec<Value> = s
                .comments
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(comment_json)
                .collect();
            let mut t = reply(200, &Value::Array(slice));
            if pages > 1 {
                let base = format!("https://api.github.com/repositories/1296269{path}?per_page={per_page}");
                let mut links = Vec::new();
                if page < pages {
                    links.push(format!("<{base}&page={}>; rel=\"next\"", page + 1));
                    links.push(format!("<{base}&page={pages}>; rel=\"last\""));
                }
                if page > 1 {
                    links.push(format!("<{base}&page=1>; rel=\"first\""));
                }
                if !links.is_empty() {
                    t = t.insert_header("link", links.join(", ").as_str());
                }
            }
            t
        }
        ("POST", ["issues", _, "comments"]) => {
            s.next_id += 1;
            let c = StoredComment {
                id: s.next_id,
                body: body_text(body),
                login: BOT.to_string(),
            };
            s.comments.push(c.clone());
            reply(201, &comment_json(&c))
        }
        ("PATCH", ["issues", "comments", id]) => {
            let Some(c) = s.comments.iter_mut().find(|c| c.id.to_string() == *id) else {
                return error(404, "Not Found");
            };
            if c.login != BOT {
                // The real API would allow an admin's token to do this; the
                // test server refuses so a test notices the attempt.
                return error(403, "test server: edited someone else's comment");
            }
            c.body = body_text(body);
            let c = c.clone();
            reply(200, &comment_json(&c))
        }
        ("POST", ["check-runs"]) => {
            s.next_id += 1;
            let id = s.next_id;
            let created = body.cloned().unwrap_or(Value::Null);
            s.check_runs.push(StoredCheckRun {
                id,
                created: created.clone(),
                updates: Vec::new(),
            });
            reply(
                201,
                &json!({ "id": id, "name": created["name"], "head_sha": created["head_sha"] }),
            )
        }
        ("PATCH", ["check-runs", id]) => {
            let Some(run) = s.check_runs.iter_mut().find(|r| r.id.to_string() == *id) else {
                return error(404, "Not Found");
            };
            run.updates.push(body.cloned().unwrap_or(Value::Null));
            reply(200, &json!({ "id": run.id }))
        }
        _ => error(404, "Not Found"),
    }
}

fn body_text(body: Option<&Value>) -> String {
    body.and_then(|b| b.get("body"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn comment_json(c: &StoredComment) -> Value {
    json!({
        "id": c.id,
        "node_id": "IC_x",
        "body": c.body,
        "user": { "login": c.login, "id": 41898282, "type": if c.login.ends_with("[bot]") { "Bot" } else { "User" } },
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    })
}

// ---------------------------------------------------------------------------
// OpenAPI checking: the JSON-schema subset GitHub's description uses for these
// endpoints (type/nullable, required, properties, additionalProperties, enum,
// items, maxItems, maxLength, oneOf, anyOf).

pub struct OpenApi {
    doc: Value,
}

/// The shared OpenAPI description, loaded once; `None` (with a message) when absent.
pub fn openapi() -> Option<&'static OpenApi> {
    static API: OnceLock<Option<OpenApi>> = OnceLock::new();
    API.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/openapi/github-subset.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(OpenApi {
                doc: serde_json::from_str(&text).expect("the OpenAPI description is JSON"),
            }),
            Err(_) => {
                println!("skipping OpenAPI validation: {} is absent", path.display());
                None
            }
        }
    })
    .as_ref()
}

impl OpenApi {
    /// Every way the request breaks the description.
    pub fn check(&self, method: &str, path: &str, query: &[(String, String)], body: Option<&Value>) -> Vec<String> {
        let at = format!("{method} {path}");
        let Some((template, params)) = self.match_path(path) else {
            return vec![format!("{at}: no such path in the description")];
        };
        let Some(op) = self.doc["paths"][template.as_str()].get(method.to_ascii_lowercase()) else {
            return vec![format!("{at}: {template} has no {method}")];
        };
        let mut problems = Vec::new();
        let declared = op["parameters"].as_array().cloned().unwrap_or_default();
        for (name, value) in params.iter().map(|(n, v)| (n.as_str(), v.as_str())) {
            match declared.iter().find(|p| p["name"] == name && p["in"] == "path") {
                Some(p) => scalar(
                    &p["schema"],
                    value,
                    &format!("{at}: path parameter {name}"),
                    &mut problems,
                ),
                None => problems.push(format!("{at}: undeclared path parameter {name}")),
            }
        }
        for (name, value) in query {
            match declared
                .iter()
                .find(|p| p["name"] == name.as_str() && p["in"] == "query")
            {
                Some(p) => scalar(
                    &p["schema"],
                    value,
                    &format!("{at}: query parameter {name}"),
                    &mut problems,
                ),
                None => problems.push(format!("{at}: undeclared query parameter {name}")),
            }
        }
        let schema = op.pointer("/requestBody/content/application~1json/schema");
        match (schema, body) {
            (Some(schema), Some(body)) => validate(schema, body, &format!("{at}: body"), &mut problems),
            (Some(_), None) if op["requestBody"]["required"] == true => {
                problems.push(format!("{at}: the request body is required"))
            }
            (None, Some(_)) => problems.push(format!("{at}: this operation takes no body")),
            _ => {}
        }
        problems
    }

    fn match_path(&self, path: &str) -> Option<(String, Vec<(String, String)>)> {
        let actual: Vec<&str> = path.split('/').collect();
        let paths = self.doc["paths"].as_object()?;
        paths.keys().find_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != actual.len() {
                return None;
            }
            let mut params = Vec::new();
            for (t, a) in parts.iter().zip(&actual) {
                match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    Some(name) if !a.is_empty() => params.push((name.to_string(), a.to_string())),
                    Some(_) => return None,
                    None if t == a => {}
                    None => return None,
                }
            }
            Some((template.clone(), params))
        })
    }
}

/// A path or query value against a scalar schema.
fn scalar(schema: &Value, value: &str, at: &str, problems: &mut Vec<String>) {
    let ok = match schema["type"].as_str() {
        Some("integer") => value.parse::<i64>().is_ok(),
        Some("boolean") => value == "true" || value == "false",
        _ => true,
    };
    if !ok {
        problems.push(format!("{at}: `{value}` is not a {}", schema["type"]));
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.iter().any(|v| v.as_str() == Some(value))
    {
        problems.push(format!("{at}: `{value}` is not one of {}", schema["enum"]));
    }
}

/// `value` against `schema`, appending a message per problem.
pub fn validate(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if value.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !ok {
            problems.push(format!("{at}: expected {t}, got {value}"));
            return;
        }
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {}", schema["enum"]));
    }
    if let (Some(max), Some(s)) = (schema["maxLength"].as_u64(), value.as_str()) {
        let len = s.encode_utf16().count() as u64;
        if len > max {
            problems.push(format!("{at}: {len} characters, more than maxLength {max}"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(max) = schema["maxItems"].as_u64()
            && items.len() as u64 > max
        {
            problems.push(format!("{at}: {} items, more than maxItems {max}", items.len()));
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                validate(&schema["items"], item, &format!("{at}[{i}]"), problems);
            }
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                problems.push(format!("{at}: missing required property {name}"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, v) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(s) => validate(s, v, &format!("{at}.{name}"), problems),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => problems.push(format!("{at}: unknown property {name}")),
                    s @ Value::Object(_) => validate(s, v, &format!("{at}.{name}"), problems),
                    _ => {}
                },
            }
        }
    }
    let passes = |s: &Value| {
        let mut p = Vec::new();
        validate(s, value, at, &mut p);
        p.is_empty()
    };
    if let Some(any) = schema["anyOf"].as_array()
        && !any.iter().any(passes)
    {
        problems.push(format!("{at}: matches none of anyOf"));
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let n = one.iter().filter(|s| passes(s)).count();
        if n != 1 {
            problems.push(format!("{at}: matches {n} of oneOf, not exactly one"));
        }
    }
}
