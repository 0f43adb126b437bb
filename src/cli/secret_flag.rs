//! `--secret` of `dfc build` and `dfc run`, as buildx and buildctl read it: CSV fields
//! `id=ID`, `src=PATH` (or `source=`), `env=VAR`, `type=file|env` (keys are
//! case-insensitive). `type=env` takes the variable name from `src=` when `env=` is
//! absent; with neither `src=` nor `env=` the secret is the environment variable `ID`
//! when it is set, else the file `ID` (BuildKit's `secretsprovider.NewStore`); when both
//! are given the variable wins. Every secret is read here, before anything runs, into a
//! [`SecretMap`] for the runner.
//!
//! Unlike buildctl, a named variable that is not set is an error (buildctl serves it
//! as an empty secret, which hides a typo). Errors quote the flag's value (ids, paths
//! and variable names, never a secret's content) and say how to fix it.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use runner::secrets::{SecretBytes, SecretMap, MAX_SECRET_SIZE};

use crate::ast::csv;

/// Where one secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    File(String),
    Env(String),
    /// `id=ID` alone: the variable `ID` if set, else the file `ID`.
    IdDefault,
}

/// One parsed `--secret` value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    id: String,
    source: Source,
}

fn parse(spec: &str) -> Result<Spec, String> {
    let bad = |why: String| format!("--secret {spec:?}: {why}");
    let fields = csv::fields(spec).map_err(|e| {
        bad(format!(
            "not a CSV list of key=value ({e}); write id=ID,src=FILE or id=ID,env=VAR"
        ))
    })?;
    let (mut id, mut src, mut env, mut typ) = (None, None, None, None);
    for f in fields {
        let Some((key, value)) = f.text.split_once('=') else {
            return Err(bad(format!(
                "field {:?} must be a key=value pair; write id=ID,src=FILE or id=ID,env=VAR",
                f.text
            )));
        };
        match key.to_ascii_lowercase().as_str() {
            "id" => id = Some(value.to_string()),
            "src" | "source" => src = Some(value.to_string()),
            "env" => env = Some(value.to_string()),
            "type" if value == "file" || value == "env" => typ = Some(value.to_string()),
            "type" => {
                return Err(bad(format!(
                    "unsupported secret type {value:?}; use type=file or type=env"
                )))
            }
            _ => {
                return Err(bad(format!(
                    "unknown key {key:?}; the keys are id, src (or source), env and type"
                )))
            }
        }
    }
    let id = match id {
        Some(id) if !id.is_empty() => id,
        _ => {
            return Err(bad(
                "no id; add id=ID (the id RUN --mount=type=secret,id=ID names)".into(),
            ))
        }
    };
    let (mut src, mut env) = (src.filter(|s| !s.is_empty()), env.filter(|s| !s.is_empty()));
    if typ.as_deref() == Some("env") && env.is_none() {
        env = src.take();
    }
    let source = match (env, src) {
        (Some(v), _) => Source::Env(v),
        (None, Some(p)) => Source::File(p),
        (None, None) => Source::IdDefault,
    };
    Ok(Spec { id, source })
}

fn read_file(spec: &str, path: &str) -> Result<SecretBytes, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("--secret {spec:?}: cannot read {path}: {e}; give a readable file"))?;
    if !meta.is_file() {
        return Err(format!("--secret {spec:?}: {path} is not a regular file"));
    }
    if meta.len() > MAX_SECRET_SIZE as u64 {
        return Err(too_big(spec, meta.len()));
    }
    let data = std::fs::read(path)
        .map_err(|e| format!("--secret {spec:?}: cannot read {path}: {e}; give a readable file"))?;
    Ok(SecretBytes::new(data))
}

fn too_big(spec: &str, len: u64) -> String {
    format!("--secret {spec:?}: the secret is {len} bytes; secrets are limited to {MAX_SECRET_SIZE} bytes (500 KiB), as in BuildKit")
}

fn env_bytes(value: OsString) -> SecretBytes {
    SecretBytes::new(value.into_vec())
}

