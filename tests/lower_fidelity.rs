//! Lowering fidelity: every case of `../shared/fidelity/{dev,buildkit}` compiled with
//! the fixture resolver (every image is the busybox fixture, as the references were
//! made), dumped as `dump-llb` JSON lines, and compared with `llb_diff.py --summary`;
//! image configs are compared with `image-config.json` as JSON values.
//!
//! The figures are printed. The asserted floors are the figures this branch reached,
//! so a change can only keep or raise them; the targets are higher.

mod common;

use std::path::Path;
use std::process::Command;

use dfc::lower::{compile, CompileOptions, LayoutResolver};

struct Figures {
    equal: usize,
    metadata_equal: usize,
    both_error: usize,
    cases: usize,
    config_equal: usize,
    config_cases: usize,
    /// Both fail and dfc's message is BuildKit's `error.txt` exactly.
    error_text_equal: usize,
}

fn run_set(shared: &Path, set: &str, out: &Path) -> Figures {
    let resolver = LayoutResolver::new(shared.join("fixtures/busybox-oci"));
    let dir = shared.join("fidelity").join(set);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut config_equal = 0;
    let mut config_cases = 0;
    let mut error_text_equal = 0;
    for name in &names {
        let case = dir.join(name);
        let text = std::fs::read(case.join("Dockerfile")).unwrap();
        let text = String::from_utf8_lossy(&text);
        let cand = out.join(set).join(name);
        std::fs::create_dir_all(&cand).unwrap();
        match compile(&text, &CompileOptions::default(), &resolver) {
            Ok(c) => {
                let jsonl = llb_schema::dump_json_lines(&c.definition).unwrap();
                std::fs::write(cand.join("candidate.jsonl"), jsonl).unwrap();
                if let Ok(want) = std::fs::read(case.join("image-config.json")) {
                    config_cases += 1;
                    let want: serde_json::Value = serde_json::from_slice(&want).unwrap();
                    let got: serde_json::Value = serde_json::to_value(&c.image).unwrap();
                    if want == got {
                        config_equal += 1;
                    } else if std::env::var_os("DFC_SHOW_CONFIG").is_some() {
                        eprintln!("config differs: {set}/{name}\n want {want}\n got  {got}");
                    }
                }
            }
            Err(e) => {
                let text = format!("{e}\n");
                match std::fs::read_to_string(case.join("error.txt")) {
                    Ok(want) if want == text => error_text_equal += 1,
                    Ok(want) if std::env::var_os("DFC_SHOW_DIFF").is_some() => {
                        eprintln!("error text differs: {set}/{name}\n want {want} got  {text}");
                    }
                    _ => {}
                }
                std::fs::write(cand.join("error.txt"), text).unwrap();
                if case.join("image-config.json").exists() {
                    config_cases += 1;
                }
            }
        }
    }
    let output = Command::new("python3")
        .arg(shared.join("tools/llb_diff.py"))
        .args(["--summary", "--list", "400"])
        .arg(shared.join("fidelity").join(set))
        .arg(out.join(set))
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    if std::env::var_os("DFC_SHOW_DIFF").is_some() {
        eprintln!("{text}");
    }
    let equal = summary_count(&text, "equal");
    let meta = Command::new("python3")
        .arg(shared.join("tools/llb_diff.py"))
        .args(["--summary", "--metadata"])
        .arg(shared.join("fidelity").join(set))
        .arg(out.join(set))
        .output()
        .expect("python3");
    let metadata_equal = summary_count(&String::from_utf8_lossy(&meta.stdout), "equal");
    let both_error = summary_count(&text, "both-error");
    println!(
        "{set}: {} cases, llb equal {equal}, with metadata {metadata_equal}, both-error {both_error} ({error_text_equal} with BuildKit's exact message), image config equal {config_equal}/{config_cases}",
        names.len()
    );
    println!("{}", text.lines().take(12).collect::<Vec<_>>().join("\n"));
    Figures {
        equal,
        metadata_equal,
        both_error,
        cases: names.len(),
        config_equal,
        config_cases,
        error_text_equal,
    }
}

fn summary_count(text: &str, key: &str) -> usize {
    text.lines()
        .find_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix(key)?.trim_start_matches(':').trim();
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

#[test]
fn lowering_matches_buildkit_references() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let out = std::env::temp_dir().join(format!("dfc-lower-fidelity-{}", std::process::id()));
    let dev = run_set(&shared, "dev", &out);
    let bk = run_set(&shared, "buildkit", &out);
    if std::env::var_os("DFC_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&out);
    } else {
        eprintln!("kept {}", out.display());
    }
    // Floors: the figures this branch has reached (dev: 545 cases, buildkit: 554); a
    // change may raise them, never lower them. The targets are percentages of
    // the reproducible cases and are asserted once the registry-backed run exists.
    assert!(dev.equal >= 544, "dev equal {} of {}", dev.equal, dev.cases);
    assert!(dev.both_error >= 1, "dev error case must error");
    assert!(
        dev.metadata_equal >= 544,
        "dev metadata equal {}",
        dev.metadata_equal
    );
    assert!(
        dev.config_equal >= 541,
        "dev config {}/{}",
        dev.config_equal,
        dev.config_cases
    );
    assert!(
        bk.equal >= 468,
        "buildkit equal {} of {}",
        bk.equal,
        bk.cases
    );
    assert!(bk.both_error >= 74, "buildkit both-error {}", bk.both_error);
    // The one message left differs by BuildKit's own randomness: buildkit/
    // go__dockerfile_platform__L182 suggests ADD or ARG for `AS` depending on Go's map
    // order (the LLB reference says ARG, the lint reference ADD).
    assert!(
        bk.error_text_equal >= 73,
        "buildkit exact error messages {}",
        bk.error_text_equal
    );
    assert!(dev.error_text_equal >= 1, "dev exact error messages");
    assert!(
        bk.metadata_equal >= 480,
        "buildkit metadata equal {}",
        bk.metadata_equal
    );
    assert!(
        bk.config_equal >= 477,
        "buildkit config {}/{}",
        bk.config_equal,
        bk.config_cases
    );
}

#[test]
fn compiling_twice_gives_identical_bytes() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let resolver = LayoutResolver::new(shared.join("fixtures/busybox-oci"));
    let dir = shared.join("fidelity/dev");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for case in names.iter().step_by(7) {
        let text =
            String::from_utf8_lossy(&std::fs::read(case.join("Dockerfile")).unwrap()).to_string();
        let a = compile(&text, &CompileOptions::default(), &resolver);
        let b = compile(&text, &CompileOptions::default(), &resolver);
        if let (Ok(a), Ok(b)) = (a, b) {
            assert_eq!(
                llb_schema::encode_definition(&a.definition_with_config()),
                llb_schema::encode_definition(&b.definition_with_config()),
                "{}",
                case.display()
            );
        }
    }
}
