//! A throwaway local registry for tests: Debian's `docker-registry` (distribution 2.8)
//! serving a temp directory on a free loopback port, killed and removed on drop (also
//! when the test panics), plus pushing an OCI layout into it byte for byte and
//! cross-repository mounting it under more names.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `docker-registry serve`.
pub struct LocalRegistry {
    child: Child,
    dir: PathBuf,
    pub addr: String,
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `docker-registry` binary, if installed.
pub fn registry_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("docker-registry"))
        .find(|p| p.is_file())
}

impl LocalRegistry {
    pub fn start(binary: &Path) -> LocalRegistry {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let dir = std::env::temp_dir().join(format!("dfc-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("storage")).unwrap();
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            dir.join("storage").display()
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry serve");
        let reg = LocalRegistry { child, dir, addr };
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if agent.get(&reg.url("/v2/")).call().is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "docker-registry did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        reg
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http") {
            location.to_string()
        } else {
            self.url(location)
        }
    }

    /// Pushes the single image of an OCI layout to `repo:tag`; returns what `mount` needs.
    pub fn push_layout(&self, layout: &Path, repo: &str, tag: &str) -> Pushed {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let desc = &index["manifests"][0];
        let blob = |d: &str| std::fs::read(layout.join("blobs/sha256").join(&d[7..])).unwrap();
        let manifest_digest = desc["digest"].as_str().unwrap().to_string();
        let manifest = blob(&manifest_digest);
        let media_type = desc["mediaType"].as_str().unwrap().to_string();
        let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_string()];
        for l in m["layers"].as_array().unwrap() {
            blobs.push(l["digest"].as_str().unwrap().to_string());
        }
        let agent = agent();
        for d in &blobs {
            let resp = agent
                .post(&self.url(&format!("/v2/{repo}/blobs/uploads/")))
                .send_empty()
                .expect("start upload");
            assert_eq!(resp.status(), 202, "start upload into {repo}");
            let loc = self.absolute(header(&resp, "Location").as_deref().unwrap());
            let sep = if loc.contains('?') { '&' } else { '?' };
            let resp = agent
                .put(&format!("{loc}{sep}digest={d}"))
                .header("Content-Type", "application/octet-stream")
                .send(&blob(d)[..])
                .expect("upload blob");
            assert_eq!(resp.status(), 201, "upload of {d}");
        }
        let pushed = Pushed {
            repo: repo.to_string(),
            blobs,
            manifest,
            media_type,
            manifest_digest,
        };
        self.put_manifest(&pushed, repo, tag);
        pushed
    }

    /// Makes `pushed` available as `repo:tag` by mounting its blobs.
    pub fn mount(&self, pushed: &Pushed, repo: &str, tag: &str) {
        let agent = agent();
        for d in &pushed.blobs {
            let resp = agent
                .post(&self.url(&format!(
                    "/v2/{repo}/blobs/uploads/?mount={d}&from={}",
                    pushed.repo
                )))
                .send_empty()
                .expect("mount blob");
            assert_eq!(resp.status(), 201, "mount of {d} into {repo}");
        }
        self.put_manifest(pushed, repo, tag);
    }

    fn put_manifest(&self, pushed: &Pushed, repo: &str, tag: &str) {
        let resp = agent()
            .put(&self.url(&format!("/v2/{repo}/manifests/{tag}")))
            .header("Content-Type", &pushed.media_type)
            .send(&pushed.manifest[..])
            .unwrap_or_else(|e| panic!("put manifest {repo}:{tag}: {e}"));
        assert_eq!(resp.status(), 201, "put manifest {repo}:{tag}");
        assert_eq!(
            header(&resp, "Docker-Content-Digest").as_deref(),
            Some(pushed.manifest_digest.as_str()),
            "digest kept for {repo}:{tag}"
        );
    }
}

/// An image pushed once, ready to be mounted elsewhere.
pub struct Pushed {
    pub repo: String,
    pub blobs: Vec<String>,
    pub manifest: Vec<u8>,
    pub media_type: String,
    pub manifest_digest: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}
