//! Reading a Dockerfile for a command and rendering errors about it, once, at the edge.

use std::io::Read;
use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, Report};

/// A Dockerfile's name (for messages) and text.
pub struct Input {
    pub name: String,
    pub text: String,
}

/// Reads `path`, or standard input for `-`. Bytes that are not UTF-8 are replaced.
pub fn read_input(path: &Path) -> Result<Input, String> {
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read the Dockerfile from standard input: {e}"))?;
        ("<stdin>".to_string(), buf)
    } else {
        let bytes = std::fs::read(path).map_err(|e| {
            format!(
                "cannot read {}: {e}\n  help: pass the path of a Dockerfile, or - for standard input",
                path.display()
            )
        })?;
        (path.display().to_string(), bytes)
    };
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(Input { name, text })
}

/// Prints a diagnostic with its source to stderr (colour only on a terminal).
pub fn report(input: &Input, diagnostic: impl miette::Diagnostic + Send + Sync + 'static) {
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
    eprint!("{}", render(input, diagnostic, color));
}

/// A diagnostic as people see it: message, the source lines with the span marked, help.
pub fn render(
    input: &Input,
    diagnostic: impl miette::Diagnostic + Send + Sync + 'static,
    color: bool,
) -> String {
    let report =
        Report::new(diagnostic).with_source_code(NamedSource::new(&input.name, input.text.clone()));
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{report:?}");
    }
    out
}
