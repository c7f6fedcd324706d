//! What one `checkgate action` run costs against GitHub: wall time,
//! requests and sequential round trips, on the typical pull request of issue
//! 17 (it changes the policy and its checklist file, its description is a
//! checklist with a repository template, one rule needs an approval, and
//! checkgate's comment already exists), against the local GitHub of
//! tests/support with a fixed delay added to every answer, as a network
//! round trip would add it.
//!
//! A plain `harness = false` bench: it prints figures and asserts nothing
//! about time (tests/graphql_transport.rs counts the requests and round
//! trips). Run with
//!
//! ```sh
//! cargo bench --bench round_trips
//! ```

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::time::{Duration, Instant};

use checkgate::action;
use checkgate::github::RetryPolicy;

/// Runs per latency; the median is printed.
const RUNS: usize = 5;

struct Figures {
    wall: Duration,
    rest: usize,
    graphql: usize,
    rounds: Option<usize>,
}

async fn once(latency: Duration) -> Figures {
    let gh = support::FakeGitHub::start().await;
    support::typical::set_up(&gh);
    if !latency.is_zero() {
        gh.set_latency(latency);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let env = support::action_env(
        &gh,
        dir.path(),
        "pull_request_target",
        &support::typical::payload(),
        support::typical::HEAD,
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let started = Instant::now();
    let exit = action::run_with(
        &support::action_args(),
        &env,
        RetryPolicy::default(),
        &mut out,
        &mut err,
    )
    .await;
    let wall = started.elapsed();
    assert_eq!(exit, checkgate::cli::Exit::Pass, "{}", String::from_utf8_lossy(&err));
    let lines = gh.request_lines();
    let graphql = lines.iter().filter(|l| l.starts_with("POST /graphql")).count();
    Figures {
        wall,
        rest: lines.len() - graphql,
        graphql,
        rounds: (!latency.is_zero()).then(|| gh.round_trips().len()),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("checkgate action on issue 17's typical pull request, local GitHub, median of {RUNS} runs");
    println!(
        "{:>16} {:>10} {:>14} {:>17} {:>12}",
        "added per answer", "wall", "REST requests", "GraphQL queries", "round trips"
    );
    for ms in [0, 100] {
        let latency = Duration::from_millis(ms);
        let mut runs: Vec<Figures> = (0..RUNS).map(|_| runtime.block_on(once(latency))).collect();
        runs.sort_by_key(|f| f.wall);
        let median = &runs[RUNS / 2];
        println!(
            "{:>13} ms {:>7} ms {:>14} {:>17} {:>12}",
            ms,
            median.wall.as_millis(),
            median.rest,
            median.graphql,
            median.rounds.map_or_else(|| "-".to_string(), |r| r.to_string())
        );
    }
}
