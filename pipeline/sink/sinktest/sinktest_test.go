package sinktest

import (
	"slices"
	"testing"
)

func TestQuery(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		args []any
		want [][]string
	}{
		{"scalars", `SELECT 1::INTEGER, 'x', NULL, true, 2.5::DOUBLE`, nil, [][]string{{"1", "x", "NULL", "true", "2.5"}}},
		{"timestamps", `SELECT TIMESTAMPTZ '2024-05-01 12:20:30.123456+02', TIMESTAMP '1969-12-31 23:59:59.999999'`, nil,
			[][]string{{"2024-05-01T10:20:30.123456Z", "1969-12-31T23:59:59.999999Z"}}},
		{"nested", `SELECT ['a', 'b c'], {'name': 'Host', 'value': 'x'}, [{'name': 'a', 'value': 'b'}], []::VARCHAR[], NULL::VARCHAR[]`, nil,
			[][]string{{"[a, b c]", "{'name': Host, 'value': x}", "[{'name': a, 'value': b}]", "[]", "NULL"}}},
		{"blob", `SELECT '\x00\xFFab'::BLOB, hex('\x00\xFFab'::BLOB)`, nil, [][]string{{`\x00\xFFab`, "00FF6162"}}},
		{"args and rows", `SELECT i, i * ? FROM range(3) t(i) ORDER BY i`, []any{int64(10)}, [][]string{{"0", "0"}, {"1", "10"}, {"2", "20"}}},
		{"no rows", `SELECT 1 WHERE false`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Query(t, tt.sql, tt.args...)
			if !slices.EqualFunc(got, tt.want, slices.Equal[[]string]) {
				t.Errorf("Query(%q) = %q, want %q", tt.sql, got, tt.want)
			}
		})
	}
}

func TestQueryTSV(t *testing.T) {
	got := QueryTSV(t, `SELECT 'a' || chr(9) || 'b' AS "x y", 'l1' || chr(10) || 'l2\' AS z, NULL AS n`)
	want := "x y\tz\tn\na\\tb\tl1\\nl2\\\\\tNULL\n"
	if got != want {
		t.Errorf("QueryTSV = %q, want %q", got, want)
	}
}
