//! Benchmark: the access analysis of the platform in-process (instantiation, graph, matrix,
//! invariants), for the sample 2 teams × 2 users and for 10 and 100 teams × 10 users (goal:
//! 100 teams × 10 users in 2 s or less; the 13-template platform's process wall is timed by
//! `scripts/bench`).
//!
//! Run with `cargo bench -p sds-constructs --bench access` (or `scripts/bench`). With more than
//! three teams (or users per team) the analysis launches three of three and carries the result
//! over by symmetry (`access::symmetry`): the counts printed are for every team. The analysis
//! of every team (`analyze_full`) is timed for 10 × 10 too; for 100 × 10 only with
//! `SDS_BENCH_LARGE=1`: on the reference platform every user reaches every other team's roles,
//! so it is quadratic in users (measured: 675 s, 2.9 million violations).

use std::time::{Duration, Instant};

use sds_constructs::access::{analyze_full, analyze_with, AccessConfig, Analysis, TeamSpec, DEFAULT_ROOT};
use sds_constructs::platform::Platform;

fn teams(n: usize, users: usize) -> Vec<TeamSpec> {
    (0..n)
        .map(|t| TeamSpec {
            name: format!("team-{t:03}"),
            env: "dev".into(),
            users: (0..users).map(|u| format!("user-{t:03}-{u:02}")).collect(),
            user_parameters: Vec::new(),
        })
        .collect()
}

fn main() {
    let app = Platform::default().synth().expect("the platform synthesizes");
    let config = |n, users| AccessConfig { teams: teams(n, users), denials: Vec::new() };
    type Analyze = fn(&[(String, sds_constructs::cfn::Template)], &str, &AccessConfig) -> Analysis;
    let (fast, full): (Analyze, Analyze) = (analyze_with, analyze_full);
    let cases = [
        ("2 teams × 2 users", AccessConfig::default(), 20, fast, false),
        ("10 teams × 10 users", config(10, 10), 5, fast, false),
        ("100 teams × 10 users", config(100, 10), 5, fast, false),
        ("1000 teams × 10 users", config(1000, 10), 1, fast, false),
        ("10 teams × 10 users, full", config(10, 10), 3, full, false),
        ("100 teams × 10 users, full", config(100, 10), 1, full, true),
    ];
    let large = std::env::var_os("SDS_BENCH_LARGE").is_some();
    for (name, config, rounds, analyze, only_large) in cases {
        if only_large && !large {
            println!("access analysis, {name:<28} skipped (set SDS_BENCH_LARGE=1)");
            continue;
        }
        let mut samples: Vec<Duration> = Vec::new();
        let mut size = (0, 0, 0);
        for _ in 0..rounds {
            let start = Instant::now();
            let a = analyze(&app.templates, DEFAULT_ROOT, &config);
            samples.push(start.elapsed());
            size = match &a.scale {
                Some(s) => (s.principals as usize, s.targets as usize, s.violations.iter().sum::<u64>() as usize),
                None => (a.graph.principals.len(), a.graph.targets.len(), a.violations.len()),
            };
        }
        samples.sort();
        let median = samples[samples.len() / 2];
        println!(
            "access analysis, {name:<28} median {:>10.1} ms over {rounds} ({} principals, {} resources, {} violations)",
            median.as_secs_f64() * 1000.0,
            size.0,
            size.1,
            size.2
        );
    }
}
