//! Build args that are options of the frontend rather than ARG values, as BuildKit's
//! `dockerui` config and `dockerfile2llb` read them:
//!
//! - `HTTP_PROXY`, `HTTPS_PROXY`, `FTP_PROXY`, `NO_PROXY`, `ALL_PROXY` (any case): the
//!   `ProxyEnv` of every RUN (`proxyEnvFromBuildArgs`; keys in sorted order, so for two
//!   spellings of one name the later in byte order wins), not part of its `env`.
//! - `BUILDKIT_SANDBOX_HOSTNAME`: the hostname of every RUN's container.
//! - `BUILDKIT_CACHE_MOUNT_NS`: the namespace prefixed to cache mount ids.
//! - `BUILDKIT_DISABLE_FILEOP`: a true value is an error (removed in BuildKit 0.11).
//!
//! Build args that change only the solve result's metadata (`BUILDKIT_MULTI_PLATFORM`,
//! `BUILDKIT_SBOM_SCAN_CONTEXT` / `_STAGE`, which never enter a RUN's environment) or a
//! Git build context (`BUILDKIT_CONTEXT_KEEP_GIT_DIR`) do not change the Definition.

use std::collections::BTreeMap;

use llb_schema::pb;

use super::error::LowerError;

/// The frontend options taken from the build args.
#[derive(Clone, Debug, Default)]
pub struct BuildOpts {
    pub proxy: Option<pb::ProxyEnv>,
    pub hostname: String,
    pub cache_ns: String,
}

impl BuildOpts {
    pub fn from_build_args(args: &BTreeMap<String, String>) -> Result<BuildOpts, LowerError> {
        if let Some(v) = args.get("BUILDKIT_DISABLE_FILEOP") {
            if matches!(v.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True") {
                return Err(LowerError::general(
                    "support for \"BUILDKIT_DISABLE_FILEOP\" build-arg was removed in BuildKit 0.11",
                ));
            }
        }
        Ok(BuildOpts {
            proxy: proxy_env(args),
            hostname: args
                .get("BUILDKIT_SANDBOX_HOSTNAME")
                .cloned()
                .unwrap_or_default(),
            cache_ns: args
                .get("BUILDKIT_CACHE_MOUNT_NS")
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// `proxyEnvFromBuildArgs`.
fn proxy_env(args: &BTreeMap<String, String>) -> Option<pb::ProxyEnv> {
    let mut pe = pb::ProxyEnv::default();
    let mut any = false;
    for (k, v) in args {
        let field = match k.to_ascii_lowercase().as_str() {
            "http_proxy" => &mut pe.http_proxy,
            "https_proxy" => &mut pe.https_proxy,
            "ftp_proxy" => &mut pe.ftp_proxy,
            "no_proxy" => &mut pe.no_proxy,
            "all_proxy" => &mut pe.all_proxy,
            _ => continue,
        };
        field.clone_from(v);
        any = true;
    }
    any.then_some(pe)
}
