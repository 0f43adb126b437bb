//! Base images: every reachable stage's FROM resolved through the [`ImageResolver`]
//! (cached across the two passes), the image source op or scratch, and a stage taking
//! over the state of the stage it is based on.
//!
//! What it does not do: decide reachability (`stages.rs`) or dispatch instructions.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::error::LowerError;
use super::graph::Graph;
use super::image::Image;
use super::names::prefix_command;
use super::ops::{self, Meta};
use super::platform::Platform;
use super::reference::Reference;
use super::resolver::{ImageResolver, ResolvedImage};
use super::stage::StageState;
use super::state::State;

/// Caches resolutions so the two passes ask the resolver once per reference.
pub(super) struct CachedResolver<'a> {
    pub(super) inner: &'a dyn ImageResolver,
    pub(super) cache: RefCell<HashMap<(String, String), ResolvedImage>>,
}

impl CachedResolver<'_> {
    pub(super) fn resolve(&self, r: &str, p: &Platform) -> Result<ResolvedImage, String> {
        let key = (r.to_string(), p.format());
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let got = self.inner.resolve(r, p).map_err(|e| e.to_string())?;
        self.cache.borrow_mut().insert(key, got.clone());
        Ok(got)
    }
}

pub(super) fn resolve_bases(
    graph: &mut Graph,
    states: &mut [StageState],
    reachable: &BTreeSet<usize>,
    target_platform: &Platform,
    resolver: &CachedResolver<'_>,
) -> Result<(), LowerError> {
    #[allow(clippy::needless_range_loop)] // indices are stage ids shared with `base` and `deps`
    for i in 0..states.len() {
        if states[i].base.is_some() || states[i].dispatched || states[i].resolved {
            continue;
        }
        let is_reachable = reachable.contains(&i);
        states[i].resolved = is_reachable;
        if states[i].base_name == "scratch" {
            states[i].state = State::scratch();
            states[i].image = Image::empty(target_platform);
            states[i].platform = Some(target_platform.clone());
            states[i].is_scratch_base = true;
            if states[i].unregistered {
                states[i].dispatched = true;
            }
            continue;
        }
        resolve_base(
            graph,
            &mut states[i],
            is_reachable,
            target_platform,
            resolver,
        )?;
        if states[i].unregistered {
            states[i].dispatched = true;
        }
    }

    Ok(())
}

pub(super) fn resolve_base(
    graph: &mut Graph,
    ds: &mut StageState,
    reachable: bool,
    target_platform: &Platform,
    resolver: &CachedResolver<'_>,
) -> Result<(), LowerError> {
    let orig = ds.base_name.clone();
    let reference = Reference::parse_normalized(&orig).map_err(|e| {
        LowerError::at(
            ds.span,
            format!("failed to parse stage name \"{orig}\": {e}"),
        )
    })?;
    let platform = ds
        .platform
        .clone()
        .unwrap_or_else(|| target_platform.clone());
    let mut reference = reference.tag_name_only();
    ds.base_name = reference.to_string();
    let mut is_scratch = false;
    if reachable {
        let resolved = resolver
            .resolve(&ds.base_name, &platform)
            .map_err(|e| LowerError::at(ds.span, format!("{orig}: {e}")))?;
        let mut img: Image = serde_json::from_slice(&resolved.config)
            .map_err(|e| LowerError::at(ds.span, format!("failed to parse image config: {e}")))?;
        img.created = None;
        reference = reference.with_digest(&resolved.digest);
        ds.base_name = reference.to_string();
        if img.rootfs.diff_ids.as_ref().map_or(true, |d| d.is_empty()) {
            is_scratch = img.history.iter().all(|h| h.empty_layer);
        }
        ds.image = img;
    }
    if is_scratch {
        ds.state = State::scratch();
    } else {
        let name = format!("FROM {}", ds.base_name);
        let custom = prefix_command(ds, &name);
        let out = ops::source(
            graph,
            format!("docker-image://{}", ds.base_name),
            BTreeMap::new(),
            Some(&platform),
            &[llb_schema::caps::SOURCE_IMAGE],
            Meta {
                custom_name: Some(custom),
                command: Some(ds.from_code.clone()),
                ..Meta::default()
            },
        );
        ds.state = State {
            output: Some(out),
            ..State::default()
        };
    }
    ds.platform = Some(platform);
    Ok(())
}

pub(super) fn init_from_base(states: &mut [StageState], i: usize) {
    let Some(b) = states[i].base else { return };
    let base = states[b].clone();
    let ds = &mut states[i];
    ds.state = base.state;
    ds.platform = base.platform;
    ds.image = base.image;
    ds.image.config.on_build.clear();
    ds.paths = base.paths;
    ds.workdir_set = base.workdir_set;
    ds.build_args.extend(base.build_args);
}
