//! Throughput, linearity and peak memory of `checkgate list` and `checkgate
//! check` on generated checklists, against `cmark-gfm -e tasklist -t html`.
//!
//! A plain `harness = false` bench: it prints figures and asserts nothing
//! about time (a timing assertion on a shared two-core machine is a flaky
//! test). Run with
//!
//! ```sh
//! cargo bench --bench throughput                          # 1 MB and 10 MB
//! CHECKGATE_BENCH_100MB=1 cargo bench --bench throughput  # also 100 MB
//! ```
//!
//! The generated files look like the production-readiness seeds: a title,
//! numbered and emoji headings, nested items under bold parents, ordered
//! items, waivers, code fences and HTML comments full of fake items, tables
//! with boxes in their cells, links and emphasis. The binary is timed as a
//! subprocess (what a user waits for, including reading the file and writing
//! the report) and its peak RSS is read with GNU time; the library is
//! timed in process to show where the time goes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use checkgate::checklist;
use checkgate::engine::{self, EngineError, Loader};
use checkgate::eval::Context;
use checkgate::policy::{Policy, Source};

const MB: usize = 1 << 20;

/// The policy `check` runs: two exact sections, a minimum, an exact item, a
/// regex over every item and a warn-level section covering the bulk, so that
/// evaluation and reporting touch every item of the file.
const POLICY: &str = r#"
version = 1

[[checklist]]
path = "CHECKLIST.md"

[[checklist.require]]
section = "Go-Live Criteria > Must Have"
help = "Ask #oncall if an item is blocked."

[[checklist.require]]
section = "Security & Credentials"
min-checked = 2

[[checklist.require]]
item = "Rollback plan tested"

[[checklist.require]]
item-regex = "(?i)load test"
level = "warn"

[[checklist.require]]
section = "Appendix"
level = "warn"
"#;

/// A small deterministic generator (xorshift64*), so every run measures the
/// same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const WORDS: &[&str] = &[
    "verify",
    "rollback",
    "dashboard",
    "alerts",
    "configured",
    "for",
    "the",
    "service",
    "tested",
    "in",
    "staging",
    "latency",
    "p99",
    "budget",
    "documented",
    "runbook",
    "owner",
    "on-call",
    "secrets",
    "rotated",
    "backups",
    "restore",
    "drill",
    "capacity",
    "plan",
    "load",
    "test",
    "canary",
    "feature",
    "flag",
    "migration",
    "schema",
];
const DECOR: &[&str] = &["", "", "", "✅ ", "🔴 ", "ðŸ”´ ", "‚úÖ ", "1. ", "2.3 "];
const TOPICS: &[&str] = &[
    "Observability",
    "Data Integrity",
    "Deployment",
    "Security",
    "Performance",
    "Compliance",
    "Support",
    "Backups",
];

fn sentence(rng: &mut Rng, out: &mut String) {
    let n = 3 + rng.below(8);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let word = rng.pick(WORDS);
        // About as much inline markup as the seeds have (~3% of words).
        match rng.below(100) {
            0 | 1 => write!(out, "**{word}**"),
            2 | 3 => write!(out, "`{word}`"),
            4 => write!(out, "[{word}](https://example.com/{word})"),
            5 => write!(out, "_{word}_"),
            _ => write!(out, "{word}"),
        }
        .unwrap();
    }
}

fn item(rng: &mut Rng, out: &mut String, indent: &str) {
    let mark = if rng.below(3) == 0 { "x" } else { " " };
    write!(out, "{indent}- [{mark}] ").unwrap();
    if rng.below(40) == 0 {
        out.push_str("~~Soak test~~ N/A: no traffic yet");
    } else {
        sentence(rng, out);
    }
    out.push('\n');
}

