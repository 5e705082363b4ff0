//! The language of a file whose extension several languages share, read
//! from its text: `.h` is C, C++ or Objective-C; `.m` is Objective-C or a
//! language Doctown does not read (MATLAB, Mercury, Limbo). Each test is
//! on the start of a line (comments and strings aside, a marker in the
//! middle of a line is not counted), so a file is read once, cheaply.

use crate::Language;

/// `language` as the extension named it, refined by the text where the
/// extension is shared; `None`: not a language Doctown reads.
pub fn sniff(language: Language, path: &str, text: &str) -> Option<Language> {
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext);
    match ext {
        Some("h") | Some("H") if language == Language::C => Some(header_language(text)),
        Some("m") | Some("M") if language == Language::ObjC => {
            starts_objc(text).then_some(Language::ObjC)
        }
        _ => Some(language),
    }
}

/// A `.h` file: Objective-C when a line starts with one of its directives,
/// else C++ when a line starts with a construct C does not have, else C.
fn header_language(text: &str) -> Language {
    let mut cpp = false;
    for line in text.lines() {
        let line = line.trim_start();
        if is_objc_line(line) {
            return Language::ObjC;
        }
        cpp = cpp || is_cpp_line(line);
    }
    if cpp {
        Language::Cpp
    } else {
        Language::C
    }
}

/// A `.m` file is Objective-C when a line starts as only Objective-C (or
/// the C preprocessor, which MATLAB's `%` comments never are) would.
fn starts_objc(text: &str) -> bool {
    text.lines().map(str::trim_start).any(|line| {
        is_objc_line(line)
            || line.starts_with("#include")
            || line.starts_with("#define")
            || line.starts_with("#if")
            || is_method_head(line)
    })
}

fn is_objc_line(line: &str) -> bool {
    const DIRECTIVES: [&str; 7] = [
        "interface",
        "implementation",
        "protocol",
        "end",
        "class",
        "property",
        "synthesize",
    ];
    if let Some(rest) = line.strip_prefix('@') {
        return DIRECTIVES
            .iter()
            .any(|d| rest.strip_prefix(d).is_some_and(ends_word));
    }
    line.strip_prefix('#')
        .map(str::trim_start)
        .is_some_and(|d| d.starts_with("import"))
}

/// `- (void)run;`, `+ (instancetype)new {`
fn is_method_head(line: &str) -> bool {
    let Some(rest) = line.strip_prefix(['-', '+']) else {
        return false;
    };
    rest.trim_start().starts_with('(') && rest.contains(')')
}

fn is_cpp_line(line: &str) -> bool {
    let word = |w: &str| line.strip_prefix(w).is_some_and(ends_word);
    if word("namespace") || word("using") && line.contains("namespace") {
        return true;
    }
    if let Some(rest) = line.strip_prefix("template") {
        return rest.trim_start().starts_with('<');
    }
    if line == "public:" || line == "private:" || line == "protected:" {
        return true;
    }
    if let Some(rest) = line.strip_prefix("class").filter(|r| ends_word(r)) {
        // `class Name {`, `class Name : public Base`, `class Name;`
        let mut name = rest.trim_start().splitn(2, |c: char| !is_ident(c));
        let ident = name.next().unwrap_or("");
        let after = name.next().unwrap_or("").trim_start();
        return !ident.is_empty() && (after.is_empty() || after.starts_with(['{', ':', ';']));
    }
    if let Some(header) = line
        .strip_prefix('#')
        .map(str::trim_start)
        .and_then(|d| d.strip_prefix("include"))
        .map(str::trim_start)
        .and_then(|d| d.strip_prefix('<'))
    {
        // The C++ standard headers have no extension: `<vector>`, `<cstdio>`.
        let name = header.split('>').next().unwrap_or("");
        return !name.is_empty() && !name.contains(['.', '/']);
    }
    false
}

fn ends_word(rest: &str) -> bool {
    rest.chars().next().is_none_or(|c| !is_ident(c))
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Option<Language> {
        sniff(Language::C, "include/x.h", text)
    }

    #[test]
    fn headers_of_c_stay_c() {
        let kernel = "/* SPDX */\n#ifndef _LINUX_DEVICE_H\n#include <linux/kobject.h>\n\
                      struct class {\n\tconst char *name;\n};\nextern \"C\" {\nint class_register(struct class *class);\n}\n\
                      #define ATTR(_name) { .attr = { .name = __stringify(_name) } }\n";
        assert_eq!(header(kernel), Some(Language::C));
        assert_eq!(header(""), Some(Language::C));
        assert_eq!(
            header("int template;\nint namespace_id;\nint class_id = classify(x);\n"),
            Some(Language::C)
        );
    }

    #[test]
    fn headers_of_cpp_and_objc_are_told_apart() {
        assert_eq!(
            header("#pragma once\n#include <vector>\nint f();\n"),
            Some(Language::Cpp)
        );
        assert_eq!(
            header("namespace io {\nvoid f();\n}\n"),
            Some(Language::Cpp)
        );
        assert_eq!(
            header("template <typename T>\nT max(T a, T b);\n"),
            Some(Language::Cpp)
        );
        assert_eq!(
            header("class Widget : public Base {\n  public:\n};\n"),
            Some(Language::Cpp)
        );
        assert_eq!(header("class Widget;\n"), Some(Language::Cpp));
        assert_eq!(
            header("#import <Foundation/Foundation.h>\n@interface A : NSObject\n@end\n"),
            Some(Language::ObjC)
        );
        // Objective-C++: the Objective-C directives win.
        assert_eq!(
            header("#include <string>\n@protocol P\n@end\n"),
            Some(Language::ObjC)
        );
    }

    #[test]
    fn dot_m_is_objc_or_not_read() {
        let matlab = "function y = square(x)\n% squares x\n  y = x .^ 2;\nend\n";
        assert_eq!(sniff(Language::ObjC, "a/square.m", matlab), None);
        let objc = "#import \"A.h\"\n@implementation A\n- (void)run {\n}\n@end\n";
        assert_eq!(sniff(Language::ObjC, "a/A.m", objc), Some(Language::ObjC));
        let c_style = "#include <stdio.h>\nstatic int x;\n";
        assert_eq!(
            sniff(Language::ObjC, "a/b.m", c_style),
            Some(Language::ObjC)
        );
    }

    #[test]
    fn other_extensions_are_what_they_say() {
        assert_eq!(
            sniff(Language::Cpp, "a/x.hpp", "@interface"),
            Some(Language::Cpp)
        );
        assert_eq!(
            sniff(Language::C, "a/x.c", "namespace x {}"),
            Some(Language::C)
        );
    }
}
