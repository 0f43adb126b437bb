//! The store's cache mount instances and their sharing rules, on real files with real
//! `flock`s between threads (each use opens its own lock file, so threads behave as
//! separate processes do). No root needed.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use runner::store::{CacheMountError, CacheSeed, Sharing};
use runner::{SnapshotId, Store};

static GO: AtomicBool = AtomicBool::new(false);

fn store() -> (tempfile::TempDir, Store) {
    let t = tempfile::tempdir().unwrap();
    let s = Store::open(t.path()).unwrap();
    (t, s)
}

#[test]
fn locked_waits_for_the_holder_and_private_gets_another_instance() {
    let (_t, s) = store();
    let first = s
        .acquire_cache_mount("/c", None, Sharing::Locked, &GO)
        .unwrap();
    fs::write(first.path().join("f"), "one").unwrap();
    // A private user does not wait: it gets a new, empty instance.
    let private = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    assert_ne!(private.path(), first.path());
    assert_eq!(fs::read_dir(private.path()).unwrap().count(), 0);
    assert_eq!(
        fs::metadata(private.path()).unwrap().permissions().mode() & 0o7777,
        0o755
    );
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|sc| {
        sc.spawn(|| {
            let started = Instant::now();
            let second = s
                .acquire_cache_mount("/c", None, Sharing::Locked, &GO)
                .unwrap();
            tx.send((started.elapsed(), second.path().to_path_buf()))
                .unwrap();
        });
        std::thread::sleep(Duration::from_millis(400));
        // Both instances are busy: the locked user is still waiting.
        assert!(rx.try_recv().is_err());
        drop(private);
        let (waited, path) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        // It took the instance that became free.
        assert_ne!(path, first.path());
    });
    drop(first);
    // Idle instances are reused (the first one first): no third instance.
    let again = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    assert_eq!(fs::read_to_string(again.path().join("f")).unwrap(), "one");
    let usage = s.cache_mount_usage().unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!((usage[0].id.as_str(), usage[0].instances), ("/c", 2));
}

#[test]
fn shared_users_join_the_instance_in_shared_use() {
    let (_t, s) = store();
    let acquire = |sharing| s.acquire_cache_mount("id", None, sharing, &GO).unwrap();
    let private = acquire(Sharing::Private);
    let first = private.path().to_path_buf();
    // Instance 0 is private: shared users get instance 1, together.
    let a = acquire(Sharing::Shared);
    let b = acquire(Sharing::Shared);
    assert_ne!(a.path(), private.path());
    assert_eq!(a.path(), b.path());
    drop((private, b));
    // Instance 0 is idle now, but a shared user joins the one in shared use, as
    // BuildKit hands out the active shared ref.
    let c = acquire(Sharing::Shared);
    assert_eq!(c.path(), a.path());
    drop((a, c));
    // With none in use, the first idle instance.
    let d = acquire(Sharing::Shared);
    assert_eq!(d.path(), first);
    // Another id is another cache.
    let other = s
        .acquire_cache_mount("id2", None, Sharing::Shared, &GO)
        .unwrap();
    assert_ne!(other.path(), d.path());
}

