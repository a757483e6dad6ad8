package leak

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Disguise is one pattern searched for a known value. Several patterns may
// share a Name (the Base64 alignments and alphabets); Find reports the Name.
type Disguise struct {
	Name    string
	Pattern string // for a Fold pattern, the ASCII lower-case text
	Fold    bool   // matched ASCII case-insensitively
}

// minBase64Len is the shortest Base64 pattern kept: fewer characters carry
// fewer than 48 bits of the value and show up by chance in long Base64 text.
const minBase64Len = 8

type form struct{ name, text string }

// hasNosep reports whether values of a kind are identifiers whose separators
// are formatting only, so that SDKs send them with the separators dropped:
// every kind but free text (e-mail addresses, account names, SSIDs, custom
// values), whose dots and dashes are part of the value.
func hasNosep(kind string) bool {
	switch kind {
	case "email", "account", "account_id", "user_id", "login_id", "username", "name", "ssid", "custom", "url":
		return false
	}
	return true
}

func isSep(c byte) bool {
	switch c {
	case ':', '-', '.', ' ', '(', ')', '+':
		return true
	}
	return false
}

func stripSep(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if !isSep(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// national returns the digits after the country code of a phone number
// written "+CC rest" or "+CC-rest" (CC one to three digits), or "".
func national(v string) string {
	if len(v) < 3 || v[0] != '+' {
		return ""
	}
	i := 1
	for i < len(v) && i <= 4 && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	if i == 1 || i > 4 || i >= len(v) || (v[i] != ' ' && v[i] != '-') {
		return ""
	}
	var b strings.Builder
	for _, c := range []byte(v[i+1:]) {
		if '0' <= c && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// forms returns the distinct text forms of k, in the documented order.
func forms(k Known) []form {
	v := k.Value
	cand := []form{{"plain", v}, {"lower", strings.ToLower(v)}, {"upper", strings.ToUpper(v)}}
	if hasNosep(k.Kind) {
		ns := stripSep(v)
		cand = append(cand, form{"nosep", ns}, form{"nosep_lower", strings.ToLower(ns)}, form{"nosep_upper", strings.ToUpper(ns)})
	}
	if k.Kind == "phone" {
		cand = append(cand, form{"national", national(v)})
	}
	out := cand[:0]
	for _, f := range cand {
		if len(f.text) < MinValueLen || containsForm(out, f.text) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func containsForm(fs []form, text string) bool {
	for _, f := range fs {
		if f.text == text {
			return true
		}
	}
	return false
}

func derivedName(fn, form string) string {
	if form == "plain" {
		return fn
	}
	return fn + "(" + form + ")"
}

// disguises returns every pattern of k in the documented order: the text
// forms, then the digests of each form, then the Base64 patterns of each form.
func disguises(k Known) []Disguise {
	fs := forms(k)
	var out []Disguise
	add := func(d Disguise) {
		for _, e := range out {
			if e.Pattern == d.Pattern && e.Fold == d.Fold {
				return
			}
		}
		out = append(out, d)
	}
	for _, f := range fs {
		add(Disguise{Name: f.name, Pattern: f.text})
	}
	for _, f := range fs {
		m := md5.Sum([]byte(f.text))
		s1 := sha1.Sum([]byte(f.text))
		s256 := sha256.Sum256([]byte(f.text))
		add(Disguise{Name: derivedName("md5", f.name), Pattern: hex.EncodeToString(m[:]), Fold: true})
		add(Disguise{Name: derivedName("sha1", f.name), Pattern: hex.EncodeToString(s1[:]), Fold: true})
		add(Disguise{Name: derivedName("sha256", f.name), Pattern: hex.EncodeToString(s256[:]), Fold: true})
	}
	for _, f := range fs {
		name := derivedName("base64", f.name)
		for shift := 0; shift < 3; shift++ {
			std := base64Core(f.text, shift)
			if len(std) < minBase64Len {
				continue
			}
			add(Disguise{Name: name, Pattern: std})
			add(Disguise{Name: name, Pattern: toURLAlphabet(std)})
		}
	}
	return out
}

// base64Core returns the Base64 characters of text preceded by shift (0, 1 or
// 2) unknown bytes that depend on text alone: the leading characters that
// mix in bits of the unknown bytes and the trailing ones that would mix in
// bits of whatever follows are cut off.
func base64Core(text string, shift int) string {
	buf := make([]byte, shift+len(text))
	copy(buf[shift:], text)
	enc := base64.RawStdEncoding.EncodeToString(buf)
	// Character j holds bits [6j, 6j+6) of buf; it depends on text alone when
	// 8*shift <= 6j and 6j+6 <= 8*len(buf).
	first := (8*shift + 5) / 6
	end := 8 * len(buf) / 6
	if first >= end {
		return ""
	}
	return enc[first:end]
}

func toURLAlphabet(s string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(s)
}
