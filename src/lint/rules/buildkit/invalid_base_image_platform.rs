//! `InvalidBaseImagePlatform`: a base image for another platform than the stage's.

use crate::lint::config::CheckConfig;
use crate::lint::rule::{Fixable, Origin, Rule};
use crate::lint::sink::{Finding, Sink};
use crate::syntax::Span;

pub const RULE: Rule = Rule {
    code: "InvalidBaseImagePlatform",
    origin: Origin::BuildKit,
    severity: crate::lint::diagnostic::Severity::Warning,
    summary: "Base image platform does not match expected target platform",
    url: "",
    experimental: false,
    fixable: Fixable::No,
    doc: DOC,
};

const DOC: &str = "\
## What it does
Flags a stage whose base image is for another OS or architecture than the stage is
built for. dfc resolves no images: the base image is taken to be for the build's target
platform (linux/amd64), so the rule fires when `FROM --platform=` asks for another
OS/architecture for an image (not a stage or `scratch`).

## Why is this bad?
Running the image needs emulation, or fails.

## Example
```dockerfile
FROM --platform=linux/arm64 alpine
```

## Use instead
```dockerfile
FROM --platform=$TARGETPLATFORM alpine
```
";

/// `image` is the normalized image name, `expected` the requested platform and `actual`
/// the image's.
pub fn check(
    sink: &mut Sink,
    config: &CheckConfig,
    image: &str,
    expected: &str,
    actual: &str,
    span: Span,
    instruction: Span,
) {
    let message = format!(
        "Base image {image} was pulled with platform {}, expected {} for current build",
        crate::shell::go_quote(actual),
        crate::shell::go_quote(expected)
    );
    let finding = Finding::new(span, instruction, message, "platform mismatch")
        .help("use an image built for the target platform");
    sink.report(config, &RULE, finding);
}
