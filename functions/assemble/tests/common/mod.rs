//! Test fixtures: symbols, files and chunks built in code.
#![allow(dead_code)]

use doctown_core::{
    ByteRange, CallKind, CallSite, Chunk, ChunkId, ChunkKind, FileRecord, FileRole, Import,
    Language, Position, Provenance, Span, Symbol, SymbolId, SymbolKind, Visibility,
};

pub fn span(start: u32, end: u32) -> Span {
    Span {
        bytes: ByteRange {
            start: start as usize * 10,
            end: end as usize * 10,
        },
        start: Position {
            line: start,
            column: 0,
        },
        end: Position {
            line: end,
            column: 0,
        },
    }
}

pub fn sym(path: &str, qualified: &str, kind: SymbolKind, language: Language) -> Symbol {
    let name = qualified
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(qualified)
        .to_string();
    Symbol {
        id: SymbolId::for_symbol(path, qualified, kind.name(), 0),
        name: name.clone(),
        kind,
        qualified_name: qualified.to_string(),
        language,
        path: path.to_string(),
        span: span(1, 10),
        signature: format!("{kind} {name}"),
        visibility: Visibility::Public,
        doc: None,
        attributes: Vec::new(),
        parent: None,
        bases: Vec::new(),
        target: None,
        calls: Vec::new(),
        field_types: Default::default(),
        words: String::new(),
    }
}

pub fn call(callee: &str, resolved: Option<&Symbol>) -> CallSite {
    CallSite {
        callee: callee.into(),
        name: callee.rsplit(['.', ':']).next().unwrap_or(callee).into(),
        qualifier: None,
        kind: CallKind::Function,
        line: 2,
        receiver_type: None,
        receiver_from: None,
        resolved: resolved.map(|s| s.id.clone()),
        provenance: resolved.map(|_| Provenance::Import),
        confidence: resolved.map(|_| Provenance::Import.confidence()),
    }
}

pub fn file(path: &str, language: Language, imports: &[&str]) -> FileRecord {
    FileRecord {
        path: path.to_string(),
        language,
        size_bytes: 100,
        lines: 10,
        sha256: "0".repeat(64),
        role: FileRole::Source,
        import_files: None,
        symbols: 0,
        chunks: 0,
        imports: imports
            .iter()
            .map(|m| Import {
                module: m.to_string(),
                names: Vec::new(),
                alias: None,
                line: 1,
            })
            .collect(),
        has_syntax_errors: false,
        lossy_utf8: false,
    }
}

pub fn chunk_of(symbol: &Symbol, text: &str) -> Chunk {
    Chunk {
        id: ChunkId::for_chunk(
            &symbol.path,
            symbol.span.bytes.start,
            symbol.span.bytes.end,
            symbol.id.as_str().as_bytes(),
        ),
        kind: ChunkKind::Symbol,
        path: symbol.path.clone(),
        language: symbol.language,
        span: symbol.span,
        symbol_id: Some(symbol.id.clone()),
        symbol_kind: Some(symbol.kind),
        qualified_name: Some(symbol.qualified_name.clone()),
        signature: Some(symbol.signature.clone()),
        doc: None,
        part: None,
        text: text.to_string(),
        role: None,
    }
}

/// A small repository in four languages with known calls, imports and supertypes.
pub struct Fixture {
    pub symbols: Vec<Symbol>,
    pub files: Vec<FileRecord>,
    pub chunks: Vec<Chunk>,
}

impl Fixture {
    pub fn by_name(&self, qualified: &str) -> &Symbol {
        self.symbols
            .iter()
            .find(|s| s.qualified_name == qualified)
            .expect(qualified)
    }
}

pub fn multi_language() -> Fixture {
    use Language::*;
    use SymbolKind::*;
    // Rust
    let store_trait = sym("src/lib.rs", "crate::Store", Trait, Rust);
    let local = sym(
        "src/store/local.rs",
        "crate::store::local::LocalStore",
        Struct,
        Rust,
    );
    let mut imp = sym(
        "src/store/local.rs",
        "crate::store::local::impl Store for LocalStore",
        Impl,
        Rust,
    );
    imp.target = Some("LocalStore".into());
    imp.bases = vec!["crate::Store".into()];
    let mut get = sym(
        "src/store/local.rs",
        "crate::store::local::LocalStore::get",
        Method,
        Rust,
    );
    get.parent = Some(imp.id.clone());
    let mut run = sym("src/lib.rs", "crate::run", Function, Rust);
    run.calls = vec![
        call("LocalStore::get", Some(&get)),
        call("LocalStore::get", Some(&get)),
        call("println", None),
    ];
    // Python
    let base = sym("pkg/models.py", "pkg.models.Base", Class, Python);
    let mut user = sym("pkg/models.py", "pkg.models.User", Class, Python);
    user.bases = vec!["Base".into()];
    let mut load = sym("pkg/service.py", "pkg.service.load", Function, Python);
    load.calls = vec![call("User", Some(&user)), call("print", None)];
    // TypeScript
    let client = sym("web/api.ts", "web/api.Client", Interface, TypeScript);
    let mut http = sym("web/api.ts", "web/api.HttpClient", Class, TypeScript);
    http.bases = vec!["Client".into()];
    let mut main_ts = sym("web/app.ts", "web/app.main", Function, TypeScript);
    main_ts.calls = vec![call("HttpClient", Some(&http))];
    // Go
    let open = sym("internal/db/db.go", "db.Open", Function, Go);
    let dbt = sym("internal/db/db.go", "db.DB", Struct, Go);
    let mut conn = sym("internal/db/db.go", "db.Conn", Struct, Go);
    conn.bases = vec!["*DB".into()];
    let mut main_go = sym("cmd/server/main.go", "main.main", Function, Go);
    main_go.calls = vec![call("db.Open", Some(&open)), call("fmt.Println", None)];

    let files = vec![
        file("src/lib.rs", Rust, &["crate::store::local", "std::fmt"]),
        file(
            "src/store/local.rs",
            Rust,
            &["crate::Store", "std::collections"],
        ),
        file("pkg/models.py", Python, &[]),
        file("pkg/service.py", Python, &[".models", "os.path"]),
        file("web/api.ts", TypeScript, &[]),
        file("web/app.ts", TypeScript, &["./api", "react"]),
        file("internal/db/db.go", Go, &[]),
        file(
            "cmd/server/main.go",
            Go,
            &["example.com/x/internal/db", "fmt"],
        ),
    ];
    let chunks = vec![
        chunk_of(&run, "fn run() { if a && b { get()?; } }"),
        chunk_of(&get, "fn get(&self) -> u8 { match x { 1 => 2, _ => 3 } }"),
        chunk_of(&load, "def load(x):\n    if x:\n        return User()\n"),
    ];
    let symbols = vec![
        store_trait,
        local,
        imp,
        get,
        run,
        base,
        user,
        load,
        client,
        http,
        main_ts,
        open,
        dbt,
        conn,
        main_go,
    ];
    Fixture {
        symbols,
        files,
        chunks,
    }
}
