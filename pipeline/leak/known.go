package leak

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MinValueLen is the shortest known value, in bytes, that Parse, Load and
// ParseFlag accept. Shorter strings occur by chance in almost any capture.
const MinValueLen = 6

// ErrShortValue is wrapped by the errors for values shorter than MinValueLen.
var ErrShortValue = errors.New("leak: value too short")

// shortError describes a value shorter than MinValueLen; it unwraps to
// ErrShortValue.
type shortError struct{ kind, value string }

func (e shortError) Error() string {
	return fmt.Sprintf("%s value %q is shorter than %d bytes and would match almost anywhere", e.kind, e.value, MinValueLen)
}

func (e shortError) Unwrap() error { return ErrShortValue }

// Known is one value the researcher knows.
type Known struct {
	Kind  string // imei, meid, imsi, android_id, adid, idfa, oaid, email, phone, mac, serial, account, ssid, custom... (lower-case)
	Label string // optional human label ("pixel-7 imei"); "" when none
	Value string
}

// ParseError reports a problem in a known-values file, with its line when one
// is known (Line 0 otherwise).
type ParseError struct {
	File string
	Line int
	Msg  string
	Err  error // the underlying error (a YAML error, ErrShortValue) or nil
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("leak: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("leak: %s: %s", e.File, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Load reads a known-values file; see Parse for its format.
func Load(path string) ([]Known, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("leak: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a known-values file in YAML; name is used in error messages. The
// file is either a mapping from kind to a value, a list of values or a
// {value, label} object:
//
//	imei: 358476101234565
//	email: [alice@example.org, alice.work@example.org]
//	mac: "AA:BB:CC:DD:EE:FF"
//	adid: {value: 38400000-8cf0-11bd-b23e-10b96e40000d, label: pixel-7}
//
// or a list of {kind, value, label} objects, where a bare scalar stands for
// kind custom:
//
//	# list form
//	- {kind: imei, value: 358476101234565, label: pixel-7 imei}
//	- alice@example.org
//
// Scalars are read as the text written, so an unquoted IMEI keeps its digits
// and a serial its leading zeros. Kinds are lower-cased and may hold only
// a-z, 0-9, '_', '-' and '.'. Values are trimmed of surrounding white space and
// must be at least MinValueLen bytes long. An exact repeat of a kind and value
// is dropped. Several YAML documents in one file are read in turn. A file with
// no value is an error, as is an unknown key in an object.
func Parse(name string, data []byte) ([]Known, error) {
	p := parser{file: name, seen: map[string]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, yamlError(name, err)
		}
		if err := p.document(&doc); err != nil {
			return nil, err
		}
	}
	if len(p.out) == 0 {
		return nil, &ParseError{File: name, Msg: "no known values"}
	}
	return p.out, nil
}

// yamlError turns the YAML library's "yaml: line N: msg" into a ParseError
// that names the file and line the way compilers do.
//
// The library counts lines from 0 for parser errors (those it reports with
// context_mark or problem_mark unchanged, unlike scanner errors, and omits the
// line when it is 0), so their number is moved up by one here.
func yamlError(file string, err error) error {
	msg := err.Error()
	line, tail := 0, strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if num, t, ok := strings.Cut(rest, ": "); ok {
			if n, aerr := strconv.Atoi(num); aerr == nil && n > 0 {
				line, tail = n, t
			}
		}
	}
	if isParserProblem(tail) {
		line++
	}
	if line == 0 {
		return &ParseError{File: file, Msg: msg, Err: err}
	}
	return &ParseError{File: file, Line: line, Msg: tail, Err: err}
}

// isParserProblem reports whether msg is one of the problems that the YAML
// library's parser (not its scanner or reader) sets.
func isParserProblem(msg string) bool {
	if strings.HasPrefix(msg, "did not find expected ") {
		return true
	}
	switch msg {
	case "found duplicate %TAG directive", "found duplicate %YAML directive",
		"found incompatible YAML document", "found undefined tag handle":
		return true
	}
	return false
}

type parser struct {
	file string
	out  []Known
	seen map[string]bool // kind NUL value
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &ParseError{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) document(doc *yaml.Node) error {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	switch {
	case root.Kind == yaml.MappingNode:
		return p.kindMap(root)
	case root.Kind == yaml.SequenceNode:
		for _, item := range root.Content {
			if err := p.listItem(item); err != nil {
				return err
			}
		}
		return nil
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		return nil // an empty document, e.g. only comments
	}
	return p.errorf(root, "want a mapping from kind to value or a list of {kind, value, label}")
}

// kindMap reads the "kind: value" form.
func (p *parser) kindMap(m *yaml.Node) error {
	kindLine := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i], m.Content[i+1]
		kind, err := p.kind(key)
		if err != nil {
			return err
		}
		if line, dup := kindLine[kind]; dup {
			return p.errorf(key, "kind %q already given on line %d (write a list of values instead)", kind, line)
		}
		kindLine[kind] = key.Line
		switch val.Kind {
		case yaml.SequenceNode:
			if len(val.Content) == 0 {
				return p.errorf(val, "%s: empty list of values", kind)
			}
			for _, item := range val.Content {
				if err := p.valueOrObject(kind, item); err != nil {
					return err
				}
			}
		default:
			if err := p.valueOrObject(kind, val); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueOrObject reads a scalar value or a {value, label} object of a kind
// given by the enclosing mapping.
func (p *parser) valueOrObject(kind string, n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		f, err := p.object(n, kind)
		if err != nil {
			return err
		}
		return p.add(Known{Kind: kind, Label: f.label, Value: f.value})
	}
	v, err := p.scalar(n, kind)
	if err != nil {
		return err
	}
	return p.add(Known{Kind: kind, Value: v})
}

// listItem reads one item of the list form.
func (p *parser) listItem(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		v, err := p.scalar(n, "custom")
		if err != nil {
			return err
		}
		return p.add(Known{Kind: "custom", Value: v})
	}
	f, err := p.object(n, "")
	if err != nil {
		return err
	}
	return p.add(Known{Kind: f.kind, Label: f.label, Value: f.value})
}

type fields struct {
	kind, value, label string
	valueNode          *yaml.Node
}

// object reads a {kind, value, label} mapping. The kind key is required when
// kind is "" and refused otherwise (the enclosing mapping gave it).
func (p *parser) object(m *yaml.Node, kind string) (fields, error) {
	withKind := kind == ""
	f := fields{kind: kind}
	var haveKind, haveLabel bool
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i], m.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			return f, p.errorf(key, "want a key kind, value or label")
		}
		name := key.Value
		dup := false
		var err error
		switch {
		case name == "kind" && withKind:
			dup, haveKind = haveKind, true
			f.kind, err = p.kind(val)
		case name == "value":
			dup = f.valueNode != nil
			f.valueNode = val
		case name == "label":
			dup, haveLabel = haveLabel, true
			f.label, err = p.label(val)
		default:
			if withKind {
				return f, p.errorf(key, "unknown key %q (want kind, value, label)", name)
			}
			return f, p.errorf(key, "unknown key %q (want value, label)", name)
		}
		if err != nil {
			return f, err
		}
		if dup {
			return f, p.errorf(key, "key %q given twice", name)
		}
	}
	if withKind && !haveKind {
		return f, p.errorf(m, "object without kind")
	}
	if f.valueNode == nil {
		return f, p.errorf(m, "object without value")
	}
	v, err := p.scalar(f.valueNode, f.kind)
	if err != nil {
		return f, err
	}
	f.value = v
	return f, nil
}

