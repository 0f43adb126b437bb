//! Snapshots of what users see: the JSON syntax tree of one fixture per construct
//! (`tests/fixtures/parse/`), and the rendered errors of bad Dockerfiles
//! (`tests/fixtures/parse-errors/`). Snapshots live in `snapshots/` at the repository root.

use std::path::{Path, PathBuf};

use dfc::cli::render::{render, Input};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn ast_of_each_construct() {
    let files = fixtures("parse");
    assert!(files.len() >= 10);
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        let tree = match dfc::parse(&text) {
            Ok(t) => t,
            Err(e) => panic!("{} does not parse: {e:?}", f.display()),
        };
        let json = serde_json::to_string_pretty(&tree).unwrap();
        settings().bind(|| insta::assert_snapshot!(format!("ast__{}", stem(&f)), json));
        let dump = dfc::syntax::dump::dump_file(&dfc::syntax::parse(&text).file);
        settings().bind(|| insta::assert_snapshot!(format!("dump__{}", stem(&f)), dump));
    }
}

#[test]
fn rendered_errors() {
    let files = fixtures("parse-errors");
    assert!(files.len() >= 8);
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        let Err(err) = dfc::parse(&text) else {
            panic!("{} parsed, but it is an error fixture", f.display());
        };
        let input = Input {
            name: format!("{}.Dockerfile", stem(&f)),
            text,
        };
        let shown: String = err
            .errors
            .into_iter()
            .map(|e| render(&input, e, false))
            .collect();
        settings().bind(|| insta::assert_snapshot!(format!("error__{}", stem(&f)), shown));
    }
}
