//! BuildKit's own parser testfiles: every `Dockerfile` dumps to its `result` byte for byte,
//! and every negative case is an error.

mod common;

use std::fs;

fn read(path: &std::path::Path) -> String {
    String::from_utf8_lossy(&fs::read(path).unwrap()).into_owned()
}

#[test]
fn testfiles_dump_like_buildkit() {
    let Some(dir) = common::shared("corpus/buildkit-parser/testfiles") else {
        return;
    };
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 33,
        "expected BuildKit's 33 testfiles in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let src = read(&case.join("Dockerfile"));
        let expected = read(&case.join("result"));
        let parse = dfc::syntax::parse(&src);
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !parse.errors.is_empty() {
            failures.push(format!("{name}: unexpected errors {:?}", parse.errors));
            continue;
        }
        let got = dfc::syntax::dump::dump_file(&parse.file);
        if got != expected {
            failures.push(format!("{name}:\n--- expected\n{expected}--- got\n{got}"));
        }
    }
    println!(
        "{} of {} testfiles match",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn negative_testfiles_are_errors() {
    let Some(dir) = common::shared("corpus/buildkit-parser/testfiles-negative") else {
        return;
    };
    let mut n = 0;
    for case in fs::read_dir(&dir).unwrap() {
        let case = case.unwrap().path();
        let src = read(&case.join("Dockerfile"));
        let parse = dfc::parse(&src);
        assert!(parse.is_err(), "{} parsed without error", case.display());
        n += 1;
    }
    assert!(n >= 4);
}
