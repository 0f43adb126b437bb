//! A throwaway `docker-registry` (Debian's distribution 2.8) on a free loopback port,
//! optionally behind htpasswd Basic auth or any other `auth:` section, killed and
//! removed on drop; and a tiny image
//! (config + one layer + manifest) written to files for pushing.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct LocalRegistry {
    child: Child,
    pub dir: tempfile::TempDir,
    pub addr: String,
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `None` (with a message) when `docker-registry` is not installed.
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path)
        .map(|d| d.join("docker-registry"))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("skipping: docker-registry is not installed (apt-get install docker-registry)");
    }
    found
}

impl LocalRegistry {
    /// Starts a registry; with `users`, it requires one of these (name, password) pairs.
    pub fn start(binary: &Path, users: &[(&str, &str)]) -> LocalRegistry {
        let dir = tempfile::tempdir().unwrap();
        let mut auth = String::new();
        if !users.is_empty() {
            let lines: Vec<String> = users
                .iter()
                .map(|(u, p)| format!("{u}:{}", bcrypt::hash(p, 4).unwrap()))
                .collect();
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, lines.join("\n") + "\n").unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: dfc-test\n    path: {}\n",
                file.display()
            );
        }
        LocalRegistry::start_in(binary, dir, &auth)
    }

    /// Starts a registry in `dir` whose config ends with `auth` (a YAML `auth:` section,
    /// or empty for none).
    pub fn start_in(binary: &Path, dir: tempfile::TempDir, auth: &str) -> LocalRegistry {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.path().join("storage").display()
        );
        config.push_str(auth);
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        LocalRegistry { child, dir, addr }
    }
}

/// A one-layer image written under `dir`: (digest, file) of the layer and the config,
/// and the manifest bytes.
pub struct TinyImage {
    pub layer: (String, PathBuf),
    pub config: (String, PathBuf),
    pub manifest: Vec<u8>,
}

pub fn tiny_image(dir: &Path, content: &[u8]) -> TinyImage {
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        (dfc_registry::sha256_digest(bytes), p)
    };
    let layer = write("layer", content);
    let config_json = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer.0]},
    })
    .to_string();
    let config = write("config", config_json.as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config.0, "size": config_json.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer.0, "size": content.len()}],
    })
    .to_string()
    .into_bytes();
    TinyImage {
        layer,
        config,
        manifest,
    }
}
