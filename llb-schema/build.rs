//! Build script: turns `proto/llb.proto` into Rust without a system `protoc`.
//!
//! Steps: `protox` (pure Rust) parses the schema into a `FileDescriptorSet`;
//! `prost-build` generates the message types from it (`compile_fds`), except
//! for the messages whose derived encoding would differ from Go's (those with
//! map fields, `src/maps.rs`, and `Op`, `src/op_msg.rs`), which are
//! implemented by hand (`extern_path`) and checked here against the schema; and
//! finally this script writes `go_json.rs`, the Go `encoding/json` rendering
//! of every generated message, driven by the same descriptors, so the JSON
//! key order and key names follow the schema's declaration order and names.
//!
//! It does not touch anything outside `OUT_DIR`.

use std::fmt::Write as _;
use std::path::PathBuf;

use heck::{ToSnakeCase, ToUpperCamelCase};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

/// Messages implemented by hand: (message, Rust path). Those with maps
/// (`src/maps.rs`: Go writes zero map keys/values, prost does not) and `Op`
/// (`src/op_msg.rs`: Go writes oneofs after all other fields, prost at the
/// oneof's lowest tag).
const HAND_WRITTEN: &[(&str, &str)] = &[
    ("SourceOp", "crate::maps::SourceOp"),
    ("BuildOp", "crate::maps::BuildOp"),
    ("OpMetadata", "crate::maps::OpMetadata"),
    ("Source", "crate::maps::Source"),
    ("Definition", "crate::maps::Definition"),
    ("Op", "crate::op_msg::Op"),
];

/// Messages whose JSON BuildKit renders with its own `MarshalJSON`
/// (`solver/pb/json.go`); `src/json.rs` writes these by hand.
const CUSTOM_JSON: &[&str] = &["Op", "FileAction", "UserOpt"];

/// (field name, number, kind) of one hand-written field.
type FieldSpec = (&'static str, i32, &'static str);

