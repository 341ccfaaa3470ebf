//! Benchmark: synthesizing the platform in-process (the constructs and the YAML writer, without
//! the process start-up that `scripts/bench` times around `sds synth`).
//!
//! Run with `cargo bench -p sds-constructs --bench synth` (or `scripts/bench`). Reports the median,
//! min and max over many rounds.

use std::time::{Duration, Instant};

use sds_constructs::cfn::to_yaml;
use sds_constructs::platform::Platform;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rounds: usize = std::env::var("SDS_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
    let (mut build, mut write) = (Vec::new(), Vec::new());
    for round in 0..rounds + 20 {
        let start = Instant::now();
        let app = Platform::default().synth().expect("the platform synthesizes");
        let mid = Instant::now();
        let bytes: usize = app.templates.iter().map(|(_, t)| to_yaml(t).len()).sum();
        let end = Instant::now();
        std::hint::black_box(bytes);
        if round >= 20 {
            build.push(mid - start);
            write.push(end - mid);
        }
    }
    for (name, mut samples) in [("platform synth", build), ("platform to YAML", write)] {
        samples.sort();
        let (median, min, max) = (samples[samples.len() / 2], samples[0], samples[samples.len() - 1]);
        println!("{name:<28} median {:>9.3} ms   min {:>9.3} ms   max {:>9.3} ms", ms(median), ms(min), ms(max));
    }
}
