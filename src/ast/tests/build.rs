//! Grouping into stages, collecting every error, JSON output and diagnostics.

use super::super::testutil::{file, node};
use super::super::*;

#[test]
fn build_groups_stages_and_meta_args() {
    let (df, errors) = build(&file(
        "ARG BASE=alpine\n# base is the first stage\nFROM $BASE AS base\nRUN true\nARG X\n\nFROM base\nCOPY --from=base /a /b\n",
    ));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[0].name(), Some("base"));
    assert_eq!(df.stages[0].base(), "$BASE");
    assert_eq!(
        df.stages[0].from.doc_comment.as_deref(),
        Some("is the first stage")
    );
    assert_eq!(df.stages[0].instructions.len(), 2);
    assert_eq!(df.stages[1].name(), None);
    assert_eq!(df.stages[1].platform(), None);
    // The stage span runs from FROM to the end of its last instruction.
    let src = "ARG BASE=alpine\n# base is the first stage\nFROM $BASE AS base\nRUN true\nARG X\n";
    assert_eq!(df.stages[0].span, Span::new(42, src.len() - 1));
}

#[test]
fn build_reports_every_error_in_file_order() {
    let (df, errors) = build(&file(
        "FROM a\nRUN --mont=x true\nCOPY x\nFROM b AS 9\nFROOM c\nRUN ok\n",
    ));
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "unknown flag: --mont (did you mean mount?)",
            "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            "invalid name for build stage: \"9\", name can't start with a number or contain symbols",
            "unknown instruction: FROOM (did you mean FROM?)",
        ]
    );
    assert!(errors.iter().all(AstError::has_line_prefix));
    let text = "FROM a\nRUN --mont=x true\nCOPY x\nFROM b AS 9\nFROOM c\nRUN ok\n";
    let index = crate::syntax::LineIndex::new(text);
    assert_eq!(
        errors[3].buildkit_message(&index),
        "dockerfile parse error on line 5: unknown instruction: FROOM (did you mean FROM?)"
    );
    // The failed FROM still opens a stage, holding the RUN after it.
    assert_eq!(df.stages.len(), 2);
    assert_eq!(df.stages[1].base(), "b");
    assert_eq!(df.stages[1].instructions.len(), 1);
}

#[test]
fn no_build_stage() {
    let (df, errors) = build(&file("ARG a\nMAINTAINER me\nLABEL x=y\nFROM s\n"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "no build stage in current context");
    assert!(!errors[0].has_line_prefix());
    let index = crate::syntax::LineIndex::new("ARG a\nMAINTAINER me\n");
    assert_eq!(
        errors[0].buildkit_message(&index),
        "no build stage in current context"
    );
    assert_eq!(errors[0].node_span(), Span::new(6, 19));
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.stages.len(), 1);

    // A parse error before FROM wins over the missing stage.
    let (_, errors) = build(&file("ENV\nFROM s\n"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "ENV requires at least one argument");
}

#[test]
fn json_output_has_spans() -> Result<(), serde_json::Error> {
    let (df, _) = build(&file("FROM a AS b\nRUN --network=host [\"x\"]\n"));
    let json = serde_json::to_value(&df)?;
    let run = &json["stages"][0]["instructions"][0];
    assert_eq!(run["instruction"], "run");
    assert_eq!(run["network"]["value"], "host");
    assert_eq!(run["command"]["form"], "exec");
    assert_eq!(run["command"]["args"][0]["value"], "x");
    assert_eq!(json["stages"][0]["from"]["name"]["span"]["start"], 10);
    Ok(())
}

#[test]
fn diagnostics_have_labels_and_help() {
    use miette::Diagnostic;
    let Err(err) = parse_instruction(&node("RUN --mont=x true")) else {
        panic!("expected an error");
    };
    assert_eq!(err.span(), Span::new(4, 12));
    let labels: Vec<_> = err
        .labels()
        .map(|l| l.collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].offset(), 4);
    assert_eq!(
        err.help().map(|h| h.to_string()).as_deref(),
        Some("RUN accepts --device, --mount, --network, --security")
    );
}