// resolve follows an alias to the scalar it names; aliases of lists and
// mappings are refused so that a small file cannot expand into a huge one.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil && n.Alias.Kind == yaml.ScalarNode {
		return n.Alias
	}
	return n
}

// scalar returns the text of a scalar value node as written.
func (p *parser) scalar(n *yaml.Node, kind string) (string, error) {
	s := resolve(n)
	if s.Kind != yaml.ScalarNode {
		return "", p.errorf(n, "%s: want a value, got %s", kind, nodeKind(s))
	}
	if s.ShortTag() == "!!null" {
		return "", p.errorf(n, "%s: missing value", kind)
	}
	v := strings.TrimSpace(s.Value)
	if len(v) < MinValueLen {
		e := shortError{kind: kind, value: v}
		return "", &ParseError{File: p.file, Line: n.Line, Msg: e.Error(), Err: e}
	}
	return v, nil
}

func (p *parser) kind(n *yaml.Node) (string, error) {
	s := resolve(n)
	if s.Kind != yaml.ScalarNode || s.ShortTag() == "!!null" {
		return "", p.errorf(n, "want a kind name, got %s", nodeKind(s))
	}
	k, err := normKind(s.Value)
	if err != nil {
		return "", p.errorf(n, "%v", err)
	}
	return k, nil
}

func (p *parser) label(n *yaml.Node) (string, error) {
	s := resolve(n)
	if s.Kind != yaml.ScalarNode {
		return "", p.errorf(n, "want a label text, got %s", nodeKind(s))
	}
	if s.ShortTag() == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(s.Value), nil
}

func (p *parser) add(k Known) error {
	key := k.Kind + "\x00" + k.Value
	if p.seen[key] {
		return nil
	}
	p.seen[key] = true
	p.out = append(p.out, k)
	return nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias of a list or mapping"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "a scalar"
	}
	return "a document"
}

// normKind lower-cases a kind and checks its characters: a kind ends up in
// output columns and file names, where spaces and punctuation only hurt.
func normKind(s string) (string, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	if k == "" {
		return "", errors.New("empty kind")
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "", fmt.Errorf("kind %q: only a-z, 0-9, '_', '-' and '.' are allowed", k)
		}
	}
	return k, nil
}

// ParseFlag parses "kind=value" or "kind:label=value", as given to a
// --known-value flag. The value starts after the first '=' and may itself hold
// '=' and ':'; the label is what lies between the first ':' and the first '='.
func ParseFlag(s string) (Known, error) {
	head, value, ok := strings.Cut(s, "=")
	if !ok {
		return Known{}, fmt.Errorf("leak: known value %q: want kind=value or kind:label=value", s)
	}
	kind, label, _ := strings.Cut(head, ":")
	k, err := normKind(kind)
	if err != nil {
		return Known{}, fmt.Errorf("leak: known value %q: %v", s, err)
	}
	value = strings.TrimSpace(value)
	if len(value) < MinValueLen {
		return Known{}, fmt.Errorf("leak: known value %q: %w", s, shortError{kind: k, value: value})
	}
	return Known{Kind: k, Label: strings.TrimSpace(label), Value: value}, nil
}