/// Reads every `--secret` value (later ones replace earlier ones with the same id).
pub(crate) fn load(specs: &[String]) -> Result<SecretMap, String> {
    let mut map = SecretMap::new();
    for spec in specs {
        let Spec { id, source } = parse(spec)?;
        let value = match source {
            Source::Env(var) => match std::env::var_os(&var) {
                Some(v) => env_bytes(v),
                None => {
                    return Err(format!(
                        "--secret {spec:?}: environment variable {var} is not set; export it, or give the secret as src=FILE"
                    ))
                }
            },
            Source::File(path) => read_file(spec, &path)?,
            Source::IdDefault => match std::env::var_os(&id) {
                Some(v) => env_bytes(v),
                None if Path::new(&id).exists() => read_file(spec, &id)?,
                None => {
                    return Err(format!(
                        "--secret {spec:?}: no environment variable {id} and no file {id} in the current directory; pass --secret id={id},src=FILE or --secret id={id},env=VAR"
                    ))
                }
            },
        };
        if value.len() > MAX_SECRET_SIZE {
            return Err(too_big(spec, value.len() as u64));
        }
        map.insert(id, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, source: Source) -> Spec {
        Spec {
            id: id.into(),
            source,
        }
    }

    #[test]
    fn reads_the_keys_buildctl_reads() {
        assert_eq!(
            parse("id=a,src=/x").unwrap(),
            spec("a", Source::File("/x".into()))
        );
        assert_eq!(
            parse("ID=a,Source=/x,type=file").unwrap(),
            spec("a", Source::File("/x".into()))
        );
        assert_eq!(
            parse("id=a,env=V").unwrap(),
            spec("a", Source::Env("V".into()))
        );
        // type=env takes the variable from src=.
        assert_eq!(
            parse("type=env,id=a,src=V").unwrap(),
            spec("a", Source::Env("V".into()))
        );
        // env= wins over src=, as BuildKit's store reads it.
        assert_eq!(
            parse("id=a,src=/x,env=V").unwrap(),
            spec("a", Source::Env("V".into()))
        );
        assert_eq!(parse("id=a").unwrap(), spec("a", Source::IdDefault));
        assert_eq!(
            parse(r#""id=a,b",src=/x"#).unwrap(),
            spec("a,b", Source::File("/x".into()))
        );
    }

    #[test]
    fn bad_specs_name_the_value_and_the_fix() {
        for (s, want) in [
            ("src=/x", "no id"),
            ("id=", "no id"),
            ("id=a,path=/x", "unknown key \"path\""),
            ("id=a,type=ssh", "unsupported secret type \"ssh\""),
            ("id=a,oops", "field \"oops\" must be a key=value pair"),
            ("", "not a CSV list"),
        ] {
            let e = parse(s).unwrap_err();
            assert!(e.starts_with(&format!("--secret {s:?}: ")), "{e}");
            assert!(e.contains(want), "{s}: {e}");
        }
    }

    #[test]
    fn load_reads_files_and_refuses_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tok");
        std::fs::write(&f, b"s3cr3t-content").unwrap();
        let m = load(&[format!("id=tok,src={}", f.display())]).unwrap();
        use runner::SecretProvider;
        assert_eq!(m.get("tok").unwrap().expose(), b"s3cr3t-content");

        let missing = dir.path().join("nope");
        let e = load(&[format!("id=tok,src={}", missing.display())]).unwrap_err();
        assert!(e.contains("cannot read") && e.contains("nope"), "{e}");

        std::fs::write(&f, vec![b'x'; MAX_SECRET_SIZE + 1]).unwrap();
        let e = load(&[format!("id=tok,src={}", f.display())]).unwrap_err();
        assert!(e.contains("limited to"), "{e}");
        assert!(!e.contains("xxxx"), "{e}");

        let e = load(&["id=tok,env=DFC_TEST_SURELY_UNSET_VARIABLE".to_string()]).unwrap_err();
        assert!(
            e.contains("DFC_TEST_SURELY_UNSET_VARIABLE is not set"),
            "{e}"
        );
        let e = load(&["id=dfc-test-no-such-id".to_string()]).unwrap_err();
        assert!(
            e.contains("no environment variable dfc-test-no-such-id and no file"),
            "{e}"
        );
    }
}
