//! Objective-C methods defined through a macro: React Native writes its
//! exported methods and view properties as
//!
//! ```objc
//! RCT_EXPORT_METHOD(removeRootView : (nonnull NSNumber *)rootReactTag)
//! {
//!   …
//! }
//! RCT_CUSTOM_VIEW_PROPERTY(borderRadius, CGFloat, RCTView) { … }
//! ```
//!
//! inside an `@implementation`. tree-sitter-objc cannot read a macro call
//! followed by a body there, and its recovery loses the whole
//! `@implementation` with every method after it. The parser is given a
//! copy of the text in which each such head reads `-(void)name`, `name`
//! being the macro's first argument (the method or property it defines),
//! the rest of the head blanked: every byte keeps its offset, every line
//! its number, so the tree's ranges are the original's and the symbols'
//! names and signatures are read from the original text
//! (`RCT_EXPORT_METHOD(removeRootView : (nonnull NSNumber *)rootReactTag)`).
//!
//! A method is named by its whole selector, as the language (and ctags)
//! names it: `- (void)insert:(id)x at:(int)i` is `insert:at:`, and the
//! message send `[list insert:x at:0]` calls `insert:at:` — `insert:` and
//! `insert:at:` are two methods.

use std::borrow::Cow;
use tree_sitter::Node;

/// The selector of a method's declaration or definition (`insert:at:`,
/// `count`), or of a message send (`[list insert:x at:0]`): each keyword
/// followed by `:` where an argument follows it (`a::` for `a:(id)x
/// :(id)y`). `None` for any other node.
pub(crate) fn selector(node: Node, src: &str) -> Option<String> {
    let send = match node.kind() {
        "method_declaration" | "method_definition" => false,
        "message_expression" => true,
        _ => return None,
    };
    let mut out = String::new();
    let mut cursor = node.walk();
    for (i, child) in node.children(&mut cursor).enumerate() {
        match child.kind() {
            // A send's receiver is its first named child, never a keyword.
            _ if send && node.field_name_for_child(i as u32) == Some("receiver") => {}
            "identifier" if !send || node.field_name_for_child(i as u32) == Some("method") => {
                out.push_str(src.get(child.byte_range()).unwrap_or(""));
            }
            "method_parameter" if !send => out.push(':'),
            ":" if send => out.push(':'),
            _ => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The longest macro head (name and arguments) looked at.
const HEAD_CAP: usize = 16 * 1024;
/// `-(void)`: what a macro's name and `(` become (the name must be at
/// least this long).
const METHOD: &[u8] = b"-(void)";

/// The text the parser reads: `source` with the heads of macro-defined
/// methods inside `@implementation … @end` rewritten as method heads, or
/// `source` itself when there are none.
pub(crate) fn parse_text(source: &str) -> Cow<'_, str> {
    let bytes = source.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut in_implementation = false;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| line_start + i);
        let line = &bytes[line_start..line_end];
        if line.starts_with(b"@implementation") {
            in_implementation = true;
        } else if line.starts_with(b"@end") {
            in_implementation = false;
        } else if in_implementation {
            if let Some(rewrite) = macro_method(bytes, line_start) {
                let text = out.get_or_insert_with(|| bytes.to_vec());
                rewrite.apply(text);
            }
        }
        line_start = line_end + 1;
    }
    match out {
        // Only ASCII bytes were written, each over a whole character's
        // bytes or over ASCII, so the text is still UTF-8.
        Some(text) => String::from_utf8(text).map_or(Cow::Borrowed(source), Cow::Owned),
        None => Cow::Borrowed(source),
    }
}

/// What to do with a macro call that starts a line.
enum Rewrite {
    /// A method defined by the macro: `-(void)` over the macro's name and
    /// `(`, the first argument (`name`) kept, everything else up to and
    /// including the closing `)` (`close`) blanked.
    Method {
        start: usize,
        name: (usize, usize),
        close: usize,
    },
    /// A call standing as a declaration (`RCT_ENUM_CONVERTER(T, (@{…}),
    /// …)`), which the grammar cannot read there: blanked up to `close`,
    /// its `)` or `;`.
    Blank { start: usize, close: usize },
}

impl Rewrite {
    fn apply(&self, text: &mut [u8]) {
        match *self {
            Rewrite::Method { start, name, close } => {
                let prefix = start..name.0;
                for (i, b) in prefix.zip(METHOD.iter().chain(std::iter::repeat(&b' '))) {
                    text[i] = *b;
                }
                blank(&mut text[name.1..=close]);
            }
            Rewrite::Blank { start, close } => blank(&mut text[start..=close]),
        }
    }
}

/// Spaces over everything but line breaks.
fn blank(bytes: &mut [u8]) {
    for byte in bytes {
        if *byte != b'\n' && *byte != b'\r' {
            *byte = b' ';
        }
    }
}

