"""Symbol recall of `doctown symbols` against universal-ctags, per language.

Usage: python3 lang_recall.py DOCTOWN_JSONL CTAGS_JSON LANGUAGE...

A ctags tag counts as found when Doctown reports a symbol of the same name in
the same file whose span holds the tag's line, or starts at most two lines
after it (ctags puts a C function on its name's line, Doctown's span starts
at the return type; an annotated Java method starts at the annotation). Only the ctags
kinds that Doctown also extracts are compared (KINDS below: what each
language's query file defines); kinds neither side has (locals, labels,
parameters, prototypes, externs) and ctags' made-up names of anonymous
types (`__anon…`) are left out; names compare without whitespace. A tag is
also left out where ctags' own output (scope, pattern, name) shows it is no
declaration a reader looks up — each case is commented where it is decided
in main() — and where the two tools name one declaration differently,
either name counts (declared_names). Prints one Markdown row per language:
files, ctags tags compared, found, recall, Doctown symbols, and how many of
those no ctags tag names (a check on precision, read by sampling:
RECALL_EXTRAS=N).
"""
import collections
import json
import os
import re
import sys

# ctags kinds of variables, and of the scopes that make them locals.
VARIABLES = {"variable", "constant", "var", "val", "const", "local"}
FUNCTIONS = {"function", "generator", "method", "func", "member", "singletonMethod", "procedure", "subroutine"}

# Haskell's reserved words: never the name of a declaration.
HASKELL_KEYWORDS = {"case", "class", "data", "default", "deriving", "do", "else", "if", "import", "in",
                    "infix", "infixl", "infixr", "instance", "let", "module", "newtype", "of", "then",
                    "type", "where", "_"}

# ctags language → (doctown language, ctags kinds compared).
KINDS = {
    "Rust": ("rust", {"module", "struct", "interface", "implementation", "function", "method", "enum", "enumerator", "typedef", "variable", "macro"}),
    "Python": ("python", {"class", "function", "member", "variable"}),
    "TypeScript": ("typescript", {"function", "class", "interface", "enum", "enumerator", "method", "namespace", "alias", "constant", "variable", "generator"}),
    "JavaScript": ("javascript", {"function", "class", "method", "generator", "getter", "setter", "field", "constant", "variable"}),
    "Go": ("go", {"func", "const", "var", "type", "struct", "interface", "talias", "methodSpec"}),
    "Java": ("java", {"class", "interface", "enum", "enumConstant", "method", "field", "annotation"}),
    "C": ("c", {"function", "struct", "union", "enum", "enumerator", "member", "typedef", "macro", "variable"}),
    "C++": ("cpp", {"function", "class", "struct", "union", "enum", "enumerator", "member", "typedef", "macro", "namespace", "variable"}),
    "C#": ("csharp", {"class", "interface", "struct", "enum", "enumerator", "method", "field", "property", "namespace"}),
    "Ruby": ("ruby", {"class", "module", "method", "singletonMethod", "constant"}),
    "PHP": ("php", {"class", "interface", "trait", "function", "namespace", "enum"}),
    "Kotlin": ("kotlin", {"class", "interface", "object", "method", "typealias", "constant", "variable"}),
    "Scala": ("scala", {"class", "trait", "object", "method", "type", "val", "var"}),
    "Sh": ("bash", {"function"}),
    "Lua": ("lua", {"function"}),
    "Elixir": ("elixir", {"module", "function", "macro", "protocol", "implementation"}),
    "Haskell": ("haskell", {"type", "constructor", "function"}),
    "OCaml": ("ocaml", {"module", "type", "function", "val", "exception"}),
    "Protobuf": ("proto", {"message", "field", "enum", "enumerator", "service", "rpc"}),
    "SQL": ("sql", {"table", "view", "function", "procedure"}),
    "ObjectiveC": ("objc", {"interface", "implementation", "method", "property", "function", "category"}),
    "Erlang": ("erlang", {"module", "function", "record", "type", "macro"}),
}


def unspaced(name):
    """`operator ->` and `operator->` are one name, and so are C#'s
    `operator ==` (ctags) and `==` (Doctown)."""
    name = "".join(name.split())
    return name[len("operator"):] if name.startswith("operator") and not name[8:9].isalnum() and name[8:9] != "_" else name


