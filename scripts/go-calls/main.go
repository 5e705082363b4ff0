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
// With -implements it prints instead, for every method M of a named
// non-interface type T defined under the directory and every method I of
// an interface defined under it that T or *T implements (types.Implements),
// the pair "M implements I": M's file, line and name, and I's as def_path,
// def_line and def_name. M may be promoted from a field T embeds. Types are
// checked against the interfaces of their own package and of the
// repository packages it imports (one type-checking universe).
//
// Usage: go run ./scripts/go-calls [-implements] DIR > refs.jsonl
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
	// The implementing method's name, with -implements.
	Name string `json:"name,omitempty"`
}

func main() {
	args := os.Args[1:]
	implements := len(args) == 2 && args[0] == "-implements"
	if implements {
		args = args[1:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: go-calls [-implements] DIR")
		os.Exit(2)
	}
	root, err := filepath.Abs(args[0])
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
			pkg, _ := conf.Check(name, fset, files, info)
			if implements {
				if pkg != nil {
					emitImplements(out, fset, root, pkg)
				}
				continue
			}
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

// inRepo is the path of a position relative to root, when it is under it.
func inRepo(fset *token.FileSet, root string, pos token.Pos) (string, int, bool) {
	if !pos.IsValid() {
		return "", 0, false
	}
	p := fset.Position(pos)
	file := p.Filename
	if real, err := filepath.EvalSymlinks(file); err == nil {
		file = real
	}
	rel, err := filepath.Rel(root, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", 0, false
	}
	return filepath.ToSlash(rel), p.Line, true
}

// emitImplements prints "method implements interface method" for the
// named types of pkg against the interfaces of pkg and of the repository
// packages it imports, transitively.
func emitImplements(out *json.Encoder, fset *token.FileSet, root string, pkg *types.Package) {
	var interfaces []*types.Named
	seen := map[*types.Package]bool{}
	var visit func(p *types.Package)
	visit = func(p *types.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		scope := p.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn.IsAlias() {
				continue
			}
			if _, _, ok := inRepo(fset, root, tn.Pos()); !ok {
				continue
			}
			named, ok := tn.Type().(*types.Named)
			if !ok || named.TypeParams().Len() > 0 {
				continue
			}
			if iface, ok := named.Underlying().(*types.Interface); ok && iface.NumMethods() > 0 {
				interfaces = append(interfaces, named)
			}
		}
		for _, imp := range p.Imports() {
			visit(imp)
		}
	}
	visit(pkg)
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		named, ok := tn.Type().(*types.Named)
		if !ok || named.TypeParams().Len() > 0 {
			continue
		}
		if _, ok := named.Underlying().(*types.Interface); ok {
			continue
		}
		ptr := types.NewPointer(named)
		for _, in := range interfaces {
			iface := in.Underlying().(*types.Interface)
			if !types.Implements(named, iface) && !types.Implements(ptr, iface) {
				continue
			}
			for i := 0; i < iface.NumMethods(); i++ {
				im := iface.Method(i)
				defPath, defLine, ok := inRepo(fset, root, im.Pos())
				if !ok {
					continue
				}
				obj, _, _ := types.LookupFieldOrMethod(ptr, true, im.Pkg(), im.Name())
				m, ok := obj.(*types.Func)
				if !ok {
					continue
				}
				path, line, ok := inRepo(fset, root, m.Pos())
				if !ok {
					continue
				}
				out.Encode(ref{
					Path: path, Line: line, DefPath: defPath, DefLine: defLine,
					DefName: im.Name(), IsMethod: true, Name: m.Name(),
				})
			}
		}
	}
}
