package main

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// knownValues are what a researcher knows about the sdk-zoo phone and its
// user before looking at the capture (sdk-zoo.known.yaml): the values the
// pipeline's leaks table searches for. All are invented.
type knownValues struct {
	IMEI, AndroidID, GAID, Email, Phone, MAC, Account string
}

// knownKinds is the order of the known-values file; the names are the
// pipeline's id_kind names.
var knownKinds = []string{"imei", "android_id", "advertising_id", "email", "phone", "mac", "account_id"}

func (k knownValues) value(kind string) string {
	switch kind {
	case "imei":
		return k.IMEI
	case "android_id":
		return k.AndroidID
	case "advertising_id":
		return k.GAID
	case "email":
		return k.Email
	case "phone":
		return k.Phone
	case "mac":
		return k.MAC
	case "account_id":
		return k.Account
	}
	panic("gen: no known value of kind " + kind)
}

// yaml is the known-values file: one "kind: value" line per kind.
func (k knownValues) yaml() []byte {
	var b strings.Builder
	b.WriteString("# Known values of the phone and its user in sdk-zoo.pcap (all invented).\n")
	b.WriteString("# One value per kind; kinds are telltale's id_kind names. The truth file's\n")
	b.WriteString("# \"leaks\" list says where each occurs and in which disguise.\n")
	for _, kind := range knownKinds {
		fmt.Fprintf(&b, "%s: %q\n", kind, k.value(kind))
	}
	return []byte(b.String())
}

// Disguises. A base form rewrites the value's text; hashes are hex digests
// of a base form (matched case-insensitively); base64 is the standard
// encoding of a base form (matched at any alignment inside longer Base64).
// A form is named by the first base form, in baseForms order, that gives
// the same text, so an all-digit IMEI has only "plain", and a hash of the
// plain value is "md5", of another form "md5(<form>)".
var baseForms = []string{"plain", "lower", "upper", "nosep", "nosep_lower", "nosep_upper"}

// nosep removes the separators of MACs and UUIDs.
func nosep(s string) string { return strings.NewReplacer(":", "", "-", "").Replace(s) }

func baseForm(v, form string) string {
	switch form {
	case "plain":
		return v
	case "lower":
		return strings.ToLower(v)
	case "upper":
		return strings.ToUpper(v)
	case "nosep":
		return nosep(v)
	case "nosep_lower":
		return strings.ToLower(nosep(v))
	case "nosep_upper":
		return strings.ToUpper(nosep(v))
	}
	panic("gen: no base form " + form)
}

// disguise is one way a value can appear.
type disguise struct {
	name string
	// op is "" (the text appears as is), "md5", "sha1", "sha256" (hex of the
	// base text) or "base64".
	op   string
	base string // the base form's text
}

// text is what the sender writes: the base text, its lower-case hex digest,
// or its Base64.
func (d disguise) text() string {
	switch d.op {
	case "":
		return d.base
	case "md5":
		s := md5.Sum([]byte(d.base))
		return hex.EncodeToString(s[:])
	case "sha1":
		s := sha1.Sum([]byte(d.base))
		return hex.EncodeToString(s[:])
	case "sha256":
		s := sha256.Sum256([]byte(d.base))
		return hex.EncodeToString(s[:])
	case "base64":
		return base64.StdEncoding.EncodeToString([]byte(d.base))
	}
	panic("gen: disguise op " + d.op)
}

// disguises lists every distinct disguise of v, named canonically: base
// forms first, then md5, sha1, sha256 and base64 of each distinct base form.
func disguises(v string) []disguise {
	var bases []disguise
	seen := map[string]bool{}
	for _, f := range baseForms {
		t := baseForm(v, f)
		if !seen[t] {
			seen[t] = true
			bases = append(bases, disguise{name: f, base: t})
		}
	}
	out := append([]disguise(nil), bases...)
	for _, op := range []string{"md5", "sha1", "sha256", "base64"} {
		for _, b := range bases {
			name := op
			if b.name != "plain" {
				name = op + "(" + b.name + ")"
			}
			out = append(out, disguise{name: name, op: op, base: b.base})
		}
	}
	return out
}

// disguiseOf returns v's disguise of the given canonical name; it panics on
// a name that is not canonical for v (e.g. "lower" of an all-digit value),
// so the truth never names a form two ways.
func disguiseOf(v, name string) disguise {
	for _, d := range disguises(v) {
		if d.name == name {
			return d
		}
	}
	panic(fmt.Sprintf("gen: %q is not a disguise of %q", name, v))
}

// base64Name is the disguise name of the Base64 of a base form.
func base64Name(form string) string {
	if form == "plain" {
		return "base64"
	}
	return "base64(" + form + ")"
}
