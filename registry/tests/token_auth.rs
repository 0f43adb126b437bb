//! Bearer token auth end to end: a real `docker-registry` (distribution 2.8) configured
//! with `auth: token` trusts a self-signed certificate, and a small token server in this
//! test issues ES256 JWTs signed by that certificate's key (named in the `x5c` header).
//! Like Docker Hub, the token server checks Basic credentials on the token request,
//! grants pull and push to a known user, pull only to anonymous callers, and refuses a
//! wrong password. The busybox fixture is pushed and pulled back through
//! [`dfc_registry::Client`]; every token request is counted and logged.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use dfc_registry::{Client, ClientConfig, Credentials, Platform, Reference};

const SERVICE: &str = "dfc-test-registry";
const ISSUER: &str = "dfc-test-issuer";
const USER: (&str, &str) = ("alice", "s3cret");

/// One token request as the token server saw it: who asked (None: anonymous, or the
/// Basic user), the scope asked for, and the HTTP status answered.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TokenRequest {
    user: Option<String>,
    scope: String,
    status: u16,
}

/// The token server's signing material and its request log.
struct TokenServer {
    realm: String,
    cert_pem: String,
    log: Arc<Mutex<Vec<TokenRequest>>>,
}

impl TokenServer {
    fn start() -> TokenServer {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["dfc-token-signer".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let x5c = base64::engine::general_purpose::STANDARD.encode(cert.der());
        let signer =
            jsonwebtoken::EncodingKey::from_ec_pem(key.serialize_pem().as_bytes()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let realm = format!("http://{}/token", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&log);
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let entry = answer(stream, &signer, &x5c, n);
                if let Some(entry) = entry {
                    seen.lock().unwrap().push(entry);
                }
            }
        });
        TokenServer {
            realm,
            cert_pem: cert.pem(),
            log,
        }
    }

    fn requests(&self) -> Vec<TokenRequest> {
        self.log.lock().unwrap().clone()
    }
}

