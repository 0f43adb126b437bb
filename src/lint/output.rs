//! Rendering diagnostics: `human` (codespan-reporting), `json`, `sarif` 2.1.0, `github`
//! workflow annotations and `checkstyle` XML. Every format lists the findings in the
//! order [`crate::lint::lint`] sorted them. `json` and `sarif` also carry each finding's
//! fix (the edits `dfc lint --fix` would make, positioned as the finding is).

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

use super::diagnostic::{Diagnostic, Edit, Severity};
use super::rule;
use crate::syntax::LineIndex;

/// One file's findings with what is needed to show them.
pub struct FileReport<'a> {
    pub path: &'a str,
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    code: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: Severity,
    message: &'a str,
    url: &'a str,
    /// Absent when the finding has no mechanical fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix>,
}

/// A finding's fix: what it does and its replacements, in file order.
#[derive(Serialize)]
struct JsonFix {
    description: String,
    edits: Vec<JsonEdit>,
}

/// One replacement: the text from `line:column` up to (not including)
/// `end_line:end_column` becomes `replacement` (1-based, columns in characters).
#[derive(Serialize)]
struct JsonEdit {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    replacement: String,
}

fn json_fix(source: &str, index: &LineIndex, edits: &[Edit]) -> Option<JsonFix> {
    if edits.is_empty() {
        return None;
    }
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let description = edits
        .iter()
        .map(|e| match (e.expect.is_empty(), e.text.is_empty()) {
            (true, _) => format!("insert `{}`", e.text),
            (false, true) => format!("delete `{}`", e.expect),
            (false, false) => format!("replace `{}` with `{}`", e.expect, e.text),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let edits = edits
        .iter()
        .map(|e| {
            let start = index.line_col(source, e.span.start);
            let end = index.line_col(source, e.span.end);
            JsonEdit {
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                replacement: e.text.clone(),
            }
        })
        .collect();
    Some(JsonFix { description, edits })
}

fn json_findings<'a>(files: &'a [FileReport<'a>]) -> Vec<JsonFinding<'a>> {
    let mut out = Vec::new();
    for f in files {
        let index = LineIndex::new(f.source);
        for d in f.diagnostics {
            let p = d.position(f.source, &index);
            out.push(JsonFinding {
                file: f.path,
                code: d.code,
                line: p.line,
                column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                severity: d.severity,
                message: &d.message,
                url: d.url,
                fix: d
                    .fix
                    .as_deref()
                    .and_then(|edits| json_fix(f.source, &index, edits)),
            });
        }
    }
    out
}

/// A JSON array of findings, indented, with a final newline.
pub fn json(files: &[FileReport<'_>]) -> String {
    let mut s = serde_json::to_string_pretty(&json_findings(files)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// GitHub Actions workflow commands (`::warning file=...::message`).
pub fn github(files: &[FileReport<'_>]) -> String {
    let mut out = String::new();
    for f in json_findings(files) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Style => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(f.file),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            escape_property(f.code),
            escape_data(f.message)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Checkstyle XML, one `<file>` per input.
pub fn checkstyle(files: &[FileReport<'_>]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for f in files {
        out.push_str(&format!("  <file name=\"{}\">\n", xml(f.path)));
        let index = LineIndex::new(f.source);
        for d in f.diagnostics {
            let p = d.position(f.source, &index);
            out.push_str(&format!(
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"{}\"/>\n",
                p.line,
                p.column,
                match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info | Severity::Style => "info",
                },
                xml(&d.message),
                xml(d.code)
            ));
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// SARIF 2.1.0 with one run, the rules that fired as `tool.driver.rules`.
pub fn sarif(files: &[FileReport<'_>]) -> String {
    let mut codes: Vec<&str> = files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(|d| d.code))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            let r = rule::find(c);
            serde_json::json!({
                "id": c,
                "shortDescription": {"text": r.map_or("", |r| r.summary)},
                "helpUri": r.map_or("", |r| r.url),
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = json_findings(files)
        .iter()
        .map(|f| {
            let mut result = serde_json::json!({
                "ruleId": f.code,
                "level": match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info | Severity::Style => "note",
                },
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.file},
                    "region": {
                        "startLine": f.line, "startColumn": f.column,
                        "endLine": f.end_line, "endColumn": f.end_column,
                    }
                }}],
            });
            if let Some(fix) = &f.fix {
                result["fixes"] = sarif_fix(f.file, fix);
            }
            result
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dfc",
                "informationUri": "https://github.com/moby/buildkit",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF 2.1.0 `fixes` of one result: one fix changing one artifact.
fn sarif_fix(file: &str, fix: &JsonFix) -> serde_json::Value {
    let replacements: Vec<serde_json::Value> = fix
        .edits
        .iter()
        .map(|e| {
            serde_json::json!({
                "deletedRegion": {
                    "startLine": e.line, "startColumn": e.column,
                    "endLine": e.end_line, "endColumn": e.end_column,
                },
                "insertedContent": {"text": e.replacement},
            })
        })
        .collect();
    serde_json::json!([{
        "description": {"text": fix.description},
        "artifactChanges": [{
            "artifactLocation": {"uri": file},
            "replacements": replacements,
        }],
    }])
}

/// Source snippets with the span labelled, the help line and the rule's link.
pub fn human(files: &[FileReport<'_>], writer: &mut dyn WriteColor) -> std::io::Result<()> {
    let config = term::Config::default();
    for f in files {
        let file = SimpleFile::new(f.path, f.source);
        for d in f.diagnostics {
            let severity = match d.severity {
                Severity::Error => CsSeverity::Error,
                Severity::Warning => CsSeverity::Warning,
                Severity::Style => CsSeverity::Note,
                Severity::Info => CsSeverity::Help,
            };
            let mut notes = Vec::new();
            if let Some(help) = &d.help {
                notes.push(format!("help: {help}"));
            }
            if !d.url.is_empty() {
                notes.push(format!("see: {}", d.url));
            }
            let diagnostic = CsDiagnostic::new(severity)
                .with_code(d.code)
                .with_message(&d.message)
                .with_labels(vec![
                    Label::primary((), d.span.range()).with_message(&d.label)
                ])
                .with_notes(notes);
            term::emit(writer, &config, &file, &diagnostic).map_err(std::io::Error::other)?;
        }
    }
    Ok(())
}

/// [`human`] into a string without colour (for snapshots).
pub fn human_plain(files: &[FileReport<'_>]) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    let _ = human(files, &mut buf);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}
