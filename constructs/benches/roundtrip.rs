//! Benchmark: read + write (YAML) of the 13 reference templates.
//!
//! Run with `cargo bench -p sds-constructs --bench roundtrip` (or `scripts/bench`). The reference
//! folder defaults to `../shared/reference/upstream/cloudformation` beside the repository;
//! `SDS_REFERENCE_DIR` overrides it. Reports the median, min and max of each phase over many rounds.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sds_constructs::cfn::{read_template, to_json, to_yaml, Format};

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], samples[0], samples[samples.len() - 1])
}

fn report(name: &str, samples: Vec<Duration>) {
    let (median, min, max) = stats(samples);
    println!("{name:<28} median {:>9.3} ms   min {:>9.3} ms   max {:>9.3} ms", ms(median), ms(min), ms(max));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let dir = std::env::var_os("SDS_REFERENCE_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/upstream/cloudformation")
    });
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("reference template");
            sources.push((path.file_name().expect("name").to_string_lossy().into_owned(), text));
        }
    }
    sources.sort();
    let bytes: usize = sources.iter().map(|(_, t)| t.len()).sum();
    println!("{} templates, {} bytes, from {}", sources.len(), bytes, dir.display());

    let rounds: usize = std::env::var("SDS_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
    let (mut read, mut write, mut both, mut json) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds + 20 {
        let start = Instant::now();
        let parsed: Vec<_> =
            sources.iter().map(|(n, t)| read_template(t, n, Format::Yaml).expect("reference reads")).collect();
        let mid = Instant::now();
        let out: usize = parsed.iter().map(|p| to_yaml(&p.template).len()).sum();
        let end = Instant::now();
        let json_bytes: usize = parsed.iter().map(|p| to_json(&p.template).len()).sum();
        let json_end = Instant::now();
        std::hint::black_box((out, json_bytes));
        if round >= 20 {
            read.push(mid - start);
            write.push(end - mid);
            both.push(end - start);
            json.push(json_end - end);
        }
    }
    println!("{rounds} rounds (after 20 warm-up rounds)");
    report("read 13 (YAML)", read);
    report("write 13 (YAML)", write);
    report("read + write 13 (YAML)", both);
    report("write 13 (JSON)", json);
}