/// One part of the appendix: a heading, then a random mix of the blocks real
/// checklists contain.
fn part(rng: &mut Rng, n: usize, out: &mut String) {
    writeln!(out, "### {}Part {n}: {}\n", rng.pick(DECOR), rng.pick(TOPICS)).unwrap();
    for _ in 0..2 + rng.below(4) {
        match rng.below(9) {
            0 => {
                sentence(rng, out);
                out.push_str(".\n\n");
            }
            1 => {
                out.push_str("```bash\n# example, not a task\n- [ ] fake item in a fence\n");
                writeln!(out, "kubectl rollout status deploy/svc-{n}\n```\n").unwrap();
            }
            2 => out.push_str("<!-- reviewers:\n- [ ] hidden item\n- [x] also hidden -->\n\n"),
            3 => {
                out.push_str("| Check | Owner | Done |\n|---|---|---|\n");
                for _ in 0..3 {
                    writeln!(out, "| {} | @team | - [ ] |", rng.pick(WORDS)).unwrap();
                }
                out.push('\n');
            }
            4 => {
                for i in 1..=3 + rng.below(4) {
                    write!(out, "{i}. [{}] ", if rng.below(2) == 0 { "x" } else { " " }).unwrap();
                    sentence(rng, out);
                    out.push('\n');
                }
                out.push('\n');
            }
            5 => {
                writeln!(out, "#### {}{}\n", rng.pick(DECOR), rng.pick(TOPICS)).unwrap();
            }
            _ => {
                writeln!(out, "- **{}**", rng.pick(TOPICS)).unwrap();
                for _ in 0..2 + rng.below(5) {
                    item(rng, out, "  ");
                    if rng.below(5) == 0 {
                        item(rng, out, "    ");
                    }
                }
                for _ in 0..rng.below(4) {
                    item(rng, out, "");
                }
                out.push('\n');
            }
        }
    }
}

/// A checklist of about `size` bytes.
fn checklist(size: usize) -> String {
    let mut out = String::with_capacity(size + 4096);
    out.push_str("# Production Readiness: payments-api\n\n");
    out.push_str("## 1. Security & Credentials ✅\n\n");
    out.push_str("- [x] Secrets in the vault\n- [x] Keys rotated\n- [ ] Pen test booked\n\n");
    out.push_str("## Go-Live Criteria\n\n### 🔴 Must Have\n\n");
    out.push_str("- [x] Rollback plan tested\n- [ ] On-call rota covers launch week\n- [x] Load test at 2× peak\n\n");
    out.push_str("## Appendix\n\n");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut n = 0;
    while out.len() < size {
        n += 1;
        part(&mut rng, n, &mut out);
    }
    out
}

struct Run {
    wall: Duration,
    /// Peak RSS in KiB, when GNU time is there to measure it.
    max_rss_kb: Option<i64>,
    code: Option<i32>,
}

/// Run a command to completion with stdout discarded; its wall time and peak
/// RSS. The RSS comes from GNU time (`/usr/bin/time -f %M`), not from our
/// own `wait4`: Linux carries a process's RSS high-water mark across `exec`,
/// so a child spawned from this (large) bench process would report the
/// bench's own footprint.
fn run(program: &Path, args: &[&str]) -> Run {
    let time = Path::new("/usr/bin/time");
    let rss_file = tempfile::NamedTempFile::new().expect("temp file");
    let mut cmd = if time.is_file() {
        let mut c = Command::new(time);
        c.arg("-f").arg("%M").arg("-o").arg(rss_file.path()).arg(program);
        c
    } else {
        Command::new(program)
    };
    let started = Instant::now();
    let status = cmd
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let wall = started.elapsed();
    let max_rss_kb = std::fs::read_to_string(rss_file.path())
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    Run {
        wall,
        max_rss_kb,
        code: status.code(),
    }
}

/// Fastest of `n` runs (the least disturbed by the other users of the
/// machine), with the largest RSS seen.
fn best_of(n: usize, program: &Path, args: &[&str]) -> Run {
    let mut best = run(program, args);
    for _ in 1..n {
        let r = run(program, args);
        best.max_rss_kb = best.max_rss_kb.max(r.max_rss_kb);
        if r.wall < best.wall {
            best.wall = r.wall;
        }
    }
    best
}

fn best_in_process(n: usize, mut work: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            work();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn rss(kb: Option<i64>) -> String {
    kb.map_or("n/a (no /usr/bin/time)".to_string(), |kb| {
        format!("{:>6.1} MB", kb as f64 / 1024.0)
    })
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / MB as f64 / d.as_secs_f64()
}

struct OneFile<'a>(&'a str);