/// Answers one token request on `stream`; `None` when it was not one.
fn answer(
    stream: TcpStream,
    signer: &jsonwebtoken::EncodingKey,
    x5c: &str,
    n: usize,
) -> Option<TokenRequest> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_string();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let params = |name: &str| -> Vec<String> {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
            .collect()
    };
    // One `scope=` per repository; logged joined by spaces.
    let scopes = params("scope");
    let scope = scopes.join(" ");
    let user = authorization.as_deref().and_then(|a| {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.strip_prefix("Basic ")?)
            .ok()?;
        String::from_utf8(raw).ok()
    });
    let (status, body, who) = match user.as_deref().map(|u| u.split_once(':')) {
        Some(Some((u, p))) if (u, p) == USER => (200, None, Some(u.to_string())),
        Some(Some((u, _))) => (401, Some("wrong password"), Some(u.to_string())),
        Some(None) => (400, Some("malformed Basic credentials"), None),
        None => (200, None, None),
    };
    let mut out = stream;
    let (status, body) = if status != 200 {
        (
            status,
            format!(r#"{{"details":"{}"}}"#, body.unwrap_or_default()),
        )
    } else if params("service") != [SERVICE] {
        (400, r#"{"details":"unknown service"}"#.to_string())
    } else {
        // scope = repository:<name>:<actions>; anonymous callers get pull only.
        let mut access = Vec::new();
        for one in &scopes {
            let mut parts = one.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            let granted: Vec<&str> = actions
                .split(',')
                .filter(|a| who.is_some() || *a == "pull")
                .collect();
            access.push(serde_json::json!({"type": kind, "name": name, "actions": granted}));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = serde_json::json!({
            "iss": ISSUER,
            "sub": who.clone().unwrap_or_default(),
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": format!("token-{n}"),
            "access": access,
        });
        let header = jsonwebtoken::Header {
            alg: jsonwebtoken::Algorithm::ES256,
            x5c: Some(vec![x5c.to_string()]),
            ..jsonwebtoken::Header::default()
        };
        let token = jsonwebtoken::encode(&header, &claims, signer).unwrap();
        (200, serde_json::json!({ "token": token }).to_string())
    };
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = out.flush();
    Some(TokenRequest {
        user: who,
        scope,
        status,
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `../shared/fixtures/busybox-oci`, or `None` (skipping) unless `DFC_REQUIRE_SHARED=1`.
fn busybox() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/busybox-oci");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("DFC_REQUIRE_SHARED").as_deref() != Ok("1"),
        "{} is missing and DFC_REQUIRE_SHARED=1",
        dir.display()
    );
    eprintln!("skipping: {} is missing", dir.display());
    None
}

fn client(credentials: Credentials) -> Client {
    Client::new(ClientConfig {
        credentials,
        loopback_only: true,
        ..ClientConfig::default()
    })
}

#[test]
fn bearer_tokens_from_a_token_server_push_and_pull_busybox() {
    let (Some(binary), Some(layout)) = (support::binary(), busybox()) else {
        return;
    };
    let tokens = TokenServer::start();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("token-signer.pem");
    std::fs::write(&bundle, &tokens.cert_pem).unwrap();
    let auth = format!(
        "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
        tokens.realm,
        bundle.display()
    );
    let reg = support::LocalRegistry::start_in(&binary, dir, &auth);
    let host = reg.addr.clone();
    let r = Reference::parse_normalized(&format!("{host}/library/busybox:latest")).unwrap();

    // The fixture's one manifest, its config and layer, pushed with alice's credentials.
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest_bytes = std::fs::read(blob(&manifest_digest)).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();

    let alice = client(Credentials::default().with_basic(&host, USER.0, USER.1));
    for d in layers.iter().chain([&config_digest]) {
        alice.push_blob(&r, d, &blob(d), None).unwrap();
    }
    let pushed = alice
        .push_manifest(
            &r,
            "latest",
            manifest["mediaType"].as_str().unwrap(),
            &manifest_bytes,
        )
        .unwrap();
    assert_eq!(pushed, manifest_digest);
    let push_scope = "repository:library/busybox:pull,push".to_string();
    assert_eq!(
        tokens.requests(),
        vec![TokenRequest {
            user: Some("alice".into()),
            scope: push_scope.clone(),
            status: 200
        }],
        "one token for the whole push (cached per repository and scope)"
    );

    // A cross-repository mount needs pull on the source too (distribution checks it).
    let copy = Reference::parse_normalized(&format!("{host}/library/copy:1")).unwrap();
    assert_eq!(
        alice
            .push_blob(
                &copy,
                &layers[0],
                &blob(&layers[0]),
                Some("library/busybox")
            )
            .unwrap(),
        dfc_registry::BlobPush::Mounted
    );
    // The HEAD asks for the new repository's push scope, the mounting POST for both.
    let scopes: Vec<String> = tokens.requests()[1..]
        .iter()
        .map(|t| t.scope.clone())
        .collect();
    assert_eq!(
        scopes,
        [
            "repository:library/copy:pull,push",
            "repository:library/copy:pull,push repository:library/busybox:pull"
        ]
    );

    // Pulled back with credentials: a pull-scoped token, then the same bytes.
    let resolved = alice.resolve(&r, &Platform::linux_amd64()).unwrap();
    assert_eq!(resolved.digest, manifest_digest);
    assert_eq!(resolved.config_digest, config_digest);
    let work = tempfile::tempdir().unwrap();
    let pulled = work.path().join("layer");
    alice.blob_to(&r, &layers[0], &pulled).unwrap();
    assert_eq!(
        std::fs::read(&pulled).unwrap(),
        std::fs::read(blob(&layers[0])).unwrap()
    );
    let pull_scope = "repository:library/busybox:pull".to_string();
    assert_eq!(tokens.requests().len(), 4);
    assert_eq!(
        tokens.requests()[3],
        TokenRequest {
            user: Some("alice".into()),
            scope: pull_scope.clone(),
            status: 200
        }
    );

    // Anonymous: the token server grants pull, so resolving works without credentials.
    let anon = client(Credentials::default());
    let resolved = anon.resolve(&r, &Platform::linux_amd64()).unwrap();
    assert_eq!(resolved.digest, manifest_digest);
    assert_eq!(
        tokens.requests()[4],
        TokenRequest {
            user: None,
            scope: pull_scope.clone(),
            status: 200
        }
    );
    // ... but not push: the pull-only token is refused by the registry itself.
    let other = Reference::parse_normalized(&format!("{host}/library/anon:1")).unwrap();
    let e = anon
        .push_blob(&other, &config_digest, &blob(&config_digest), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&host) && e.contains("unauthorized: answered 401: UNAUTHORIZED"),
        "{e}"
    );

    // A wrong password: the token server says 401 and the error names the registry and
    // the token endpoint.
    let before = tokens.requests().len();
    let wrong = client(Credentials::default().with_basic(&host, USER.0, "nope"));
    let e = wrong
        .resolve(&r, &Platform::linux_amd64())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("pull access denied")
            && e.contains(&host)
            && e.contains(&format!(
                "token endpoint {} answered 401: wrong password",
                tokens.realm
            )),
        "{e}"
    );
    let after = tokens.requests();
    assert!(after.len() > before);
    assert!(after[before..]
        .iter()
        .all(|t| t.user.as_deref() == Some("alice") && t.status == 401));
}
