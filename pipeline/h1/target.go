package h1

import "strings"

// SplitTarget separates the path and query of a request target, origin-form
// ("/a?b") or absolute-form ("http://h/a?b"), without decoding either, so
// callers keep what was on the wire. A fragment, which a client should not
// send but some do, is dropped.
func SplitTarget(uri string) (path, query string) {
	if i := strings.Index(uri, "://"); i >= 0 && !strings.HasPrefix(uri, "/") {
		rest := uri[i+3:]
		if j := strings.IndexAny(rest, "/?"); j >= 0 && rest[j] == '/' {
			uri = rest[j:]
		} else if j >= 0 {
			uri = "/" + rest[j:] // "http://h?q": the path is empty, which means "/"
		} else {
			uri = "/"
		}
	}
	if i := strings.IndexByte(uri, '#'); i >= 0 {
		uri = uri[:i]
	}
	path, query, _ = strings.Cut(uri, "?")
	return path, query
}
