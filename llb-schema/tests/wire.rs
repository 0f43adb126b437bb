//! Wire-format details where Go and a naive prost encoding differ, checked
//! against bytes worked out by hand from protobuf-go's rules.

use std::collections::BTreeMap;

use llb_schema::pb::{self, op, user_opt};
use llb_schema::{encode_definition, encode_op, GoJson};

#[test]
fn map_entries_keep_zero_values() {
    // attrs {"a": ""}: Go writes key and (empty) value.
    let src = pb::SourceOp {
        identifier: String::new(),
        attrs: BTreeMap::from([("a".to_string(), String::new())]),
    };
    let op = pb::Op {
        op: Some(op::Op::Source(src)),
        ..Default::default()
    };
    assert_eq!(
        encode_op(&op),
        [0x1a, 0x07, 0x12, 0x05, 0x0a, 0x01, b'a', 0x12, 0x00]
    );

    // caps {"x": false} and an empty-message map value in Definition.metadata.
    let md = pb::OpMetadata {
        caps: BTreeMap::from([("x".to_string(), false)]),
        ..Default::default()
    };
    let def = pb::Definition {
        def: vec![],
        metadata: BTreeMap::from([
            ("k".to_string(), pb::OpMetadata::default()),
            ("m".to_string(), md),
        ]),
        source: None,
    };
    assert_eq!(
        encode_definition(&def),
        [
            0x12, 0x05, 0x0a, 0x01, b'k', 0x12, 0x00, // "k": {}
            0x12, 0x0c, 0x0a, 0x01, b'm', 0x12, 0x07, // "m": {caps {"x": false}}
            0x2a, 0x05, 0x0a, 0x01, b'x', 0x10, 0x00,
        ]
    );
}

#[test]
fn map_keys_are_sorted_bytewise() {
    let src = pb::SourceOp {
        identifier: String::new(),
        attrs: BTreeMap::from([
            ("b".to_string(), "2".to_string()),
            ("B".to_string(), "1".to_string()),
            ("a".to_string(), "3".to_string()),
        ]),
    };
    let bytes = llb_schema::encode_op(&pb::Op {
        op: Some(op::Op::Source(src)),
        ..Default::default()
    });
    let keys: Vec<u8> = bytes
        .windows(3)
        .filter(|w| w[0] == 0x0a && w[1] == 0x01)
        .map(|w| w[2])
        .collect();
    assert_eq!(keys, b"Bab");
}

#[test]
fn oneof_is_written_after_platform_and_constraints() {
    let op = pb::Op {
        inputs: vec![pb::Input {
            digest: "d".into(),
            index: 0,
        }],
        op: Some(op::Op::Merge(pb::MergeOp { inputs: vec![] })),
        platform: Some(pb::Platform::default()),
        constraints: Some(pb::WorkerConstraints::default()),
    };
    assert_eq!(
        encode_op(&op),
        [0x0a, 0x03, 0x0a, 0x01, b'd', 0x52, 0x00, 0x5a, 0x00, 0x32, 0x00]
    );
}

#[test]
fn oneof_zero_scalar_is_written_and_json_omits_it() {
    let u = pb::UserOpt {
        user: Some(user_opt::User::ById(0)),
    };
    assert_eq!(prost::Message::encode_to_vec(&u), [0x10, 0x00]);
    assert_eq!(u.to_go_json(), r#"{"User":{}}"#);
    let named = pb::UserOpt {
        user: Some(user_opt::User::ByName(pb::NamedUserOpt {
            name: "root".into(),
            input: 0,
        })),
    };
    assert_eq!(named.to_go_json(), r#"{"User":{"byName":{"name":"root"}}}"#);
}

#[test]
fn negative_int_and_packed_repeated() {
    let meta = pb::Meta {
        valid_exit_codes: vec![0, 1],
        ..Default::default()
    };
    assert_eq!(
        prost::Message::encode_to_vec(&meta),
        [0x62, 0x02, 0x00, 0x01]
    );
    let mkdir = pb::FileActionMkDir {
        timestamp: -1,
        ..Default::default()
    };
    let mut want = vec![0x28];
    want.extend([0xff; 9]);
    want.push(0x01);
    assert_eq!(prost::Message::encode_to_vec(&mkdir), want);
}

#[test]
fn json_of_file_actions_follows_buildkit_quirks() {
    let symlink = pb::FileAction {
        input: 0,
        secondary_input: -1,
        output: 0,
        action: Some(pb::file_action::Action::Symlink(pb::FileActionSymlink {
            oldpath: "a".into(),
            newpath: "b".into(),
            ..Default::default()
        })),
    };
    assert_eq!(
        symlink.to_go_json(),
        r#"{"input":0,"secondaryInput":-1,"output":0,"Action":{}}"#
    );
    let mkfile = pb::FileAction {
        input: 0,
        secondary_input: -1,
        output: -1,
        action: Some(pb::file_action::Action::Mkfile(pb::FileActionMkFile {
            path: "/x".into(),
            mode: 0o644,
            data: b"hi\n".to_vec(),
            ..Default::default()
        })),
    };
    assert_eq!(
        mkfile.to_go_json(),
        r#"{"input":0,"secondaryInput":-1,"output":-1,"Action":{"mkfile":{"path":"/x","mode":420,"data":"aGkK"}}}"#
    );
}

#[test]
fn terminal_op_json() {
    let op = pb::Op {
        inputs: vec![pb::Input {
            digest: "sha256:x".into(),
            index: 1,
        }],
        ..Default::default()
    };
    assert_eq!(
        op.to_go_json(),
        r#"{"inputs":[{"digest":"sha256:x","index":1}],"Op":{}}"#
    );
}
