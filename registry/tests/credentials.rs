//! Credentials against a real `docker-registry` behind htpasswd Basic auth: real
//! `docker-credential-*` helper scripts on PATH (`credHelpers`, `credsStore`), `auths`
//! entries, refusals that name the cause, and a push whose blobs are then mounted into a
//! second repository. One test function: it sets PATH for the helpers.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use dfc_registry::{
    BlobPush, Client, ClientConfig, Credentials, Platform, Reference, RegistryError,
};

fn helper(bin: &Path, name: &str, log: &Path, body: &str) {
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nserver=$(cat)\necho \"$server\" >> {}\n{body}\n",
        log.display()
    );
    let p = bin.join(format!("docker-credential-{name}"));
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn client(config_json: &str) -> Client {
    Client::new(ClientConfig {
        credentials: Credentials::parse(config_json.as_bytes()).unwrap(),
        loopback_only: true,
        ..ClientConfig::default()
    })
}

fn calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn helpers_and_auths_against_a_registry_with_basic_auth() {
    let Some(binary) = support::binary() else {
        return;
    };
    let reg = support::LocalRegistry::start(&binary, &[("alice", "s3cret")]);
    let host = reg.addr.clone();
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = work.path().join("helper.log");
    let answer = |user: &str, secret: &str| {
        format!("printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{secret}\"}}' \"$server\"")
    };
    helper(&bin, "dfcgood", &log, &answer("alice", "s3cret"));
    helper(&bin, "dfcwrong", &log, &answer("alice", "nope"));
    helper(
        &bin,
        "dfcnone",
        &log,
        "echo 'credentials not found in native keychain'; exit 1",
    );
    helper(&bin, "dfcbroken", &log, "echo 'keyring locked' >&2; exit 1");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin.clone()];
    dirs.extend(std::env::split_paths(&path));
    std::env::set_var("PATH", std::env::join_paths(dirs).unwrap());

    let img = support::tiny_image(work.path(), b"layer bytes");
    let r = Reference::parse_normalized(&format!("{host}/team/app:1")).unwrap();

    // No credentials: refused, and the error says there were none.
    let e = client("{}")
        .push_blob(&r, &img.layer.0, &img.layer.1, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unauthorized") && e.contains("no credentials"),
        "{e}"
    );

    // A helper named for the host: asked once with the host, its answer used for the
    // whole push and the pull back.
    let good = client(&format!(r#"{{"credHelpers":{{"{host}":"dfcgood"}}}}"#));
    assert_eq!(
        good.push_blob(&r, &img.layer.0, &img.layer.1, None)
            .unwrap(),
        BlobPush::Uploaded
    );
    assert_eq!(
        good.push_blob(&r, &img.layer.0, &img.layer.1, None)
            .unwrap(),
        BlobPush::Existed
    );
    good.push_blob(&r, &img.config.0, &img.config.1, None)
        .unwrap();
    let digest = good
        .push_manifest(
            &r,
            "1",
            "application/vnd.oci.image.manifest.v1+json",
            &img.manifest,
        )
        .unwrap();
    assert_eq!(digest, dfc_registry::sha256_digest(&img.manifest));
    let resolved = good.resolve(&r, &Platform::linux_amd64()).unwrap();
    assert_eq!(resolved.digest, digest);
    assert_eq!(resolved.config_digest, img.config.0);
    let pulled = work.path().join("pulled");
    good.blob_to(&r, &img.layer.0, &pulled).unwrap();
    assert_eq!(std::fs::read(&pulled).unwrap(), b"layer bytes");
    assert_eq!(calls(&log), vec![host.clone()], "helper runs once per host");

    // Cross-repository mount into a second repository of the same registry.
    let other = Reference::parse_normalized(&format!("{host}/team/other:1")).unwrap();
    assert_eq!(
        good.push_blob(&other, &img.layer.0, &img.layer.1, Some("team/app"))
            .unwrap(),
        BlobPush::Mounted
    );

    // credsStore applies to every host; "not found" means no credentials.
    let e = client(r#"{"credsStore":"dfcnone"}"#)
        .resolve(&r, &Platform::linux_amd64())
        .unwrap_err();
    assert!(
        matches!(
            e,
            RegistryError::Endpoints {
                unauthorized: true,
                ..
            }
        ),
        "{e}"
    );
    // A helper with a wrong secret: refused.
    let e = client(r#"{"credsStore":"dfcwrong"}"#)
        .resolve(&r, &Platform::linux_amd64())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("pull access denied"), "{e}");
    // A failing helper: its own message, stopping the pull.
    let e = client(r#"{"credsStore":"dfcbroken"}"#)
        .resolve(&r, &Platform::linux_amd64())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("docker-credential-dfcbroken failed for") && e.contains("keyring locked"),
        "{e}"
    );
    // A helper for the host wins over an `auths` entry; without one, `auths` is used.
    let both = format!(
        r#"{{"credHelpers":{{"{host}":"dfcwrong"}},"auths":{{"{host}":{{"auth":"YWxpY2U6czNjcmV0"}}}}}}"#
    );
    assert!(client(&both).resolve(&r, &Platform::linux_amd64()).is_err());
    let auths = format!(r#"{{"auths":{{"http://{host}/v2/":{{"auth":"YWxpY2U6czNjcmV0"}}}}}}"#);
    assert_eq!(
        client(&auths)
            .resolve(&r, &Platform::linux_amd64())
            .unwrap()
            .digest,
        digest
    );
}