/// A line that starts with an upper-case macro call (`RCT_…(…)`): a method
/// when its first argument is an identifier and `{` follows, a declaration
/// to blank when the line ends after it (or after `;`).
fn macro_method(bytes: &[u8], start: usize) -> Option<Rewrite> {
    let rest = &bytes[start..];
    let name_len = rest
        .iter()
        .take_while(|&&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        .count();
    let name = &rest[..name_len];
    if name_len < 2
        || !rest[0].is_ascii_uppercase()
        || !name.contains(&b'_')
        || rest.get(name_len) != Some(&b'(')
    {
        return None;
    }
    let open = start + name_len;
    let close = closing_parenthesis(bytes, open)?;
    let body = bytes[close + 1..].iter().find(|b| !b.is_ascii_whitespace());
    if body != Some(&b'{') {
        // The call and its `;` (an empty declaration is no more readable
        // there than the call).
        let gap = bytes[close + 1..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let semicolon = close + 1 + gap;
        let (end, next) = match bytes.get(semicolon) {
            Some(b';') => {
                let gap = bytes[semicolon + 1..]
                    .iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
                (semicolon, bytes.get(semicolon + 1 + gap))
            }
            next => (close, next),
        };
        let ends_line = matches!(next, None | Some(b'\n' | b'\r'));
        return ends_line.then_some(Rewrite::Blank { start, close: end });
    }
    if name_len + 1 < METHOD.len() {
        return None;
    }
    // The first argument: an identifier, after optional spaces.
    let arg_start = open
        + 1
        + bytes[open + 1..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
    let arg_len = bytes[arg_start..close]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
        .count();
    if arg_len == 0 || bytes[arg_start].is_ascii_digit() {
        return None;
    }
    Some(Rewrite::Method {
        start,
        name: (arg_start, arg_start + arg_len),
        close,
    })
}

/// The `)` that closes the `(` at `open`: nesting counted, string and
/// character literals skipped, within [`HEAD_CAP`] bytes.
fn closing_parenthesis(bytes: &[u8], open: usize) -> Option<usize> {
    let end = bytes.len().min(open.saturating_add(HEAD_CAP));
    let mut depth = 0usize;
    let mut i = open;
    while i < end {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < end && bytes[i] != quote && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The selectors of every method and send in `source`, in order.
    fn selectors(source: &str) -> Vec<String> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&crate::grammar(doctown_core::Language::ObjC))
            .unwrap();
        let tree = parser.parse(source, None).unwrap();
        let mut out = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            out.extend(selector(node, source));
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        out
    }

    #[test]
    fn a_method_and_a_send_are_named_by_the_whole_selector() {
        let source = "@interface A\n- (void)insert:(id)x at:(int)i;\n- (int)count;\n@end\n\
                      @implementation A\n+ (id)with:(id)a :(id)b { [self insert:a at:[b count]]; \
                      [self pair:1 :2]; return nil; }\n@end\n";
        assert_eq!(
            selectors(source),
            [
                "insert:at:",
                "count",
                "with::",
                "insert:at:",
                "count",
                "pair::"
            ]
        );
    }

    #[test]
    fn a_macro_defined_method_reads_as_a_method_of_the_same_length() {
        let source = "@implementation RCTUIManager\n\
                      RCT_EXPORT_METHOD(removeRootView : (nonnull NSNumber *)rootReactTag\n\
                      \u{20}                 flag : (BOOL)é)\n{\n  [self go];\n}\n@end\n";
        let text = parse_text(source);
        assert_eq!(text.len(), source.len());
        assert_eq!(text.lines().count(), source.lines().count());
        let head = text.lines().nth(1).unwrap();
        assert!(
            head.starts_with("-(void)           removeRootView "),
            "{head:?}"
        );
        assert!(head.trim_end().ends_with("removeRootView"), "{head:?}");
        assert!(text.lines().nth(2).unwrap().trim().is_empty());
        assert!(text.contains("{\n  [self go];\n}\n@end"));
    }

    #[test]
    fn a_declaring_macro_call_is_blanked() {
        let source = "@implementation RCTConvert (Style)\n\
                      RCT_ENUM_CONVERTER(\n    Style,\n    (@{ @\"large\" : @(1), @\")\" : @(2) }),\n    \
                      Large,\n    integerValue)\n\
                      RCT_EXPORT_MODULE();\n@end\n";
        let text = parse_text(source);
        assert_eq!(text.len(), source.len());
        assert_eq!(text.lines().count(), source.lines().count());
        assert!(
            text.lines().skip(1).take(6).all(|l| l.trim().is_empty()),
            "{text}"
        );
        assert!(text.ends_with("\n@end\n"), "{text:?}");
    }

    #[test]
    fn only_heads_before_a_body_inside_an_implementation_change() {
        let unchanged = [
            // Outside an implementation.
            "RCT_EXPORT_METHOD(f : (id)x)\n{\n}\n",
            // A short name, a name that is no macro's, a non-identifier
            // argument, a call in an expression.
            "@implementation A\nFOO_(f) {\n}\n@end\n",
            "@implementation A\nFOOBARBAZ(f) {\n}\n@end\n",
            "@implementation A\nRCT_EXPORT_VALUE(x) + 1;\n@end\n",
            "@implementation A\nRCT_EXPORT_METHOD(@\"x\") {\n}\n@end\n",
            // Unbalanced, and a head that never closes.
            "@implementation A\nRCT_EXPORT_METHOD(f : (id)x\n",
            "@implementation A\nRCT_EXPORT_METHOD(\"(\" f) : (id)x\n",
            "@implementation A\nRCT_EXPORT_METHOD(f))) {\n",
        ];
        for source in unchanged {
            assert!(matches!(parse_text(source), Cow::Borrowed(_)), "{source:?}");
        }
    }
}
