//! BuildKit capability IDs (`solver/pb/caps.go` at v0.32), as used in
//! `OpMetadata.caps`.
//!
//! Only the names; which op needs which cap is the lowering's business.

/// `source.image`.
pub const SOURCE_IMAGE: &str = "source.image";
/// `source.image.resolvemode`.
pub const SOURCE_IMAGE_RESOLVE_MODE: &str = "source.image.resolvemode";
/// `source.image.layerlimit`.
pub const SOURCE_IMAGE_LAYER_LIMIT: &str = "source.image.layerlimit";
/// `source.image.checksum`.
pub const SOURCE_IMAGE_CHECKSUM: &str = "source.image.checksum";
/// `source.local`.
pub const SOURCE_LOCAL: &str = "source.local";
/// `source.local.unique`.
pub const SOURCE_LOCAL_UNIQUE: &str = "source.local.unique";
/// `source.local.sessionid`.
pub const SOURCE_LOCAL_SESSION_ID: &str = "source.local.sessionid";
/// `source.local.includepatterns`.
pub const SOURCE_LOCAL_INCLUDE_PATTERNS: &str = "source.local.includepatterns";
/// `source.local.followpaths`.
pub const SOURCE_LOCAL_FOLLOW_PATHS: &str = "source.local.followpaths";
/// `source.local.excludepatterns`.
pub const SOURCE_LOCAL_EXCLUDE_PATTERNS: &str = "source.local.excludepatterns";
/// `source.local.sharedkeyhint`.
pub const SOURCE_LOCAL_SHARED_KEY_HINT: &str = "source.local.sharedkeyhint";
/// `source.local.differ`.
pub const SOURCE_LOCAL_DIFFER: &str = "source.local.differ";
/// `source.local.metadatatransfer`.
pub const SOURCE_METADATA_TRANSFER: &str = "source.local.metadatatransfer";
/// `source.git`.
pub const SOURCE_GIT: &str = "source.git";
/// `source.git.keepgitdir`.
pub const SOURCE_GIT_KEEP_DIR: &str = "source.git.keepgitdir";
/// `source.git.fullurl`.
pub const SOURCE_GIT_FULL_URL: &str = "source.git.fullurl";
/// `source.git.httpauth`.
pub const SOURCE_GIT_HTTP_AUTH: &str = "source.git.httpauth";
/// `source.git.knownsshhosts`.
pub const SOURCE_GIT_KNOWN_SSH_HOSTS: &str = "source.git.knownsshhosts";
/// `source.git.mountsshsock`.
pub const SOURCE_GIT_MOUNT_SSH_SOCK: &str = "source.git.mountsshsock";
/// `source.git.subdir`.
pub const SOURCE_GIT_SUBDIR: &str = "source.git.subdir";
/// `source.git.checksum`.
pub const SOURCE_GIT_CHECKSUM: &str = "source.git.checksum";
/// `source.git.skipsubmodules`.
pub const SOURCE_GIT_SKIP_SUBMODULES: &str = "source.git.skipsubmodules";
/// `source.git.signatureverify`.
pub const SOURCE_GIT_SIGNATURE_VERIFY: &str = "source.git.signatureverify";
/// `source.git.mtime`.
pub const SOURCE_GIT_M_TIME: &str = "source.git.mtime";
/// `source.git.fetchbycommit`.
pub const SOURCE_GIT_FETCH_BY_COMMIT: &str = "source.git.fetchbycommit";
/// `source.git.bundle`.
pub const SOURCE_GIT_BUNDLE: &str = "source.git.bundle";
/// `source.git.checkoutbundle`.
pub const SOURCE_GIT_CHECKOUT_BUNDLE: &str = "source.git.checkoutbundle";
/// `source.http`.
pub const SOURCE_HTTP: &str = "source.http";
/// `source.http.auth`.
pub const SOURCE_HTTP_AUTH: &str = "source.http.auth";
/// `source.http.checksum`.
pub const SOURCE_HTTP_CHECKSUM: &str = "source.http.checksum";
/// `source.http.perm`.
pub const SOURCE_HTTP_PERM: &str = "source.http.perm";
/// `soruce.http.uidgid` (sic: BuildKit's historical spelling).
pub const SOURCE_HTTP_UID_GID: &str = "soruce.http.uidgid";
/// `source.http.header`.
pub const SOURCE_HTTP_HEADER: &str = "source.http.header";
/// `source.http.signatureverify`.
pub const SOURCE_HTTP_SIGNATURE_VERIFY: &str = "source.http.signatureverify";
/// `source.imageblob`.
pub const SOURCE_IMAGE_BLOB: &str = "source.imageblob";
/// `source.ocilayout`.
pub const SOURCE_OCI_LAYOUT: &str = "source.ocilayout";
/// `source.buildop.llbfilename`.
pub const BUILD_OP_LLB_FILE_NAME: &str = "source.buildop.llbfilename";
/// `exec.meta.base`.
pub const EXEC_META_BASE: &str = "exec.meta.base";
/// `exec.meta.cgroup.parent`.
pub const EXEC_META_CGROUP_PARENT: &str = "exec.meta.cgroup.parent";
/// `exec.meta.network`.
pub const EXEC_META_NETWORK: &str = "exec.meta.network";
/// `exec.meta.network.proxy`.
pub const EXEC_META_NETWORK_PROXY: &str = "exec.meta.network.proxy";
/// `exec.meta.proxyenv`.
pub const EXEC_META_PROXY: &str = "exec.meta.proxyenv";
/// `exec.meta.security`.
pub const EXEC_META_SECURITY: &str = "exec.meta.security";
/// `exec.meta.security.devices.v1`.
pub const EXEC_META_SECURITY_DEVICE_WHITELIST_V1: &str = "exec.meta.security.devices.v1";
/// `exec.meta.setsdefaultpath`.
pub const EXEC_META_SETS_DEFAULT_PATH: &str = "exec.meta.setsdefaultpath";
/// `exec.meta.ulimit`.
pub const EXEC_META_ULIMIT: &str = "exec.meta.ulimit";
/// `exec.meta.cdi`.
pub const EXEC_META_CDI: &str = "exec.meta.cdi";
/// `exec.meta.removemountstubs.recursive`.
pub const EXEC_META_REMOVE_MOUNT_STUBS_RECURSIVE: &str = "exec.meta.removemountstubs.recursive";
/// `exec.meta.linux.resources`.
pub const EXEC_META_LINUX_RESOURCES: &str = "exec.meta.linux.resources";
/// `exec.mount.bind`.
pub const EXEC_MOUNT_BIND: &str = "exec.mount.bind";
/// `exec.mount.bind.readwrite-nooutput`.
pub const EXEC_MOUNT_BIND_READ_WRITE_NO_OUTPUT: &str = "exec.mount.bind.readwrite-nooutput";
/// `exec.mount.cache`.
pub const EXEC_MOUNT_CACHE: &str = "exec.mount.cache";
/// `exec.mount.cache.sharing`.
pub const EXEC_MOUNT_CACHE_SHARING: &str = "exec.mount.cache.sharing";
/// `exec.mount.selector`.
pub const EXEC_MOUNT_SELECTOR: &str = "exec.mount.selector";
/// `exec.mount.tmpfs`.
pub const EXEC_MOUNT_TMPFS: &str = "exec.mount.tmpfs";
/// `exec.mount.tmpfs.size`.
pub const EXEC_MOUNT_TMPFS_SIZE: &str = "exec.mount.tmpfs.size";
/// `exec.mount.secret`.
pub const EXEC_MOUNT_SECRET: &str = "exec.mount.secret";
/// `exec.mount.ssh`.
pub const EXEC_MOUNT_SSH: &str = "exec.mount.ssh";
/// `exec.mount.cache.content`.
pub const EXEC_MOUNT_CONTENT_CACHE: &str = "exec.mount.cache.content";
/// `exec.cgroup`.
pub const EXEC_CGROUPS_MOUNTED: &str = "exec.cgroup";
/// `exec.secretenv`.
pub const EXEC_SECRET_ENV: &str = "exec.secretenv";
/// `exec.validexitcode`.
pub const EXEC_VALID_EXIT_CODE: &str = "exec.validexitcode";
/// `file.base`.
pub const FILE_BASE: &str = "file.base";
/// `file.rm.wildcard`.
pub const FILE_RM_WILDCARD: &str = "file.rm.wildcard";
/// `file.copy.includeexcludepatterns`.
pub const FILE_COPY_INCLUDE_EXCLUDE_PATTERNS: &str = "file.copy.includeexcludepatterns";
/// `file.copy.requiredpaths`.
pub const FILE_COPY_REQUIRED_PATHS: &str = "file.copy.requiredpaths";
/// `file.rm.nofollowsymlink`.
pub const FILE_RM_NO_FOLLOW_SYMLINK: &str = "file.rm.nofollowsymlink";
/// `file.copy.alwaysreplaceexistingdestpaths`.
pub const FILE_COPY_ALWAYS_REPLACE_EXISTING_DEST_PATHS: &str =
    "file.copy.alwaysreplaceexistingdestpaths";
