"""Doc-comment stripping for the search evaluation (scripts/search_eval.py).

Each `strip_<lang>(text)` returns `(stripped_text, docs)`: the source with the
documentation of every function and method removed (whole lines only, so
nothing but line numbers moves), and one `Doc` per stripped function with its
simple name, the 1-based line of its definition in the *stripped* text and the
raw documentation text. Only functions are stripped (CodeSearchNet): the docs
of classes, types and modules stay.

* Python: the docstring, the first statement of a `def` (`pass` replaces it
  when it was the whole body).
* Go: the `//` comment block directly above a top-level `func` (directives
  such as `//go:noinline` stay).
* TypeScript / JavaScript: the `/** ... */` block directly above a function,
  a method or an arrow-function constant (decorators may stand between).
* Rust: the `///` and `#[doc = ...]` lines directly above an `fn` (other
  attributes may stand between, and stay).
"""

import ast
import bisect
import re
from dataclasses import dataclass, field


@dataclass
class Doc:
    name: str
    line: int  # 1-based, in the stripped text
    doc: str
    test: bool = False
    # Other definitions of the same function (TypeScript overload
    # signatures): 1-based lines in the stripped text.
    also_lines: list = field(default_factory=list)


def _apply(lines, removals, replacements):
    """Drops the 0-based line indices in `removals`; `replacements` maps a
    removed index to the line put in its place. Returns the new lines and a
    function from an old 0-based index to the new 1-based line."""
    removed = sorted(set(removals) - set(replacements))
    out = []
    for i, line in enumerate(lines):
        if i in replacements:
            out.append(replacements[i])
        elif i not in removals:
            out.append(line)
    def new_line(old_index):
        return old_index - bisect.bisect_left(removed, old_index) + 1

    return out, new_line


# ---------------------------------------------------------------- Python

def strip_python(text):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text, []
    lines = text.splitlines(keepends=True)
    removals, replacements, found = set(), {}, []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.body:
            continue
        first = node.body[0]
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            continue
        start, end = first.lineno - 1, first.end_lineno - 1
        if start <= node.lineno - 1:
            continue  # `def f(): "doc"` on one line
        if lines[start][:first.col_offset].strip():
            continue
        if lines[end][first.end_col_offset:].strip() not in ("", ";") and \
                not lines[end][first.end_col_offset:].strip().startswith("#"):
            continue
        if len(node.body) > 1 and node.body[1].lineno - 1 <= end:
            continue
        for i in range(start, end + 1):
            removals.add(i)
        if len(node.body) == 1:
            indent = lines[start][:first.col_offset]
            replacements[start] = indent + "pass\n"
        doc = ast.get_docstring(node, clean=True) or ""
        found.append((node.name, node.lineno - 1, doc, node.name.startswith("test")))
    out, new_line = _apply(lines, removals, replacements)
    docs = [Doc(name, new_line(i), doc, test) for name, i, doc, test in found]
    return "".join(out), docs


# ---------------------------------------------------------------- Go

GO_FUNC = re.compile(r"^func\s*(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[\[(]")
GO_DIRECTIVE = re.compile(r"^//(go:|line |export |extern |nolint|\s*\+build)")


def strip_go(text):
    lines = text.splitlines(keepends=True)
    removals, found = set(), []
    for i, line in enumerate(lines):
        m = GO_FUNC.match(line)
        if not m:
            continue
        j, block = i - 1, []
        while j >= 0 and lines[j].lstrip().startswith("//"):
            block.append(j)
            j -= 1
        doc_idx = sorted(k for k in block if not GO_DIRECTIVE.match(lines[k].strip()))
        if not doc_idx:
            continue
        doc = "\n".join(re.sub(r"^//\s?", "", lines[k].strip()) for k in doc_idx)
        removals.update(doc_idx)
        name = m.group(1)
        test = bool(re.match(r"(Test|Benchmark|Example|Fuzz)([A-Z_]|$)", name))
        found.append((name, i, doc, test))
    out, new_line = _apply(lines, removals, {})
    return "".join(out), [Doc(n, new_line(i), d, t) for n, i, d, t in found]


# ---------------------------------------------------------------- TypeScript

TS_KEYWORDS = {"if", "for", "while", "switch", "catch", "return", "function", "new",
               "typeof", "delete", "void", "await", "yield", "throw", "else", "do",
               "case", "import", "export", "super", "this", "with"}
