//! Parse throughput over a set of Dockerfiles: `bench_parse [--rounds N] [--only WHAT] DIR...`,
//! where each DIR holds a `Dockerfile` (the layout of `../shared/fidelity/*/*`). Prints MB/s
//! for the line-level parser and for the full parse to the typed AST, and peak resident
//! memory. `--only line`, `--only full` or `--only none` runs just one of the two loops, or
//! neither (the cost of reading the files), which `tools/bench-parse` uses to count
//! instructions per byte under callgrind. Run by `tools/bench-parse`.

use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 20usize;
    let mut only: Option<String> = None;
    loop {
        match args.first().map(String::as_str) {
            Some("--rounds") if args.len() > 1 => {
                rounds = args[1].parse().unwrap_or(20);
                args.drain(..2);
            }
            Some("--only") if args.len() > 1 => {
                only = Some(args[1].clone());
                args.drain(..2);
            }
            _ => break,
        }
    }
    let (line, full) = match only.as_deref() {
        None => (true, true),
        Some("line") => (true, false),
        Some("full") => (false, true),
        Some("none") => (false, false),
        Some(other) => {
            eprintln!("bench_parse: --only takes line, full or none, not {other:?}");
            std::process::exit(2);
        }
    };
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
    println!("files            {}", files.len());
    println!("bytes            {bytes} (x{rounds} rounds)");

    if line {
        let t = Instant::now();
        let mut nodes = 0usize;
        for _ in 0..rounds {
            for f in &files {
                nodes += dfc::syntax::parse(f).file.nodes.len();
            }
        }
        let secs = t.elapsed().as_secs_f64();
        println!("instructions     {}", nodes / rounds);
        println!("line-level parse {:>8.1} MB/s", mb / secs);
    }
    if full {
        let t = Instant::now();
        let mut ok = 0usize;
        for _ in 0..rounds {
            for f in &files {
                ok += usize::from(dfc::parse(f).is_ok());
            }
        }
        let secs = t.elapsed().as_secs_f64();
        println!("parsed ok        {}", ok / rounds);
        println!("full parse (AST) {:>8.1} MB/s", mb / secs);
    }
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
