//! Source languages Doctown parses, and how to recognise them.

use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    TypeScript,
    Tsx,
    JavaScript,
    Go,
    Java,
    C,
    Cpp,
    CSharp,
    Ruby,
    Php,
    Kotlin,
    Swift,
    Scala,
    Bash,
    Lua,
    Dart,
    Zig,
    Elixir,
    Haskell,
    OCaml,
    ObjC,
    Proto,
    Sql,
    Erlang,
}

impl Language {
    pub const ALL: [Language; 26] = [
        Language::Rust,
        Language::Python,
        Language::TypeScript,
        Language::Tsx,
        Language::JavaScript,
        Language::Go,
        Language::Java,
        Language::C,
        Language::Cpp,
        Language::CSharp,
        Language::Ruby,
        Language::Php,
        Language::Kotlin,
        Language::Swift,
        Language::Scala,
        Language::Bash,
        Language::Lua,
        Language::Dart,
        Language::Zig,
        Language::Elixir,
        Language::Haskell,
        Language::OCaml,
        Language::ObjC,
        Language::Proto,
        Language::Sql,
        Language::Erlang,
    ];

    /// The language of a file extension (without the dot), case-insensitive.
    /// `.h` says C and `.m` Objective-C; their text decides in the end
    /// ([`crate::language_sniff::sniff`]: a `.h` of C++ or Objective-C, a
    /// `.m` of MATLAB).
    pub fn from_extension(ext: &str) -> Option<Language> {
        let ext = ext.to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.extensions().contains(&ext.as_str()))
    }

    /// The file extensions (lowercase, without the dot) of the language.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Language::Rust => &["rs"],
            Language::Python => &["py", "pyi"],
            Language::TypeScript => &["ts", "mts", "cts"],
            Language::Tsx => &["tsx"],
            Language::JavaScript => &["js", "jsx", "mjs", "cjs"],
            Language::Go => &["go"],
            Language::Java => &["java"],
            Language::C => &["c", "h"],
            Language::Cpp => &[
                "cc", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "ipp", "tpp", "inl",
            ],
            Language::CSharp => &["cs"],
            Language::Ruby => &["rb", "rake", "gemspec"],
            Language::Php => &["php", "phtml"],
            Language::Kotlin => &["kt", "kts"],
            Language::Swift => &["swift"],
            Language::Scala => &["scala", "sc"],
            Language::Bash => &["sh", "bash"],
            Language::Lua => &["lua"],
            Language::Dart => &["dart"],
            Language::Zig => &["zig"],
            Language::Elixir => &["ex", "exs"],
            Language::Haskell => &["hs"],
            Language::OCaml => &["ml"],
            Language::ObjC => &["m"],
            Language::Proto => &["proto"],
            Language::Sql => &["sql"],
            Language::Erlang => &["erl", "hrl"],
        }
    }

    /// The language named by a `#!` line: python, node or deno, a shell,
    /// ruby, php, lua, elixir or escript.
    pub fn from_shebang(first_line: &str) -> Option<Language> {
        let line = first_line.strip_prefix("#!")?.trim();
        let mut words = line.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            program = words.find(|w| !w.starts_with('-'))?;
        }
        Some(match program {
            p if p.starts_with("python") || p == "pypy" || p == "pypy3" => Language::Python,
            "node" | "nodejs" => Language::JavaScript,
            "deno" | "ts-node" | "tsx" | "bun" => Language::TypeScript,
            "sh" | "bash" | "dash" | "ksh" | "zsh" => Language::Bash,
            p if p.starts_with("ruby") => Language::Ruby,
            p if p.starts_with("php") => Language::Php,
            p if p.starts_with("lua") || p == "luajit" => Language::Lua,
            "elixir" => Language::Elixir,
            "escript" => Language::Erlang,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::JavaScript => "javascript",
            Language::Go => "go",
            Language::Java => "java",
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::CSharp => "csharp",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::Kotlin => "kotlin",
            Language::Swift => "swift",
            Language::Scala => "scala",
            Language::Bash => "bash",
            Language::Lua => "lua",
            Language::Dart => "dart",
            Language::Zig => "zig",
            Language::Elixir => "elixir",
            Language::Haskell => "haskell",
            Language::OCaml => "ocaml",
            Language::ObjC => "objc",
            Language::Proto => "proto",
            Language::Sql => "sql",
            Language::Erlang => "erlang",
        }
    }

    /// The language of a name as [`Language::name`] spells it.
    pub fn from_name(name: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The six languages with hand-written extraction rules and
    /// language-specific call resolution; every other language is read
    /// by the query engine from its data file.
    pub fn has_rules(self) -> bool {
        matches!(
            self,
            Language::Rust
                | Language::Python
                | Language::TypeScript
                | Language::Tsx
                | Language::JavaScript
                | Language::Go
        )
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        for (ext, lang) in [
            ("rs", Language::Rust),
            ("py", Language::Python),
            ("pyi", Language::Python),
            ("ts", Language::TypeScript),
            ("mts", Language::TypeScript),
            ("cts", Language::TypeScript),
            ("tsx", Language::Tsx),
            ("js", Language::JavaScript),
            ("JSX", Language::JavaScript),
            ("mjs", Language::JavaScript),
            ("cjs", Language::JavaScript),
            ("go", Language::Go),
            ("erl", Language::Erlang),
            ("hrl", Language::Erlang),
        ] {
            assert_eq!(Language::from_extension(ext), Some(lang), "{ext}");
        }
        assert_eq!(Language::from_extension("h"), Some(Language::C));
        assert_eq!(Language::from_extension("hpp"), Some(Language::Cpp));
        assert_eq!(Language::from_extension("txt"), None);
        for l in Language::ALL {
            assert_eq!(Language::from_name(l.name()), Some(l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.name());
        }
    }

    #[test]
    fn shebangs() {
        assert_eq!(
            Language::from_shebang("#!/usr/bin/env python3"),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_shebang("#!/usr/bin/python"),
            Some(Language::Python)
        );
        assert_eq!(
            Language::from_shebang("#!/usr/bin/env node"),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::from_shebang("#!/usr/bin/env -S deno run --allow-net"),
            Some(Language::TypeScript)
        );
        assert_eq!(Language::from_shebang("#!/bin/sh"), Some(Language::Bash));
        assert_eq!(
            Language::from_shebang("#!/usr/bin/env ruby -w"),
            Some(Language::Ruby)
        );
        assert_eq!(
            Language::from_shebang("#!/usr/bin/env escript"),
            Some(Language::Erlang)
        );
        assert_eq!(Language::from_shebang("#!/usr/bin/perl"), None);
        assert_eq!(Language::from_shebang("python"), None);
    }
}