TS_MODS = r"(?:(?:public|private|protected|static|readonly|async|override|abstract|declare|get|set|export|default|accessor)\s+)*"
TS_FUNCTION = re.compile(r"^" + TS_MODS + r"function\s*\*?\s*([A-Za-z_$][\w$]*)")
TS_CONST_FN = re.compile(
    r"^" + TS_MODS + r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?"
    r"(?:function\b|\(|<|[A-Za-z_$][\w$]*\s*=>)")
TS_METHOD = re.compile(r"^" + TS_MODS + r"\*?\s*(#?[A-Za-z_$][\w$]*)\s*\??\s*(?:<.*>)?\s*\(")
TS_PROP_FN = re.compile(
    r"^" + TS_MODS + r"(#?[A-Za-z_$][\w$]*)\s*\??\s*(?::[^=]+)?=\s*(?:async\s+)?"
    r"(?:function\b|\(|<|[A-Za-z_$][\w$]*\s*=>)")


def _ts_decl(line):
    """The name of the function, method or arrow-function constant that the
    line declares, or None."""
    s = line.strip()
    for rx in (TS_FUNCTION, TS_CONST_FN, TS_METHOD, TS_PROP_FN):
        m = rx.match(s)
        if m and m.group(1) not in TS_KEYWORDS:
            return m.group(1)
    return None


def strip_ts(text):
    lines = text.splitlines(keepends=True)
    removals, found = set(), []
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if not s.startswith("/**") or s.startswith("/***"):
            i += 1
            continue
        j = i
        if "*/" not in s[3:]:
            j = i + 1
            while j < len(lines) and "*/" not in lines[j]:
                j += 1
        if j >= len(lines):
            break
        if not lines[j].rstrip().endswith("*/"):
            i = j + 1
            continue
        k = j + 1
        while k < len(lines) and lines[k].strip().startswith("@"):
            k += 1  # decorators
        name = _ts_decl(lines[k]) if k < len(lines) else None
        if name:
            body = "".join(lines[i:j + 1]).strip()
            body = re.sub(r"^/\*\*", "", body)
            body = re.sub(r"\*/$", "", body)
            doc = "\n".join(re.sub(r"^\s*\*\s?", "", l) for l in body.split("\n"))
            removals.update(range(i, j + 1))
            found.append((name, k, doc))
        i = j + 1
    out, new_line = _apply(lines, removals, {})
    return "".join(out), [Doc(n, new_line(k), d, False) for n, k, d in found]


# ---------------------------------------------------------------- Rust

RUST_FN = re.compile(
    r"^\s*(?:(?:pub(?:\s*\([^)]*\))?|const|async|unsafe|default|extern(?:\s+\"[^\"]*\")?)\s+)*"
    r"fn\s+([A-Za-z_]\w*)")
RUST_DOC = re.compile(r"^\s*(///(?!/)|#\[doc\s*=)")
RUST_ATTR = re.compile(r"^\s*#\[.*\]\s*$")


def _rust_doc_text(line):
    s = line.strip()
    if s.startswith("///"):
        return re.sub(r"^///\s?", "", s)
    m = re.match(r'#\[doc\s*=\s*"(.*)"\s*\]$', s)
    return m.group(1) if m else ""


def strip_rust(text):
    lines = text.splitlines(keepends=True)
    removals, found = set(), []
    for i, line in enumerate(lines):
        m = RUST_FN.match(line)
        if not m:
            continue
        j, doc_idx, test = i - 1, [], False
        while j >= 0 and (RUST_DOC.match(lines[j]) or RUST_ATTR.match(lines[j])):
            if RUST_DOC.match(lines[j]) and RUST_ATTR.match(lines[j]) or lines[j].lstrip().startswith("///"):
                doc_idx.append(j)
            elif re.match(r"^\s*#\[(tokio::)?test\b", lines[j]):
                test = True
            j -= 1
        if not doc_idx:
            continue
        doc_idx.sort()
        removals.update(doc_idx)
        found.append((m.group(1), i, "\n".join(_rust_doc_text(lines[k]) for k in doc_idx), test))
    out, new_line = _apply(lines, removals, {})
    return "".join(out), [Doc(n, new_line(i), d, t) for n, i, d, t in found]


STRIPPERS = {"python": strip_python, "go": strip_go, "typescript": strip_ts,
             "javascript": strip_ts, "rust": strip_rust}
