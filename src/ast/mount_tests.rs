//! Tests of `--mount` splitting (parse time) and resolution (lowering time).

use std::convert::Infallible;

use super::*;

fn spec(value: &str) -> Result<MountSpec, String> {
    // As if written `--mount=<value>` at offset 0 of the source.
    let raw = Spanned::new(value.to_string(), Span::new(8, 8 + value.len()));
    MountSpec::parse(raw, Span::new(0, 100)).map_err(|e| e.to_string())
}

fn resolve(value: &str) -> Result<Mount, String> {
    let spec = spec(value)?;
    let mut identity = |s: &str| Ok::<_, Infallible>(s.to_string());
    spec.resolve(&mut identity).map_err(|e| e.message)
}

fn resolved(value: &str) -> Mount {
    match resolve(value) {
        Ok(m) => m,
        Err(e) => panic!("{value:?}: {e}"),
    }
}

#[test]
fn fields_and_spans() -> Result<(), String> {
    let s = spec("type=cache,target=/root/.cache,ro")?;
    assert_eq!(s.fields.len(), 3);
    assert_eq!(s.fields[0].key.value, "type");
    assert_eq!(s.fields[0].key.span, Span::new(8, 12));
    assert_eq!(
        s.fields[0].value.as_ref().map(|v| v.span),
        Some(Span::new(13, 18))
    );
    assert_eq!(s.fields[1].span, Span::new(19, 38));
    assert_eq!(s.fields[2].value, None);
    assert_eq!(
        s.field("TARGET").map(|f| f.text.as_str()),
        Some("target=/root/.cache")
    );
    let s = spec("\"target=/a,b\",type=bind")?;
    assert_eq!(s.fields[0].text, "target=/a,b");
    assert_eq!(s.fields[0].key.span, s.fields[0].span);
    Ok(())
}

#[test]
fn parse_time_errors() {
    assert_eq!(
        spec("").err().as_deref(),
        Some("failed to parse csv mounts: EOF")
    );
    assert_eq!(
        spec("\"type=bind").err().as_deref(),
        Some("failed to parse csv mounts: parse error on line 1, column 2: extraneous or missing \" in quoted-field")
    );
    assert_eq!(
        spec("type=bind,from=${STAGE}").err().as_deref(),
        Some("'from' doesn't support variable expansion, define alias stage instead")
    );
    assert!(spec("from=abc$").is_ok());
    assert!(spec("source=$X,target=$Y").is_ok());
}

#[test]
fn defaults_per_type() {
    let m = resolved("target=/x");
    assert_eq!(m.kind, MountType::Bind);
    assert!(m.readonly);
    let m = resolved("type=cache,target=/x");
    assert!(!m.readonly);
    assert_eq!(m.cache_sharing, None);
    let m = resolved("type=tmpfs,target=/x,size=64m");
    assert!(!m.readonly);
    assert_eq!(m.size_limit, 64 << 20);
    let m = resolved("type=secret,id=tok");
    assert!(m.readonly);
    assert_eq!(m.cache_id, "tok");
    let m = resolved("type=ssh");
    assert!(m.readonly);
}

#[test]
fn every_field() {
    let m = resolved(
        "type=cache,from=builder,source=/src,dst=/dst,id=c1,sharing=LOCKED,mode=0755,uid=1000,gid=1001,rw=true",
    );
    assert_eq!(m.kind, MountType::Cache);
    assert_eq!(m.from, "builder");
    assert_eq!(m.source, "/src");
    assert_eq!(m.target, "/dst");
    assert_eq!(m.cache_id, "c1");
    assert_eq!(m.cache_sharing, Some(ShareMode::Locked));
    assert_eq!(m.mode, Some(0o755));
    assert_eq!(m.uid, Some(1000));
    assert_eq!(m.gid, Some(1001));
    assert!(!m.readonly);

    let m = resolved("type=secret,src=/s,destination=/d,required,env=TOKEN");
    assert!(m.required);
    assert_eq!(m.env.as_deref(), Some("TOKEN"));
    assert_eq!(m.target, "/d");
    let m = resolved("type=ssh,required=false,readonly=false");
    assert!(!m.required);
    assert!(!m.readonly);
    let m = resolved("TYPE=Bind,readwrite,target=/x");
    assert_eq!(m.kind, MountType::Bind);
    assert!(!m.readonly);
    let m = resolved("type=cache,ro,target=/x");
    assert!(m.readonly);
}

#[test]
fn resolution_errors_as_buildkit_words_them() {
    let cases = [
        (
            "typ=tmpfs",
            "unexpected key 'typ' in 'typ=tmpfs' (did you mean type?)",
        ),
        (
            "type=tmp",
            "unsupported mount type \"tmp\" (did you mean tmpfs?)",
        ),
        ("type=volume", "unsupported mount type \"volume\""),
        (
            "type=cache,sharing=share",
            "unsupported sharing value \"share\" (did you mean shared?)",
        ),
        (
            "target=/x,foo",
            "invalid field 'foo' must be a key=value pair",
        ),
        (
            "required,type=secret,id=a",
            "unexpected key 'required' for mount type 'bind'",
        ),
        (
            "type=cache,required=true",
            "unexpected key 'required' for mount type 'cache'",
        ),
        (
            "type=cache,size=1m",
            "unexpected key 'size' for mount type 'cache'",
        ),
        ("type=tmpfs,size=lots", "invalid value for size: lots"),
        ("ro=maybe", "invalid value for ro: maybe"),
        ("READWRITE=x", "invalid value for readwrite: x"),
        ("type=cache,mode=9", "invalid value 9 for mode"),
        ("type=cache,uid=-1", "invalid value -1 for uid"),
        ("type=cache,gid=x", "invalid value x for gid"),
        ("mode=0644", "mode not allowed for \"bind\" type mounts"),
        (
            "type=tmpfs,uid=1",
            "uid not allowed for \"tmpfs\" type mounts",
        ),
        ("gid=1", "gid not allowed for \"bind\" type mounts"),
        (
            "type=secret,from=x,id=a",
            "secret mount should not have a from",
        ),
        (
            "type=secret,id=a,sharing=shared",
            "secret mount should not define sharing",
        ),
        (
            "type=secret",
            "invalid secret mount. one of source, target required",
        ),
        (
            "type=secret,source=a,id=b",
            "both source and id can't be set",
        ),
        (
            "type=bind,sharing=private",
            "invalid cache sharing set for bind mount",
        ),
        ("Target=/x,Bogus=1", "unexpected key 'bogus' in 'Bogus=1'"),
    ];
    for (value, message) in cases {
        assert_eq!(resolve(value).err().as_deref(), Some(message), "{value}");
    }
}

#[test]
fn values_are_expanded_first() -> Result<(), String> {
    let s = spec("type=$T,target=${DIR}/cache,from=stage")?;
    let mut expand = |s: &str| -> Result<String, String> {
        Ok(s.replace("$T", "cache").replace("${DIR}", "/root"))
    };
    let m = s.resolve(&mut expand).map_err(|e| e.message)?;
    assert_eq!(m.kind, MountType::Cache);
    assert_eq!(m.target, "/root/cache");

    let mut failing = |_: &str| -> Result<String, String> { Err("bad substitution".into()) };
    let err = s.resolve(&mut failing).err();
    assert_eq!(
        err.as_ref().map(|e| e.message.as_str()),
        Some("bad substitution")
    );
    assert_eq!(err.map(|e| e.span), Some(Span::new(8, 15)));
    Ok(())
}
