// Command go-calls is the Go reference for scripts/callgraph-eval.sh: it
// type-checks every package under a directory with go/types (the Go
// compiler's type checker, standard library only) and prints, as JSON
// Lines, every use of a function or method defined under that directory
// from inside a function body: the use's file and line, and the callee's
// definition file, line and name. Imports it cannot find are tolerated
// (their uses are simply not in-repository). Run it with GOPATH holding the
// repository at its import path (a symlink is enough) and GO111MODULE=off,
// so that its packages importing each other type-check.
//
// Usage: go run ./scripts/go-calls DIR > refs.jsonl
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type ref struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	DefPath  string `json:"def_path"`
	DefLine  int    `json:"def_line"`
	DefName  string `json:"def_name"`
	IsMethod bool   `json:"is_method"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-calls DIR")
		os.Exit(2)
	}
	root, err := filepath.Abs(os.Args[1])
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dirs := map[string][]string{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".go") {
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return nil
	})
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	fset := token.NewFileSet()
	out := json.NewEncoder(os.Stdout)
	for _, dir := range keys {
		// One package per package clause in the directory (x and x_test).
		byPkg := map[string][]*ast.File{}
		for _, f := range dirs[dir] {
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				continue
			}
			byPkg[file.Name.Name] = append(byPkg[file.Name.Name], file)
		}
		for name, files := range byPkg {
			info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
			conf := types.Config{
				Importer: importer.ForCompiler(fset, "source", nil),
				Error:    func(error) {},
			}
			conf.Check(name, fset, files, info)
			for _, file := range files {
				emit(out, fset, root, file, info)
			}
		}
	}
}

// emit prints the in-repository function uses inside the file's functions.
func emit(out *json.Encoder, fset *token.FileSet, root string, file *ast.File, info *types.Info) {
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			f, ok := info.Uses[id].(*types.Func)
			if !ok || !f.Pos().IsValid() {
				return true
			}
			def := fset.Position(f.Pos())
			// Packages imported through a GOPATH symlink to the repository
			// are the repository's own.
			defFile := def.Filename
			if real, err := filepath.EvalSymlinks(defFile); err == nil {
				defFile = real
			}
			rel, err := filepath.Rel(root, defFile)
			if err != nil || strings.HasPrefix(rel, "..") {
				return true
			}
			use := fset.Position(id.Pos())
			useRel, _ := filepath.Rel(root, use.Filename)
			sig, _ := f.Type().(*types.Signature)
			out.Encode(ref{
				Path: filepath.ToSlash(useRel), Line: use.Line,
				DefPath: filepath.ToSlash(rel), DefLine: def.Line, DefName: f.Name(),
				IsMethod: sig != nil && sig.Recv() != nil,
			})
			return true
		})
	}
}