def declared_names(lang, t):
    """The names a tag stands for where ctags names a declaration otherwise
    than Doctown does: an Objective-C category `@implementation UIView
    (React)` (ctags' `React`) is Doctown's extension of `UIView` (as a Rust
    impl is named after its type); an Elixir `defimpl Snyk.JSON.Encoder,
    for: Regex` (ctags' `Encoder`, the protocol) is Doctown's impl `Regex`
    (the type: its functions are the type's, the protocol its base); Hugs'
    `primitive primIntToChar :: Int -> Char` (ctags' function `primitive`)
    declares `primIntToChar`."""
    pattern = t.get("pattern", "")
    if lang == "ObjectiveC" and t["kind"] == "category":
        found = re.search(r"@(?:interface|implementation)\s+(\w+)\s*\(", pattern)
    elif lang == "Elixir" and t["kind"] == "implementation":
        found = re.search(r"defimpl\s+[\w.]+\s*,\s*for:\s*[\w.]*?(\w+)\s+do", pattern)
    elif lang == "Haskell" and t["name"] == "primitive":
        found = re.search(r"^/\^primitive\s+(\w+)", pattern)
    else:
        found = None
    return [found.group(1)] if found else []


def main():
    doctown_path, ctags_path, *languages = sys.argv[1:]
    wanted = {ct: dt for ct, (dt, _) in KINDS.items() if dt in languages}
    ours = collections.defaultdict(list)  # (path, name) -> [start lines]
    counts = collections.Counter()
    mine = []  # (language, path, names, span, kind)
    for line in open(doctown_path, encoding="utf-8"):
        s = json.loads(line)
        span = (s["start_line"], s["end_line"])
        name = s["name"]
        ours[(s["path"], unspaced(name))].append(span)
        # A Rust `impl Hash for crate::Abi` is ctags' implementation `Abi`.
        if s["kind"] == "impl" and s["language"] == "rust":
            ty = re.sub(r"^impl\s*(<.*?>)?\s*", "", name.split(" for ")[-1]).lstrip("&")
            name = re.split(r"[<\s]", ty)[0]
        # Qualified names (`JSON.Parser.Array`, Elixir) by their last part too.
        last = re.split(r"\.|::", name)[-1]
        if last and unspaced(last) != unspaced(s["name"]):
            ours[(s["path"], unspaced(last))].append(span)
        counts[s["language"]] += 1
        mine.append((s["language"], s["path"], {unspaced(s["name"]), unspaced(last)}, span, s["kind"]))
    compared = collections.Counter()
    found = collections.Counter()
    files = collections.defaultdict(set)
    missed = collections.defaultdict(collections.Counter)
    samples = collections.defaultdict(list)
    theirs = collections.defaultdict(list)  # (path, name) -> [lines], every tag
    for line in open(ctags_path, encoding="utf-8", errors="replace"):
        try:
            t = json.loads(line)
        except json.JSONDecodeError:
            continue
        lang = t.get("language")
        if t.get("_type") != "tag" or lang not in wanted:
            continue
        for part in {t["name"], re.split(r"[.:]+", t["name"].strip(".:"))[-1], t["name"].split(":")[0],
                     *declared_names(lang, t)}:
            theirs[(t["path"], unspaced(part))].append(t["line"])
        if t.get("kind") not in KINDS[lang][1]:
            continue
        # ctags names anonymous types and namespaces `__anon…`, JavaScript's
        # anonymous functions `AnonymousFunction…` and Kotlin lambdas
        # `<lambda>`; they have no name to find.
        if t["name"].startswith(("__anon", "AnonymousFunction", "<")):
            continue
        # A variable or constant inside a function or method is a local
        # (ctags' Kotlin parser tags them; Doctown drops locals).
        if t["kind"] in VARIABLES and t.get("scopeKind") in FUNCTIONS:
            continue
        # Kotlin: ctags tags a lambda's parameters as methods of the lambda
        # (`{ view, index -> …}` gives methods `view` and `index`, scope
        # `….<lambda>`); they are parameters, not declarations.
        if lang == "Kotlin" and t.get("scope", "").endswith("<lambda>"):
            continue
        # TypeScript: inside a class whose methods ctags' parser cannot
        # follow, and in arrow functions, it tags locals with no scope
        # (`const { _parentage } = this;`, `let errored = false;`), and the
        # properties of object literals (`complete: noop,`) as constants.
        # A variable or constant with no scope on an indented line is one
        # of these; a declaration at the top of a file starts its line,
        # one in a namespace has the namespace as its scope.
        if lang == "TypeScript" and t["kind"] in VARIABLES and "scope" not in t \
                and t.get("pattern", "/^")[2:3] in (" ", "\t"):
            continue
        # Objective-C: ctags takes boxed expressions `@(x)` and macro
        # arguments for categories; a category is declared by `@interface
        # C (Cat)` or `@implementation C (Cat)`.
        if lang == "ObjectiveC" and t["kind"] == "category" and "@interface" not in t.get("pattern", "") \
                and "@implementation" not in t.get("pattern", ""):
            continue
        # Lua: ctags' parser tags the name before `=` on any line where
        # `function` appears, also inside another word (`cmp =
        # function_arg(2, cmp)`); a line without the keyword `function`
        # defines no function.
        if lang == "Lua" and not re.search(r"\bfunction\b", t.get("pattern", "")):
            continue
        # … and takes pieces of patterns and keys for names (`%s*` from
        # `s:gsub("%s*=", function …)`, `{iter`, `["false"]`, `Date[c]`):
        # a name that is no dotted identifier names nothing.
        if lang == "Lua" and not re.fullmatch(r"[A-Za-z_][\w.:]*", t["name"]):
            continue
        # Haskell: ctags takes a keyword for a name where a declaration has
        # a context or a fixity (`class Eq a => Hash a where` gives function
        # `class`; `infixr 5 +++`, `where`, `default`); a keyword names
        # nothing.
        if lang == "Haskell" and t["name"] in HASKELL_KEYWORDS:
            continue
        # OCaml: `let () = …` and `let _ = …` bind no name (ctags tags them
        # as functions `()` and `_`), and in `type nonrec t = …` ctags takes
        # the keyword for the type's name.
        if lang == "OCaml" and t["name"] in ("()", "_", "nonrec"):
            continue
        # Objective-C: the methods a macro's definition writes
        # (`-(void)set##setProp : (type)value \`) are a template, not
        # declarations; ctags tags them (its pattern ends in the line's `\`).
        if lang == "ObjectiveC" and t.get("pattern", "").endswith("\\\\$/"):
            continue
        # OCaml: ctags tags each file as a module named after it, on line 1.
        path = t["path"]
        stem = os.path.splitext(os.path.basename(path))[0]
        if lang == "OCaml" and t["kind"] == "module" and t["line"] == 1 and t["name"] == stem[:1].upper() + stem[1:]:
            continue
        dt = wanted[lang]
        files[dt].add(path)
        compared[dt] += 1
        # `Date:_init` (Lua), `A::B` (C++), `a.b` (qualified names): the last
        # part, or the whole name where Doctown keeps it (a C# `namespace
        # A.B`). Objective-C selectors (`initWithFrame:bridge:`): the whole
        # selector, as Doctown names a method.
        if lang == "ObjectiveC" and t["kind"] == "method":
            name = t["name"]
        else:
            name = re.split(r"[.:]+", t["name"].strip(".:"))[-1] or t["name"]
        lines = ours.get((path, unspaced(name)), []) + ours.get((path, unspaced(t["name"])), [])
        for alias in declared_names(lang, t):
            lines = lines + ours.get((path, unspaced(alias)), [])
        if any(start - 2 <= t["line"] <= end for start, end in lines):
            found[dt] += 1
        else:
            missed[dt][t["kind"]] += 1
            samples[dt].append(f'{path}:{t["line"]} {t["kind"]} {t["name"]}')
    # The other way: Doctown's symbols in the compared files that no ctags
    # tag (of any kind) names within their span — what Doctown adds, right
    # (kinds ctags lacks: fields, impl blocks, locals' closures) or wrong.
    alone = collections.Counter()
    alone_kinds = collections.defaultdict(collections.Counter)
    extras = collections.defaultdict(list)
    for language, path, names, (start, end), kind in mine:
        if language not in files or path not in files[language]:
            continue
        if not any(start - 2 <= ln <= end for n in names for ln in theirs.get((path, n), [])):
            alone[language] += 1
            alone_kinds[language][kind] += 1
            extras[language].append(f"{path}:{start} {kind} {'/'.join(sorted(names))}")
    print("| language | files | ctags tags compared | found by Doctown | recall | Doctown symbols | of them without a ctags tag | most missed kinds |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for dt in languages:
        n = compared[dt]
        recall = f"{found[dt] / n:.3f}" if n else "—"
        top = ", ".join(f"{k} {c}" for k, c in missed[dt].most_common(3))
        print(f"| {dt} | {len(files[dt])} | {n} | {found[dt]} | {recall} | {counts[dt]} | {alone[dt]} | {top} |")
    # RECALL_MISSES=N prints N sampled misses per language (to stderr).
    show = int(os.environ.get("RECALL_MISSES", "0"))
    for dt in languages:
        for line in samples[dt][:: max(1, len(samples[dt]) // show)][:show] if show else []:
            print(f"missed {dt}: {line}", file=sys.stderr)
    # RECALL_EXTRAS=N prints N sampled Doctown symbols without a ctags tag.
    show = int(os.environ.get("RECALL_EXTRAS", "0"))
    for dt in languages:
        for line in extras[dt][:: max(1, len(extras[dt]) // show)][:show] if show else []:
            print(f"extra {dt}: {line}", file=sys.stderr)


if __name__ == "__main__":
    main()