#[test]
fn a_seed_is_copied_once_per_content_and_selector() {
    let (t, s) = store();
    let src = t.path().join("src");
    fs::create_dir_all(src.join("dir/sub")).unwrap();
    fs::write(src.join("dir/sub/f"), "seed").unwrap();
    fs::set_permissions(src.join("dir"), fs::Permissions::from_mode(0o710)).unwrap();
    fs::write(src.join("file"), "x").unwrap();
    let snap = SnapshotId(runner::llb_schema::digest(b"snapshot one"));
    let seed = |snapshot, sel: &str| CacheSeed {
        snapshot,
        selector: sel.to_string(),
        tree: src.join(sel.trim_start_matches('/')),
    };
    let one = seed(snap, "/dir");
    let lease = s
        .acquire_cache_mount("/c", Some(&one), Sharing::Locked, &GO)
        .unwrap();
    assert_eq!(
        fs::read_to_string(lease.path().join("sub/f")).unwrap(),
        "seed"
    );
    assert_eq!(
        fs::metadata(lease.path()).unwrap().permissions().mode() & 0o7777,
        0o710
    );
    fs::write(lease.path().join("sub/f"), "written").unwrap();
    drop(lease);
    // The same seed: the cache as left, not seeded again.
    let lease = s
        .acquire_cache_mount("/c", Some(&one), Sharing::Locked, &GO)
        .unwrap();
    assert_eq!(
        fs::read_to_string(lease.path().join("sub/f")).unwrap(),
        "written"
    );
    drop(lease);
    // Other content, or no seed: other caches.
    let two = seed(
        SnapshotId(runner::llb_schema::digest(b"snapshot two")),
        "/dir",
    );
    let lease = s
        .acquire_cache_mount("/c", Some(&two), Sharing::Locked, &GO)
        .unwrap();
    assert_eq!(
        fs::read_to_string(lease.path().join("sub/f")).unwrap(),
        "seed"
    );
    let plain = s
        .acquire_cache_mount("/c", None, Sharing::Locked, &GO)
        .unwrap();
    assert_eq!(fs::read_dir(plain.path()).unwrap().count(), 0);
    // A seed that is not a directory is refused, naming the selector.
    let err = s
        .acquire_cache_mount("/c", Some(&seed(snap, "/file")), Sharing::Locked, &GO)
        .unwrap_err();
    assert!(
        matches!(&err, CacheMountError::SeedNotDirectory { selector } if selector == "/file"),
        "{err}"
    );
    // Nothing is left in staging: tmp/ holds only this open store's own (empty)
    // staging directory.
    for e in fs::read_dir(t.path().join("tmp")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(name.starts_with("build-"), "left in tmp/: {name}");
        let left: Vec<_> = fs::read_dir(e.path()).unwrap().collect();
        assert!(left.is_empty(), "left in tmp/{name}: {left:?}");
    }
}

#[test]
fn reset_drops_idle_instances_and_retires_busy_ones() {
    let (t, s) = store();
    let busy = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    fs::write(busy.path().join("f"), "busy").unwrap();
    let idle = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    fs::write(idle.path().join("f"), "idle").unwrap();
    drop(idle);
    // Seeded caches of the id are another set: resetting them leaves these.
    assert_eq!(s.reset_cache_mounts("/c", true).unwrap(), 0);
    assert_eq!(s.reset_cache_mounts("/c", false).unwrap(), 2);
    // The busy holder keeps its instance, where it is ...
    assert_eq!(fs::read_to_string(busy.path().join("f")).unwrap(), "busy");
    // ... and the next user starts empty, in a new instance (not the busy one's number).
    let fresh = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    assert_eq!(fs::read_dir(fresh.path()).unwrap().count(), 0);
    assert_ne!(fresh.path(), busy.path());
    let shared = s
        .acquire_cache_mount("/c", None, Sharing::Shared, &GO)
        .unwrap();
    assert_ne!(
        shared.path(),
        busy.path(),
        "a dropped instance is never handed out"
    );
    drop((shared, fresh));
    // Resetting again drops the two new instances (the busy one was dropped already) ...
    assert_eq!(s.reset_cache_mounts("/c", false).unwrap(), 2);
    // ... and once released, the next reset deletes the old one too: nothing is left.
    drop(busy);
    assert_eq!(s.reset_cache_mounts("/c", false).unwrap(), 0);
    let usage = s.cache_mount_usage().unwrap();
    assert_eq!(usage[0].instances, 0, "{usage:?}");
    let top = t.path().join("cache-mounts");
    let id = fs::read_dir(&top).unwrap().next().unwrap().unwrap().path();
    let left: Vec<_> = fs::read_dir(id.join("plain"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["lock"]);
    let again = s
        .acquire_cache_mount("/c", None, Sharing::Private, &GO)
        .unwrap();
    drop(again);
    // prune (alone on the store) removes the cache and the retired instance.
    drop(s);
    let s = Store::open_exclusive(t.path()).unwrap();
    let r = s.prune(None).unwrap();
    assert_eq!(r.cache_mounts, 1);
    assert!(s.cache_mount_usage().unwrap().is_empty());
    assert_eq!(fs::read_dir(t.path().join("tmp")).unwrap().count(), 0);
}

#[test]
fn a_locked_waiter_stops_when_the_solve_is_cancelled() {
    let (_t, s) = store();
    let _held = s
        .acquire_cache_mount("/c", None, Sharing::Locked, &GO)
        .unwrap();
    let cancel = AtomicBool::new(true);
    let err = s
        .acquire_cache_mount("/c", None, Sharing::Locked, &cancel)
        .unwrap_err();
    assert!(matches!(err, CacheMountError::Cancelled), "{err}");
}
