//! Compile latency over a set of Dockerfiles, in one process: `bench_compile [--rounds N]
//! LAYOUT DIR...`, where each DIR holds a `Dockerfile` and every image resolves from the
//! OCI layout LAYOUT (no network). Prints the median and p90 per-file compile time, the
//! total, and peak resident memory. Run by `tools/bench-compile`.

use std::time::Instant;

use dfc::lower::{compile, CompileOptions, LayoutResolver};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 5usize;
    if args.first().map(String::as_str) == Some("--rounds") && args.len() > 1 {
        rounds = args[1].parse().unwrap_or(5).max(1);
        args.drain(..2);
    }
    if args.len() < 2 {
        eprintln!("usage: bench_compile [--rounds N] LAYOUT DIR...");
        std::process::exit(2);
    }
    let resolver = LayoutResolver::new(&args[0]);
    let files: Vec<String> = args[1..]
        .iter()
        .filter_map(|d| std::fs::read(format!("{d}/Dockerfile")).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    let opts = CompileOptions::default();
    let mut per_file = Vec::with_capacity(files.len());
    let mut ok = 0usize;
    let start = Instant::now();
    for f in &files {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let r = compile(f, &opts, &resolver);
            times.push(t.elapsed().as_secs_f64());
            if r.is_ok() && times.len() == 1 {
                ok += 1;
            }
        }
        times.sort_by(f64::total_cmp);
        per_file.push(times[times.len() / 2]);
    }
    let total = start.elapsed().as_secs_f64();
    per_file.sort_by(f64::total_cmp);
    let at = |q: f64| {
        per_file
            .get(((per_file.len() as f64 - 1.0) * q) as usize)
            .copied()
    };
    println!(
        "files              {} ({ok} compiled, x{rounds} rounds)",
        files.len()
    );
    println!(
        "in-process median  {:>8.3} ms/file",
        at(0.5).unwrap_or(0.0) * 1e3
    );
    println!(
        "in-process p90     {:>8.3} ms/file",
        at(0.9).unwrap_or(0.0) * 1e3
    );
    println!("in-process total   {:>8.3} s", total);
    println!(
        "peak memory        {} KiB (VmHWM)",
        peak_kib().map_or("?".into(), |k| k.to_string())
    );
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
