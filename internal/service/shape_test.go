package service_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceFunctionsTakeFewParameters holds the one-path issue's rule (issue 14): a helper
// takes the unit of work and two or three arguments, no function here more than five (the
// receiver aside). holdNotices had crept back to seven.
func TestServiceFunctionsTakeFewParameters(t *testing.T) {
	fset, files := serviceFiles(t)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var typ *ast.FuncType
			what := "a function literal"
			switch fn := n.(type) {
			case *ast.FuncDecl:
				typ, what = fn.Type, fn.Name.Name
			case *ast.FuncLit:
				typ = fn.Type
			default:
				return true
			}
			count := 0
			for _, p := range typ.Params.List {
				count += max(len(p.Names), 1)
			}
			if count > 5 {
				t.Errorf("%s: %s takes %d parameters; at most 5", fset.Position(n.Pos()), what, count)
			}
			return true
		})
	}
}

// serviceFiles parses the package's own source files, its tests aside.
func serviceFiles(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// TestPagesAndAPIReachTheStoreOnlyThroughTheService (issue 14): the API and the pages import the
// service and desk, never the store.
func TestPagesAndAPIReachTheStoreOnlyThroughTheService(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../api", "../web").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == "github.com/keptdesk/kept/internal/store" || strings.HasPrefix(imp, "github.com/keptdesk/kept/internal/store/") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
