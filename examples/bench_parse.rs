//! Parse throughput over a set of Dockerfiles: `bench_parse [--rounds N] DIR...`, where each
//! DIR holds a `Dockerfile` (the layout of `../shared/fidelity/*/*`). Prints MB/s for the
//! line-level parser and for the full parse to the typed AST, and peak resident memory.
//! Run by `tools/bench-parse`.

use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 20usize;
    if args.first().map(String::as_str) == Some("--rounds") && args.len() > 1 {
        rounds = args[1].parse().unwrap_or(20);
        args.drain(..2);
    }
    let files: Vec<String> = args
        .iter()
        .filter_map(|d| std::fs::read(format!("{d}/Dockerfile")).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    if files.is_empty() {
        eprintln!("bench_parse: no Dockerfiles found in the given folders");
        std::process::exit(2);
    }
    let bytes: usize = files.iter().map(String::len).sum();
    let mb = (bytes * rounds) as f64 / 1e6;

    let t = Instant::now();
    let mut nodes = 0usize;
    for _ in 0..rounds {
        for f in &files {
            nodes += dfc::syntax::parse(f).file.nodes.len();
        }
    }
    let line_level = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut ok = 0usize;
    for _ in 0..rounds {
        for f in &files {
            ok += usize::from(dfc::parse(f).is_ok());
        }
    }
    let full = t.elapsed().as_secs_f64();

    println!("files            {}", files.len());
    println!("bytes            {bytes} (x{rounds} rounds)");
    println!("instructions     {}", nodes / rounds);
    println!("parsed ok        {}", ok / rounds);
    println!("line-level parse {:>8.1} MB/s", mb / line_level);
    println!("full parse (AST) {:>8.1} MB/s", mb / full);
    println!(
        "peak memory      {} KiB (VmHWM)",
        peak_kib().map_or("?".into(), |k| k.to_string())
    );
}

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