/// What the hand-written messages implement, in declaration order:
/// (field name, number, kind). Kinds: `string`, `int64`, `bool`, `bytes*`
/// (repeated bytes), `msg:<T>`, `msg*:<T>` (repeated), `map:<K>,<V>`, and
/// `oneof <name> <kind>` for oneof members.
const EXPECTED: &[(&str, &[FieldSpec])] = &[
    (
        "Op",
        &[
            ("inputs", 1, "msg*:.pb.Input"),
            ("exec", 2, "oneof op msg:.pb.ExecOp"),
            ("source", 3, "oneof op msg:.pb.SourceOp"),
            ("file", 4, "oneof op msg:.pb.FileOp"),
            ("build", 5, "oneof op msg:.pb.BuildOp"),
            ("merge", 6, "oneof op msg:.pb.MergeOp"),
            ("diff", 7, "oneof op msg:.pb.DiffOp"),
            ("passthrough", 8, "oneof op msg:.pb.PassthroughOp"),
            ("platform", 10, "msg:.pb.Platform"),
            ("constraints", 11, "msg:.pb.WorkerConstraints"),
        ],
    ),
    (
        "SourceOp",
        &[
            ("identifier", 1, "string"),
            ("attrs", 2, "map:string,string"),
        ],
    ),
    (
        "BuildOp",
        &[
            ("builder", 1, "int64"),
            ("inputs", 2, "map:string,.pb.BuildInput"),
            ("def", 3, "msg:.pb.Definition"),
            ("attrs", 4, "map:string,string"),
        ],
    ),
    (
        "OpMetadata",
        &[
            ("ignore_cache", 1, "bool"),
            ("description", 2, "map:string,string"),
            ("export_cache", 4, "msg:.pb.ExportCache"),
            ("caps", 5, "map:string,bool"),
            ("progress_group", 6, "msg:.pb.ProgressGroup"),
            ("linux_resources", 7, "msg:.pb.LinuxResources"),
        ],
    ),
    (
        "Source",
        &[
            ("locations", 1, "map:string,.pb.Locations"),
            ("infos", 2, "msg*:.pb.SourceInfo"),
        ],
    ),
    (
        "Definition",
        &[
            ("def", 1, "bytes*"),
            ("metadata", 2, "map:string,.pb.OpMetadata"),
            ("Source", 3, "msg:.pb.Source"),
        ],
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=proto/llb.proto");
    println!("cargo:rerun-if-changed=build.rs");

    let fds = match protox::compile(["proto/llb.proto"], ["proto"]) {
        Ok(fds) => fds,
        Err(e) => panic!("proto/llb.proto does not compile: {e:?}"),
    };
    let file = fds
        .file
        .iter()
        .find(|f| f.name() == "llb.proto")
        .expect("protox returns the file it was asked to compile");

    check_hand_written(file);

    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    for (name, path) in HAND_WRITTEN {
        config.extern_path(format!(".pb.{name}"), *path);
    }
    if let Err(e) = config.compile_fds(fds.clone()) {
        panic!("prost-build failed on proto/llb.proto: {e}");
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let json = generate_json(file);
    std::fs::write(out.join("go_json.rs"), json).expect("OUT_DIR is writable");
}

/// The kind string (see [`EXPECTED`]) of one field.
fn kind(msg: &DescriptorProto, field: &FieldDescriptorProto) -> String {
    let base = plain_kind(msg, field);
    match field.oneof_index {
        Some(i) => {
            let name = msg.oneof_decl.get(i as usize).map_or("?", |o| o.name());
            format!("oneof {name} {base}")
        }
        None => base,
    }
}

fn plain_kind(msg: &DescriptorProto, field: &FieldDescriptorProto) -> String {
    let repeated = field.label() == Label::Repeated;
    match field.r#type() {
        Type::Message => {
            if let Some((k, v)) = map_entry(msg, field) {
                return format!("map:{},{}", scalar_or_type(k), scalar_or_type(v));
            }
            let star = if repeated { "*" } else { "" };
            format!("msg{star}:{}", field.type_name())
        }
        _ => {
            let base = scalar_or_type(field);
            if repeated {
                format!("{base}*")
            } else {
                base
            }
        }
    }
}

fn scalar_or_type(field: &FieldDescriptorProto) -> String {
    match field.r#type() {
        Type::String => "string".into(),
        Type::Bytes => "bytes".into(),
        Type::Bool => "bool".into(),
        Type::Int32 => "int32".into(),
        Type::Int64 => "int64".into(),
        Type::Uint32 => "uint32".into(),
        Type::Uint64 => "uint64".into(),
        Type::Enum => "enum".into(),
        Type::Message => field.type_name().to_string(),
        other => panic!(
            "field {} has type {other:?}, which dfc's LLB schema does not use",
            field.name()
        ),
    }
}

/// If `field` is a map, its entry's key and value fields.
fn map_entry<'a>(
    msg: &'a DescriptorProto,
    field: &FieldDescriptorProto,
) -> Option<(&'a FieldDescriptorProto, &'a FieldDescriptorProto)> {
    if field.label() != Label::Repeated || field.r#type() != Type::Message {
        return None;
    }
    let entry_name = field.type_name().rsplit('.').next()?;
    let entry = msg
        .nested_type
        .iter()
        .find(|n| n.name() == entry_name && n.options.as_ref().is_some_and(|o| o.map_entry()))?;
    let key = entry.field.iter().find(|f| f.number() == 1)?;
    let value = entry.field.iter().find(|f| f.number() == 2)?;
    Some((key, value))
}