impl Loader for OneFile<'_> {
    fn head(&self, _source: &Source) -> Result<Option<String>, EngineError> {
        Ok(Some(self.0.to_string()))
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

struct Figures {
    bytes: usize,
    check: Duration,
}

fn measure(dir: &Path, size_mb: usize, repeats: usize, cmark: Option<&Path>) -> Figures {
    let bin = Path::new(env!("CARGO_BIN_EXE_checkgate"));
    let md = checklist(size_mb * MB);
    let bytes = md.len();
    let file = dir.join(format!("CHECKLIST-{size_mb}MB.md"));
    std::fs::write(&file, &md).expect("write checklist");
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, POLICY).expect("write policy");
    let max_bytes = (bytes * 2).to_string();
    let file_arg = file.to_str().expect("utf-8 temp path");
    let dir_arg = dir.to_str().expect("utf-8 temp path");
    let policy_arg = policy_path.to_str().expect("utf-8 temp path");

    let items = checklist::parse("CHECKLIST.md", &md).items.len();
    println!("\n== {size_mb} MB checklist: {bytes} bytes, {items} items");

    // In process: where the time goes.
    let events = best_in_process(repeats, || {
        let n = pulldown_cmark::Parser::new_ext(&md, checklist::parser_options()).count();
        std::hint::black_box(n);
    });
    let parse = best_in_process(repeats, || {
        std::hint::black_box(checklist::parse("CHECKLIST.md", &md));
    });
    let policy = Policy::parse("policy.toml", POLICY).expect("bench policy is valid");
    let evaluate = best_in_process(repeats, || {
        let report = engine::check(&policy, &OneFile(&md), &Context::default()).expect("check runs");
        std::hint::black_box(checkgate::report::text(&report));
    });
    println!(
        "  in process: pulldown-cmark events {:>7.1} MB/s | parse to items {:>7.1} MB/s | parse+evaluate+render {:>7.1} MB/s",
        mb_per_s(bytes, events),
        mb_per_s(bytes, parse),
        mb_per_s(bytes, evaluate)
    );

    // The binary, as a user runs it.
    let list = best_of(repeats, bin, &["list", "--max-bytes", &max_bytes, file_arg]);
    assert_eq!(list.code, Some(0), "checkgate list failed");
    let check = best_of(
        repeats,
        bin,
        &[
            "check",
            "--policy",
            policy_arg,
            "--root",
            dir_arg,
            "--max-bytes",
            &max_bytes,
            file_arg,
        ],
    );
    assert_eq!(
        check.code,
        Some(1),
        "checkgate check should fail the gate (open Must Have item)"
    );
    let rss_budget_kb = (3 * bytes / 1024 + 20 * 1024) as i64;
    for (name, r) in [("list ", &list), ("check", &check)] {
        println!(
            "  checkgate {name}: {:>8.1} ms  {:>7.1} MB/s  peak RSS {} (budget 3×input+20 MB = {:.1} MB: {})",
            r.wall.as_secs_f64() * 1e3,
            mb_per_s(bytes, r.wall),
            rss(r.max_rss_kb),
            rss_budget_kb as f64 / 1024.0,
            match r.max_rss_kb {
                Some(kb) if kb < rss_budget_kb => "ok",
                Some(_) => "OVER",
                None => "not measured",
            }
        );
    }
    if let Some(cmark) = cmark {
        let c = best_of(repeats, cmark, &["-e", "tasklist", "-t", "html", file_arg]);
        println!(
            "  cmark-gfm -e tasklist -t html: {:>8.1} ms  {:>7.1} MB/s  peak RSS {}",
            c.wall.as_secs_f64() * 1e3,
            mb_per_s(bytes, c.wall),
            rss(c.max_rss_kb)
        );
        let ratio = c.wall.as_secs_f64() / check.wall.as_secs_f64();
        println!(
            "  check is {ratio:.2}× faster than cmark-gfm (target ≥ 3×: {})",
            if ratio >= 3.0 { "ok" } else { "MISSED" }
        );
    }
    Figures {
        bytes,
        check: check.wall,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it too, so
    // only do the work when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // CHECKGATE_BENCH_DIR keeps the generated files (the last size run) for
    // profiling or for timing other tools on them.
    let temp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("CHECKGATE_BENCH_DIR").map(PathBuf::from);
    if let Some(dir) = &kept {
        std::fs::create_dir_all(dir).expect("create CHECKGATE_BENCH_DIR");
    }
    let dir = kept.as_deref().unwrap_or(temp.path());
    let cmark = which("cmark-gfm");
    if cmark.is_none() {
        println!("cmark-gfm not found: skipping the comparison (apt-get install cmark-gfm)");
    }
    println!("checkgate throughput (best of several runs; stdout to /dev/null)");
    measure(dir, 1, 5, None);
    let ten = measure(dir, 10, 3, cmark.as_deref());
    if std::env::var_os("CHECKGATE_BENCH_100MB").is_some() {
        let hundred = measure(dir, 100, 1, None);
        let expected = ten.check.as_secs_f64() * hundred.bytes as f64 / ten.bytes as f64;
        let growth = hundred.check.as_secs_f64() / expected;
        println!(
            "\nlinearity: check of 100 MB took {growth:.2}× the 10 MB time scaled by size (target ≤ 1.2×: {})",
            if growth <= 1.2 { "ok" } else { "MISSED" }
        );
    } else {
        println!("\n(set CHECKGATE_BENCH_100MB=1 to add the 100 MB file and the linearity figure)");
    }
}
