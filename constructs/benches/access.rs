//! Benchmark: the access analysis of the platform in-process (instantiation, graph, matrix,
//! invariants), for the sample 2 teams × 2 users and for 10 and 100 teams × 10 users (goal:
//! 100 teams × 10 users in 2 s or less; the 13-template platform's process wall is timed by
//! `scripts/bench`).
//!
//! Run with `cargo bench -p sds-constructs --bench access` (or `scripts/bench`). The 100-team case
//! runs only with `SDS_BENCH_LARGE=1`: on the reference platform every user reaches every other
//! team's roles, so the analysis is quadratic in users (measured: 675 s, 2.9 million violations).

use std::time::{Duration, Instant};

use sds_constructs::access::{analyze_with, AccessConfig, TeamSpec, DEFAULT_ROOT};
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
    let cases = [
        ("2 teams × 2 users", AccessConfig::default(), 20),
        ("10 teams × 10 users", AccessConfig { teams: teams(10, 10), denials: Vec::new() }, 5),
        ("100 teams × 10 users", AccessConfig { teams: teams(100, 10), denials: Vec::new() }, 1),
    ];
    let large = std::env::var_os("SDS_BENCH_LARGE").is_some();
    for (name, config, rounds) in cases {
        if config.teams.len() >= 100 && !large {
            println!("access analysis, {name:<22} skipped (set SDS_BENCH_LARGE=1)");
            continue;
        }
        let mut samples: Vec<Duration> = Vec::new();
        let mut size = (0, 0, 0);
        for _ in 0..rounds {
            let start = Instant::now();
            let a = analyze_with(&app.templates, DEFAULT_ROOT, &config);
            samples.push(start.elapsed());
            size = (a.graph.principals.len(), a.graph.targets.len(), a.violations.len());
        }
        samples.sort();
        let median = samples[samples.len() / 2];
        println!(
            "access analysis, {name:<22} median {:>10.1} ms over {rounds} ({} principals, {} resources, {} violations)",
            median.as_secs_f64() * 1000.0,
            size.0,
            size.1,
            size.2
        );
    }
}
