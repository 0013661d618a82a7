package manifests

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/occbench/occbench/internal/inputs"
)

//go:embed data/*.yaml
var embedded embed.FS

// Error is a manifest problem: the file, the line (0 when unknown), the field path and
// what is wrong. It prints as one line: "caltech101.yaml:12: sets[0].images.random: ...".
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Names lists the embedded manifests, sorted.
func Names() []string {
	entries, _ := embedded.ReadDir("data")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// EmbeddedSource returns the YAML text of an embedded manifest.
func EmbeddedSource(name string) ([]byte, error) {
	data, err := embedded.ReadFile("data/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no embedded manifest %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	return data, nil
}

// Resolve loads an embedded manifest by name, or a manifest file by path. A reference that
// names an existing file or ends in .yaml/.yml is read as a path.
func Resolve(ref string) (*Manifest, error) {
	if _, err := os.Stat(ref); err == nil || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") {
		return LoadFile(ref)
	}
	data, err := EmbeddedSource(ref)
	if err != nil {
		return nil, err
	}
	return Load("embedded:"+ref+".yaml", data)
}

// LoadFile reads, decodes and validates a manifest file: a regular file of at most
// inputs.Manifest.Limit bytes (1 MiB).
func LoadFile(path string) (*Manifest, error) {
	data, err := inputs.ReadFile(path, inputs.Manifest)
	if err != nil {
		return nil, &Error{File: path, Msg: strings.TrimPrefix(err.Error(), path+": ")}
	}
	return Load(path, data)
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Load decodes and validates manifest bytes; file names the origin in errors. Unknown keys,
// wrong types, several documents and invalid values are all errors.
func Load(file string, data []byte) (*Manifest, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: file, Msg: "empty manifest"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fieldError(yamlError(file, err), &root)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, &Error{File: file, Line: extra.Line, Msg: "more than one YAML document"}
	}
	m.File = file
	m.applyDefaults()
	if verr := m.validate(); verr != nil {
		verr.File = file
		verr.Line = lineOf(&root, verr.Field)
		return nil, verr
	}
	return &m, nil
}

// yamlError turns a yaml.v3 error into a one-line Error with the first problem's line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	e := &Error{File: file, Msg: msg}
	if sm := yamlLine.FindStringSubmatch(msg); sm != nil {
		e.Line, _ = strconv.Atoi(sm[1])
		e.Msg = sm[2]
	}
	e.Msg = strings.ReplaceAll(e.Msg, " in type manifests.", " in ")
	e.Msg = strings.ReplaceAll(e.Msg, "\n", " ")
	return e
}

var (
	typeErrRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	unknownKeyRE = regexp.MustCompile(`^field (\S+) not found in (\w+)$`)
)

// fieldError names the field of a decoding error (yaml.v3 gives only the line): a wrong
// type becomes "hyper.lr: want a number, got "fast"", an unknown key "sets[0].images:
// field randum not found in ImageRule".
func fieldError(err error, root *yaml.Node) error {
	e, ok := err.(*Error)
	if !ok || e.Line == 0 {
		return err
	}
	if sm := typeErrRE.FindStringSubmatch(e.Msg); sm != nil {
		tag, val, into := sm[1], sm[2], sm[3]
		scalar := tag != "seq" && tag != "map"
		if path := pathAt(root, e.Line, func(k, v *yaml.Node) bool {
			return v.Line == e.Line && (v.Kind == yaml.ScalarNode) == scalar && (!scalar || v.Value == val)
		}); path != "" {
			e.Field = path
		}
		got := fmt.Sprintf("%q", val)
		switch tag {
		case "seq":
			got = "a list"
		case "map":
			got = "a mapping"
		}
		e.Msg = fmt.Sprintf("want %s, got %s", goTypeName(into), got)
		return e
	}
	if sm := unknownKeyRE.FindStringSubmatch(e.Msg); sm != nil {
		path := pathAt(root, e.Line, func(k, v *yaml.Node) bool { return k.Line == e.Line && k.Value == sm[1] })
		if i := strings.LastIndexByte(path, '.'); i >= 0 {
			e.Field = path[:i]
		}
	}
	return e
}

// goTypeName says what a Go type of the schema wants, in YAML words.
func goTypeName(t string) string {
	switch {
	case t == "float64" || t == "float32":
		return "a number"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "manifests."):
		return "a mapping"
	}
	return t
}

// pathAt returns the field path ("sets[2].images.random") of the first key/value pair of
// the YAML tree for which match holds, or "".
func pathAt(root *yaml.Node, line int, match func(k, v *yaml.Node) bool) string {
	var walk func(n *yaml.Node, path string) string
	walk = func(n *yaml.Node, path string) string {
		if n.Line > line { // nodes come in file order: nothing further down can match
			return ""
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if p := walk(c, path); p != "" {
					return p
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if match(k, v) {
					return p
				}
				if q := walk(v, p); q != "" {
					return q
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Kind == yaml.ScalarNode && match(c, c) {
					return p
				}
				if q := walk(c, p); q != "" {
					return q
				}
			}
		}
		return ""
	}
	return walk(root, "")
}

// lineOf finds the line of a field path such as "sets[2].images.random" in the YAML tree,
// falling back to the deepest ancestor it finds.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			continue
		}
		key, idx := seg, -1
		if i := strings.IndexByte(seg, '['); i >= 0 && strings.HasSuffix(seg, "]") {
			key = seg[:i]
			idx, _ = strconv.Atoi(seg[i+1 : len(seg)-1])
		}
		next := mapValue(n, key)
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n, line = n.Content[idx], n.Content[idx].Line
		}
	}
	return line
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if n.Content[i+1].Kind == yaml.ScalarNode {
				return &yaml.Node{Kind: yaml.ScalarNode, Line: n.Content[i].Line}
			}
			return n.Content[i+1]
		}
	}
	return nil
}

// RootEnv is the environment variable that overrides the manifest's source root.
func (m *Manifest) RootEnv() string {
	return "OCCBENCH_ROOT_" + strings.ToUpper(strings.ReplaceAll(m.Name, "-", "_"))
}

// DatasetRoot returns the dataset folder: the flag if set, else the environment variable,
// else the manifest's default root.
func (m *Manifest) DatasetRoot(flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv(m.RootEnv()); v != "" {
		return v
	}
	return m.Source.Root
}

// OccluderPath resolves a relative occluder dir or .mat path against the manifest's folder.
func (m *Manifest) OccluderPath(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(m.File, "embedded:") {
		return p
	}
	return filepath.Join(filepath.Dir(m.File), p)
}

// FromJSON decodes and validates a resolved manifest as manifest.lock.json records it
// (encoding/json of Manifest); file names the origin in errors.
func FromJSON(file string, data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &Error{File: file, Field: "manifest", Msg: err.Error()}
	}
	m.File = file
	m.applyDefaults()
	if verr := m.validate(); verr != nil {
		verr.File = file
		return nil, verr
	}
	return &m, nil
}