/// `file.copy.modestring`.
pub const FILE_COPY_MODE_STRING_FORMAT: &str = "file.copy.modestring";
/// `file.symlink.create`.
pub const FILE_SYMLINK_CREATE: &str = "file.symlink.create";
/// `constraints`.
pub const CONSTRAINTS: &str = "constraints";
/// `platform`.
pub const PLATFORM: &str = "platform";
/// `meta.ignorecache`.
pub const META_IGNORE_CACHE: &str = "meta.ignorecache";
/// `meta.description`.
pub const META_DESCRIPTION: &str = "meta.description";
/// `meta.exportcache`.
pub const META_EXPORT_CACHE: &str = "meta.exportcache";
/// `cache.gha`.
pub const REMOTE_CACHE_GHA: &str = "cache.gha";
/// `cache.s3`.
pub const REMOTE_CACHE_S3: &str = "cache.s3";
/// `cache.azblob`.
pub const REMOTE_CACHE_AZ_BLOB: &str = "cache.azblob";
/// `mergeop`.
pub const MERGE_OP: &str = "mergeop";
/// `diffop`.
pub const DIFF_OP: &str = "diffop";
/// `passthroughop`.
pub const PASSTHROUGH_OP: &str = "passthroughop";
/// `exporter.image.annotations`.
pub const ANNOTATIONS: &str = "exporter.image.annotations";
/// `exporter.image.attestations`.
pub const ATTESTATIONS: &str = "exporter.image.attestations";
/// `exporter.sourcedateepoch`.
pub const SOURCE_DATE_EPOCH: &str = "exporter.sourcedateepoch";
/// `exporter.multiple`.
pub const MULTIPLE_EXPORTERS: &str = "exporter.multiple";
/// `exporter.session`.
pub const SESSION_EXPORTER: &str = "exporter.session";
/// `source.policy`.
pub const SOURCE_POLICY: &str = "source.policy";
/// `source.policy.session`.
pub const SOURCE_POLICY_SESSION: &str = "source.policy.session";
/// `gc.freespacefilter`.
pub const GC_FREE_SPACE_FILTER: &str = "gc.freespacefilter";
/// `history.filter`.
pub const HISTORY_FILTERS: &str = "history.filter";
