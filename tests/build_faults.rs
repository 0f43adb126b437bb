//! Surviving faults, end to end through the `dfc` binary, as root, offline (the base
//! image from the busybox OCI layout fixture):
//!
//! - a realistic multi-stage build (context COPY, RUN steps writing files, a cache
//!   mount, `COPY --from`) is SIGKILLed at 20 random moments of a cold build; each time
//!   the next build on the same `--root` succeeds with the clean build's image digest,
//!   no mount of the killed build is left in the host's mount table, no process of it
//!   (dfc, its waiting children, the container) survives, and the exported tar is
//!   either absent or whole, with no temporary file beside it. Kills alternate between the whole process group (a crash
//!   of everything) and the dfc process alone (its containers are then orphans that
//!   must die with it). The delays come from a seeded RNG; the seed is printed and
//!   `DFC_FAULT_SEED=N` replays a run;
//! - four different but overlapping builds run at once on one `--root`, each giving the
//!   digest it gives alone, with the files it should have, while a `dfc prune` started
//!   during them waits for all of them and then succeeds.

mod build_support;
mod common;
mod registry_support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

/// The build of the kill test; `@TOKEN@` is replaced by a name unique to the test run so
/// its container processes can be found in `/proc/*/environ`.
const FAULT_DOCKERFILE: &str = r#"FROM busybox AS gen
ENV FAULT_TOKEN=@TOKEN@
COPY src/ /src/
RUN --mount=type=cache,target=/cache,id=faults-gen \
    mkdir -p /out && for f in /src/*.txt; do sha256sum "$f" >> /out/sums; done \
    && cp /out/sums /cache/last-sums && sleep 0.1 && echo gen-done > /out/status
RUN mkdir -p /out/many && for i in $(seq 1 100); do echo "line $i" > /out/many/f$i; done \
    && echo many-done >> /out/status

FROM busybox
ENV FAULT_TOKEN=@TOKEN@
COPY --from=gen /out/ /opt/gen/
COPY blob.bin /opt/blob.bin
RUN wc -l < /opt/gen/sums > /opt/count && sha256sum /opt/blob.bin > /opt/blob.sum
RUN --mount=type=cache,target=/var/cache/app \
    date > /var/cache/app/stamp && ls /var/cache/app > /dev/null && echo ok > /opt/ok
"#;

/// A workspace: a context with the Dockerfile, files to copy and a store; `None` (with
/// a message) when not root or `../shared` is missing.
struct Fixture {
    tmp: tempfile::TempDir,
    layout: PathBuf,
    token: String,
}

impl Fixture {
    fn new(name: &str) -> Option<Fixture> {
        let layout = build_support::offline_layout()?;
        let tmp = tempfile::tempdir().unwrap();
        let token = format!("dfc-{name}-{}", std::process::id());
        Some(Fixture { tmp, layout, token })
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn store(&self) -> PathBuf {
        self.dir().join("store")
    }

    /// Writes context `name` with `dockerfile` (`@TOKEN@` replaced), 40 small text files
    /// and a 512 KiB file of fixed pseudo-random bytes.
    fn context(&self, name: &str, dockerfile: &str) -> PathBuf {
        let ctx = self.dir().join(name);
        fs::create_dir_all(ctx.join("src")).unwrap();
        fs::write(
            ctx.join("Dockerfile"),
            dockerfile.replace("@TOKEN@", &self.token),
        )
        .unwrap();
        for i in 0..40 {
            fs::write(ctx.join(format!("src/f{i}.txt")), format!("file {i}\n")).unwrap();
        }
        let mut rng = fastrand::Rng::with_seed(7);
        let blob: Vec<u8> = (0..512 << 10).map(|_| rng.u8(..)).collect();
        fs::write(ctx.join("blob.bin"), blob).unwrap();
        ctx
    }

    /// `dfc build CTX --root STORE -o type=oci,dest=OUT` (plus `extra`), not waited for,
    /// in its own process group.
    fn spawn_build(&self, ctx: &Path, out: &Path, extra: &[&str]) -> Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
        cmd.arg("build")
            .arg(ctx)
            .arg("--oci-layout")
            .arg(&self.layout)
            .arg("--root")
            .arg(self.store())
            .arg("--progress")
            .arg("plain")
            .arg("-o")
            .arg(format!("type=oci,dest={}", out.display()))
            .args(extra)
            .current_dir(self.dir())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.spawn().expect("run dfc")
    }

    /// Builds to completion; panics with dfc's output unless it succeeds.
    fn build(&self, ctx: &Path, out: &Path, extra: &[&str]) -> Duration {
        let start = Instant::now();
        let out_put = self
            .spawn_build(ctx, out, extra)
            .wait_with_output()
            .unwrap();
        assert!(
            out_put.status.success(),
            "dfc build {} failed: {}",
            ctx.display(),
            String::from_utf8_lossy(&out_put.stderr)
        );
        start.elapsed()
    }

    fn prune(&self) {
        let out = Command::new(env!("CARGO_BIN_EXE_dfc"))
            .arg("prune")
            .arg("--root")
            .arg(self.store())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Mount points of the test's own (the host's) mount table under the workspace.
    fn mounts(&self) -> Vec<String> {
        let dir = self.dir().to_string_lossy().into_owned();
        fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|p| p.starts_with(&dir))
            .map(str::to_string)
            .collect()
    }

    /// Processes of this fixture's builds: dfc and its forked children (the store path
    /// in their command line) and container processes (the token in their environment).
    fn processes(&self) -> Vec<String> {
        let store = self.store().to_string_lossy().into_owned();
        let token = format!("FAULT_TOKEN={}", self.token);
        let mut found = Vec::new();
        for e in fs::read_dir("/proc").unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let read = |f: &str| fs::read(e.path().join(f)).unwrap_or_default();
            let stat = String::from_utf8_lossy(&read("stat")).into_owned();
            // A zombie has exited already; only its parent's wait is missing.
            if stat
                .rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z'))
            {
                continue;
            }
            let cmdline = String::from_utf8_lossy(&read("cmdline")).replace('\0', " ");
            let environ = String::from_utf8_lossy(&read("environ")).into_owned();
            if cmdline.contains(&store) || environ.split('\0').any(|v| v == token) {
                found.push(format!("{name}: {cmdline}"));
            }
        }
        found
    }

    /// Waits up to 5 s for every process of the fixture's builds to be gone.
    fn no_survivors(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let left = self.processes();
            if left.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: processes survive: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The manifest digest of an OCI layout tar, after checking that it is whole: every
/// entry readable, every blob named by its own digest, the index's manifest present.
fn oci_digest(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    let mut index = None;
    let entries = tar::Archive::new(&bytes[..]);
    let mut entries = entries;
    for e in entries.entries().map_err(|e| e.to_string())? {
        let mut e = e.map_err(|e| e.to_string())?;
        let name = e
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data)
            .map_err(|e| format!("{name}: {e}"))?;
        if let Some(hex) = name.strip_prefix("blobs/sha256/").filter(|h| !h.is_empty()) {
            let got = format!("{:x}", Sha256::digest(&data));
            if got != hex {
                return Err(format!("{name} holds bytes of digest {got}"));
            }
        }
        if name == "index.json" {
            index = Some(data);
        }
        names.push(name);
    }
    let index: serde_json::Value =
        serde_json::from_slice(&index.ok_or("no index.json")?).map_err(|e| e.to_string())?;
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .ok_or("index without manifest")?
        .to_string();
    let blob = format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"));
    if !names.contains(&blob) {
        return Err(format!("manifest {digest} missing"));
    }
    Ok(digest)
}

/// Staging directories in the store's `tmp/` (a build's `build-*`, older `stage-*`).
fn staged(store: &Path) -> Vec<String> {
    fs::read_dir(store.join("tmp"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("build-") || n.starts_with("stage-"))
                .collect()
        })
        .unwrap_or_default()
}

/// What a seed is: `DFC_FAULT_SEED` when set, else the clock.
fn seed() -> u64 {
    match std::env::var("DFC_FAULT_SEED") {
        Ok(s) => s.parse().expect("DFC_FAULT_SEED must be a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    }
}

#[test]
fn builds_killed_at_random_moments_leave_a_store_the_next_build_uses() {
    let Some(fx) = Fixture::new("kill") else {
        return;
    };
    let ctx = fx.context("ctx", FAULT_DOCKERFILE);
    let out = fx.dir().join("image.tar");
    let started = Instant::now();
    let first = fx.build(&ctx, &out, &[]);
    let expected = oci_digest(&out).unwrap();
    // The first build also warms the page cache; a second cold one gives the duration
    // the kills are spread over (and the same image).
    fx.prune();
    let clean = first.min(fx.build(&ctx, &out, &[]));
    assert_eq!(
        oci_digest(&out).as_ref(),
        Ok(&expected),
        "cold builds differ"
    );
    // The image is what the Dockerfile says (so the digest compared is a real build's).
    let image = build_support::image_files(&out);
    assert_eq!(image.files["opt/ok"].content, b"ok\n", "the last step ran");
    assert_eq!(image.files["opt/count"].content, b"40\n");
    assert_eq!(image.files["opt/gen/many/f100"].content, b"line 100\n");
    assert_eq!(
        image.files["opt/gen/status"].content,
        b"gen-done\nmany-done\n"
    );

    let seed = seed();
    eprintln!("fault test: seed {seed} (DFC_FAULT_SEED={seed} replays it); clean build {clean:?}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut recover_total = Duration::ZERO;
    let mut leftovers = 0;
    for round in 0..20 {
        // A cold store, so the kill lands in real work: pulls, copies, RUNs, commits.
        fx.prune();
        let _ = fs::remove_file(&out);
        let delay = Duration::from_micros(rng.u64(..=clean.as_micros() as u64));
        let whole_group = round % 2 == 0;
        let mut child = fx.spawn_build(&ctx, &out, &[]);
        std::thread::sleep(delay);
        let pid = child.id() as i32;
        // SAFETY: kill(2) on our own child (or its process group); no memory involved.
        let rc = unsafe { libc::kill(if whole_group { -pid } else { pid }, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill");
        let status = child.wait().unwrap();
        let what = format!(
            "round {round}: killed {} after {delay:?}",
            if whole_group {
                "the process group"
            } else {
                "dfc alone"
            }
        );
        eprintln!("{what} ({status})");
        fx.no_survivors(&what);
        assert_eq!(fx.mounts(), Vec::<String>::new(), "{what}: mounts left");
        leftovers += staged(&fx.store()).len();
        // The output is never half-written: absent, or the whole image.
        if out.exists() {
            assert_eq!(oci_digest(&out).as_ref(), Ok(&expected), "{what}: output");
        }
        let _ = fs::remove_file(&out);
        // Not even a temporary file is left beside it.
        let beside: Vec<String> = fs::read_dir(fx.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".tmp"))
            .collect();
        assert_eq!(
            beside,
            Vec::<String>::new(),
            "{what}: temporary output left"
        );
        let t = Instant::now();
        fx.build(&ctx, &out, &[]);
        recover_total += t.elapsed();
        assert_eq!(
            oci_digest(&out).as_ref(),
            Ok(&expected),
            "{what}: the next build gives another image"
        );
        assert_eq!(fx.mounts(), Vec::<String>::new(), "{what}: mounts left");
        // The next build removed the killed build's staging.
        assert_eq!(
            staged(&fx.store()),
            Vec::<String>::new(),
            "{what}: staging left"
        );
    }
    eprintln!(
        "fault test: 20 kills in {:?} (recovery builds {:?} in all); {leftovers} killed \
         builds left staging that the next build removed",
        started.elapsed(),
        recover_total
    );
}

/// The shared part of the concurrent builds: the same base and first steps.
const SHARED: &str = r#"FROM busybox AS common
ENV FAULT_TOKEN=@TOKEN@
COPY src/ /src/
RUN mkdir -p /out && cat /src/*.txt > /out/all.txt && sleep 0.3
"#;

/// One of the four builds: its name, Dockerfile, and files its image must have (with
/// their content; an empty one is only checked to exist).
type Variant = (&'static str, String, Vec<(&'static str, &'static [u8])>);

/// The four builds.
fn variants() -> Vec<Variant> {
    vec![
        (
            "a",
            format!("{SHARED}RUN echo a > /out/who && sleep 0.2\n"),
            vec![("out/who", b"a\n"), ("src/f3.txt", b"file 3\n")],
        ),
        (
            "b",
            format!("{SHARED}FROM busybox\nCOPY --from=common /out/ /b/\nRUN echo b > /b/who\n"),
            vec![("b/who", b"b\n"), ("b/all.txt", ALL_TXT.as_bytes())],
        ),
        (
            "c",
            format!(
                "{SHARED}COPY blob.bin /blob.bin\n\
                 RUN --mount=type=cache,target=/cache sha256sum /blob.bin > /out/sum && \
                 cp /out/sum /cache/sum && echo c > /out/who\n"
            ),
            vec![("out/who", b"c\n"), ("blob.bin", b"")],
        ),
        (
            "d",
            format!(
                "{SHARED}FROM busybox\nCOPY --from=common /out/all.txt /d/all.txt\n\
                 RUN for i in $(seq 1 100); do echo $i > /d/n$i; done && echo d > /d/who\n"
            ),
            vec![
                ("d/who", b"d\n"),
                ("d/n100", b"100\n"),
                ("d/all.txt", ALL_TXT.as_bytes()),
            ],
        ),
    ]
}

/// `cat /src/*.txt` over the context's 40 files, in the shell's glob order.
const ALL_TXT: &str = "file 0\nfile 1\nfile 10\nfile 11\nfile 12\nfile 13\nfile 14\nfile 15\n\
file 16\nfile 17\nfile 18\nfile 19\nfile 2\nfile 20\nfile 21\nfile 22\nfile 23\nfile 24\n\
file 25\nfile 26\nfile 27\nfile 28\nfile 29\nfile 3\nfile 30\nfile 31\nfile 32\nfile 33\n\
file 34\nfile 35\nfile 36\nfile 37\nfile 38\nfile 39\nfile 4\nfile 5\nfile 6\nfile 7\n\
file 8\nfile 9\n";

/// `flock`s on the store's lock file (`/proc/locks`): (shared ones held, exclusive ones
/// waiting).
fn store_locks(store: &Path) -> (usize, usize) {
    let Ok(md) = fs::metadata(store.join("lock")) else {
        return (0, 0);
    };
    let ino = std::os::unix::fs::MetadataExt::ino(&md).to_string();
    let text = fs::read_to_string("/proc/locks").unwrap();
    let mine: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("FLOCK"))
        .filter(|l| {
            l.split_whitespace()
                .find(|f| f.matches(':').count() == 2)
                .and_then(|f| f.rsplit(':').next())
                .is_some_and(|i| i == ino)
        })
        .collect();
    let held = mine
        .iter()
        .filter(|l| !l.contains("->") && l.contains("READ"))
        .count();
    let waiting = mine
        .iter()
        .filter(|l| l.contains("->") && l.contains("WRITE"))
        .count();
    (held, waiting)
}

#[test]
fn four_concurrent_builds_on_one_root_and_a_prune_that_waits() {
    let Some(fx) = Fixture::new("four") else {
        return;
    };
    let variants = variants();
    // Each build alone, on a root of its own: the reference digests.
    let mut alone = BTreeMap::new();
    for (name, df, _) in &variants {
        let ctx = fx.context(&format!("ctx-{name}"), df);
        let own = Fixture {
            tmp: tempfile::tempdir_in(fx.dir()).unwrap(),
            layout: fx.layout.clone(),
            token: fx.token.clone(),
        };
        let out = fx.dir().join(format!("alone-{name}.tar"));
        own.build(&ctx, &out, &[]);
        alone.insert(*name, oci_digest(&out).unwrap());
    }
    // All four at once on one root, then a prune while they run.
    let start = Instant::now();
    let mut builds: Vec<(&str, Child, Option<Instant>)> = variants
        .iter()
        .map(|(name, _, _)| {
            let ctx = fx.dir().join(format!("ctx-{name}"));
            let out = fx.dir().join(format!("together-{name}.tar"));
            (*name, fx.spawn_build(&ctx, &out, &[]), None)
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while store_locks(&fx.store()).0 < variants.len() {
        assert!(Instant::now() < deadline, "the builds never held the store");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut prune = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .arg("prune")
        .arg("--root")
        .arg(fx.store())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut prune_done = None;
    let (mut last_shared, mut prune_seen_waiting) = (Instant::now(), false);
    while prune_done.is_none() || builds.iter().any(|b| b.2.is_none()) {
        // Read before prune's exit: prune cannot finish while a shared lock is held.
        let (held, waiting) = store_locks(&fx.store());
        if held > 0 {
            last_shared = Instant::now();
            prune_seen_waiting |= waiting > 0;
        }
        for b in builds.iter_mut().filter(|b| b.2.is_none()) {
            if let Some(status) = b.1.try_wait().unwrap() {
                let mut err = String::new();
                b.1.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                assert!(status.success(), "build {} failed: {err}", b.0);
                b.2 = Some(Instant::now());
            }
        }
        if prune_done.is_none() {
            if let Some(status) = prune.try_wait().unwrap() {
                let mut err = String::new();
                prune
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                assert!(status.success(), "prune failed: {err}");
                prune_done = Some(Instant::now());
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the builds hang"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    prune.wait().unwrap();
    assert!(
        prune_seen_waiting,
        "prune never waited for the builds' shared locks"
    );
    assert!(
        prune_done.unwrap() >= last_shared,
        "prune finished while a build still held the store"
    );
    eprintln!("four concurrent builds and a prune: {:?}", start.elapsed());
    for (name, _, files) in &variants {
        let out = fx.dir().join(format!("together-{name}.tar"));
        assert_eq!(oci_digest(&out).as_ref(), Ok(&alone[name]), "build {name}");
        let image = build_support::image_files(&out);
        for (path, content) in files {
            let entry = image
                .files
                .get(*path)
                .unwrap_or_else(|| panic!("build {name}: {path} missing"));
            if !content.is_empty() {
                assert_eq!(entry.content, *content, "build {name}: {path}");
            }
        }
    }
    // The pruned store is empty and still serves a build.
    assert_eq!(
        fs::read_dir(fx.store().join("snapshots")).unwrap().count(),
        0
    );
    fx.no_survivors("after the concurrent builds");
    assert_eq!(fx.mounts(), Vec::<String>::new());
}

#[test]
fn a_dfc_killed_alone_takes_its_running_container_with_it() {
    let Some(fx) = Fixture::new("orphan") else {
        return;
    };
    let ctx = fx.context(
        "ctx",
        "FROM busybox\nENV FAULT_TOKEN=@TOKEN@\nRUN sleep 60 && echo never > /never\n",
    );
    let out = fx.dir().join("image.tar");
    let mut child = fx.spawn_build(&ctx, &out, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    // Wait for the container: a process without the store in its command line.
    let store = fx.store().to_string_lossy().into_owned();
    while !fx.processes().iter().any(|p| !p.contains(&store)) {
        assert!(Instant::now() < deadline, "the RUN step never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill(2) on our own child; no memory involved.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGKILL) }, 0);
    child.wait().unwrap();
    let killed = Instant::now();
    fx.no_survivors("dfc killed during `RUN sleep 60`");
    eprintln!("the container died {:?} after dfc", killed.elapsed());
    assert!(killed.elapsed() < Duration::from_secs(2));
    assert_eq!(fx.mounts(), Vec::<String>::new());
    assert!(!out.exists());
}
