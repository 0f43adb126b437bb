//! `dfc du` and `dfc prune`: the runner's store under `--root`.

use std::path::PathBuf;

use clap::Args;
use runner::Store;

use super::{emit, Status};

#[derive(Debug, Args)]
pub struct DuArgs {
    /// The store directory (default as for `dfc run`).
    #[arg(long)]
    root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The store directory (default as for `dfc run`).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Keep this much (least recently used goes first): bytes, or with a
    /// suffix kb, mb, gb (powers of 1024). Without it, every snapshot and every
    /// cache mount (`RUN --mount=type=cache`) is removed; with it, cache mounts stay.
    #[arg(long, value_name = "SIZE")]
    keep_storage: Option<String>,
}

fn parse_size(s: &str) -> Option<u64> {
    let l = s.trim().to_ascii_lowercase();
    let (num, mul) = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1 << 30),
        ("m", 1 << 20),
        ("k", 1 << 10),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suf, m)| l.strip_suffix(suf).map(|n| (n.trim().to_string(), *m)))
    .unwrap_or((l.clone(), 1));
    num.parse::<f64>()
        .ok()
        .filter(|n| *n >= 0.0)
        .map(|n| (n * mul as f64) as u64)
}

pub fn du(args: DuArgs) -> Status {
    let root = args.root.unwrap_or_else(runner::store::default_root);
    let (usage, caches) =
        match Store::open(&root).and_then(|s| Ok((s.usage()?, s.cache_mount_usage()?))) {
            Ok(u) => u,
            Err(e) => {
                eprintln!("error: {e}");
                return Status::Failure;
            }
        };
    let mut text = format!("{:<71} {:>12} {:>8}\n", "SNAPSHOT", "SIZE", "RECORDS");
    for u in &usage {
        text.push_str(&format!(
            "{:<71} {:>12} {:>8}\n",
            u.id.to_string(),
            u.bytes,
            u.records
        ));
    }
    text.push_str(&format!(
        "total: {} bytes in {} snapshots\n",
        usage.iter().map(|u| u.bytes).sum::<u64>(),
        usage.len()
    ));
    if !caches.is_empty() {
        text.push_str(&cache_mount_table(&caches));
    }
    emit(&text)
}

/// The cache mounts' part of `dfc du`: id, seed, instances, size.
fn cache_mount_table(caches: &[runner::store::CacheMountUsage]) -> String {
    let mut text = format!(
        "\n{:<40} {:>9} {:>12}  FROM\n",
        "CACHE MOUNT", "INSTANCES", "SIZE"
    );
    for c in caches {
        text.push_str(&format!(
            "{:<40} {:>9} {:>12}  {}\n",
            c.id,
            c.instances,
            c.bytes,
            c.from.as_deref().unwrap_or("-")
        ));
    }
    text.push_str(&format!(
        "total: {} bytes in {} cache mounts\n",
        caches.iter().map(|c| c.bytes).sum::<u64>(),
        caches.len()
    ));
    text
}

pub fn prune(args: PruneArgs) -> Status {
    let keep = match args.keep_storage.as_deref().map(parse_size) {
        Some(None) => {
            eprintln!(
                "error: --keep-storage {:?}: expected a size such as 512mb",
                args.keep_storage.unwrap_or_default()
            );
            return Status::Failure;
        }
        Some(Some(n)) => Some(n),
        None => None,
    };
    let root = args.root.unwrap_or_else(runner::store::default_root);
    match Store::open_exclusive(&root).and_then(|s| s.prune(keep)) {
        Ok(r) => emit(&format!(
            "removed {} snapshots, {} cache records, {} bytes; {} cache mount instances, {} bytes\n",
            r.snapshots, r.records, r.bytes, r.cache_mounts, r.cache_mount_bytes
        )),
        Err(e) => {
            eprintln!("error: {e}");
            Status::Failure
        }
    }
}