/// Checks that every message prost's derive would marshal differently from
/// Go is hand-written, and that the hand-written ones match the schema.
fn check_hand_written(file: &FileDescriptorProto) {
    let hand = |name: &str| HAND_WRITTEN.iter().any(|(n, _)| *n == name);
    for msg in &file.message_type {
        let has_map = msg.field.iter().any(|f| map_entry(msg, f).is_some());
        let min_oneof = msg
            .field
            .iter()
            .filter(|f| f.oneof_index.is_some())
            .map(|f| f.number())
            .min();
        let after_oneof = min_oneof.is_some_and(|m| {
            msg.field
                .iter()
                .any(|f| f.oneof_index.is_none() && f.number() > m)
        });
        if (has_map || after_oneof) && !hand(msg.name()) {
            panic!(
                "message {} has {}; prost's derive would not marshal it as Go does: \
                 hand-write it (see src/maps.rs, src/op_msg.rs) and list it in HAND_WRITTEN",
                msg.name(),
                if has_map {
                    "a map field"
                } else {
                    "a field numbered above its oneof"
                }
            );
        }
    }
    for (name, _) in HAND_WRITTEN {
        if !EXPECTED.iter().any(|(n, _)| n == name) {
            panic!("hand-written message {name} has no EXPECTED entry in build.rs");
        }
    }
    for (name, fields) in EXPECTED {
        let msg = file
            .message_type
            .iter()
            .find(|m| m.name() == *name)
            .unwrap_or_else(|| {
                panic!("proto/llb.proto lost message {name}, which is hand-written")
            });
        let actual: Vec<(String, i32, String)> = msg
            .field
            .iter()
            .map(|f| (f.name().to_string(), f.number(), kind(msg, f)))
            .collect();
        let expected: Vec<(String, i32, String)> = fields
            .iter()
            .map(|(n, num, k)| (n.to_string(), *num, k.to_string()))
            .collect();
        if actual != expected {
            panic!(
                "message {name} in proto/llb.proto no longer matches its hand-written \
                 implementation (src/maps.rs or src/op_msg.rs, and build.rs EXPECTED).\n  schema:   {actual:?}\n  \
                 expected: {expected:?}\nUpdate the Rust (encode, decode, length, JSON) and EXPECTED together."
            );
        }
    }
}

/// prost-build's Rust field name for a proto field name.
fn rust_field(name: &str) -> String {
    let snake = name.to_snake_case();
    match snake.as_str() {
        "type" | "match" | "ref" | "mod" | "use" | "fn" | "impl" | "struct" | "enum" | "move"
        | "in" | "as" | "loop" | "where" | "static" | "const" | "crate" | "self" | "super" => {
            panic!("field {name} needs keyword escaping; teach build.rs how prost names it")
        }
        _ => snake,
    }
}

/// Writes `impl GoJson for pb::X` for every message but the custom ones.
fn generate_json(file: &FileDescriptorProto) -> String {
    let mut out = String::new();
    out.push_str("// @generated by llb-schema/build.rs from proto/llb.proto. Do not edit.\n\n");
    for msg in &file.message_type {
        if CUSTOM_JSON.contains(&msg.name()) {
            continue;
        }
        let name = msg.name();
        let rust_name = name.to_upper_camel_case();
        let _ = writeln!(out, "impl GoJson for crate::pb::{rust_name} {{");
        let _ = writeln!(out, "    fn write_json(&self, w: &mut JsonWriter) {{");
        let _ = writeln!(out, "        w.begin_object();");
        for field in &msg.field {
            if field.oneof_index.is_some() {
                // Only Op, FileAction and UserOpt have oneofs, all CUSTOM_JSON.
                panic!(
                    "message {name} has a oneof; Go renders oneofs through custom MarshalJSON only \
                     for Op, FileAction and UserOpt; decide how BuildKit renders this one"
                );
            }
            let key = field.name();
            let f = rust_field(key);
            let call = if let Some((_, v)) = map_entry(msg, field) {
                match v.r#type() {
                    Type::String => "map_string",
                    Type::Bool => "map_bool",
                    Type::Message => "map_message",
                    other => panic!("map value type {other:?} in {name}.{key} is not handled"),
                }
            } else {
                let repeated = field.label() == Label::Repeated;
                match (field.r#type(), repeated) {
                    (Type::String, false) => "string",
                    (Type::String, true) => "repeated_string",
                    (Type::Bytes, false) => "bytes",
                    (Type::Bytes, true) => "repeated_bytes",
                    (Type::Bool, false) => "bool",
                    (
                        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Enum,
                        false,
                    ) => "number",
                    (Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64, true) => {
                        "repeated_number"
                    }
                    (Type::Message, false) => "message",
                    (Type::Message, true) => "repeated_message",
                    (other, _) => panic!("type {other:?} of {name}.{key} is not handled"),
                }
            };
            let _ = writeln!(out, "        w.field_{call}({key:?}, &self.{f});");
        }
        let _ = writeln!(out, "        w.end_object();");
        let _ = writeln!(out, "    }}");
        let _ = writeln!(out, "}}\n");
    }
    out
}
