package h1

import "testing"

func TestSplitTarget(t *testing.T) {
	for _, tc := range []struct{ in, path, query string }{
		{"/sa?project=default&r=RO", "/sa", "project=default&r=RO"},
		{"/", "/", ""},
		{"/a%20b?q=%2B+x", "/a%20b", "q=%2B+x"},
		{"http://sa.example.com:8106/sa?project=p", "/sa", "project=p"},
		{"http://example.com", "/", ""},
		{"http://example.com?x=1", "/", "x=1"},
		{"/page#frag", "/page", ""},
		{"/p?q=1#frag", "/p", "q=1"},
		{"*", "*", ""},
		{"/redirect?to=http://x/y", "/redirect", "to=http://x/y"},
	} {
		path, query := SplitTarget(tc.in)
		if path != tc.path || query != tc.query {
			t.Errorf("SplitTarget(%q) = %q, %q; want %q, %q", tc.in, path, query, tc.path, tc.query)
		}
	}
}
