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
		return nil, yamlError(file, err)
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
