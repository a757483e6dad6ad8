// Package sinktest reads telltale's Parquet output back with DuckDB, an
// independent reader, so tests can assert what a user would see. It is for
// tests only: importing it links DuckDB (cgo) into the test binary.
//
// Values are rendered as strings: NULL as "NULL"; timestamps in UTC as
// RFC 3339 with exactly six fractional digits ("2024-05-01T10:20:30.123456Z");
// lists, structs, maps and blobs as DuckDB itself casts them to VARCHAR
// (e.g. "[a, b]", "{'name': Host, 'value': x}", "\x00\xFFab"); everything else
// with fmt's %v.
package sinktest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// TimeLayout is how timestamp values are rendered.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Query runs one SELECT-like statement on a fresh in-memory DuckDB (session
// time zone UTC) and returns every row rendered as strings. Parquet files are
// read with read_parquet(?) and the path as an argument. A statement whose
// result has nested or blob columns runs twice, inside a wrapping SELECT, so
// it must have no side effects. Any error fails the test.
func Query(t testing.TB, sql string, args ...any) [][]string {
	t.Helper()
	_, rows := query(t, sql, args...)
	return rows
}

// QueryTSV is Query plus a header line of column names, as tab-separated
// text with one line per row, for golden files. Tabs, newlines and
// backslashes inside values are escaped as \t, \n, \r and \\.
func QueryTSV(t testing.TB, sql string, args ...any) string {
	t.Helper()
	cols, rows := query(t, sql, args...)
	var b strings.Builder
	writeTSVLine(&b, cols)
	for _, r := range rows {
		writeTSVLine(&b, r)
	}
	return b.String()
}

var tsvEscaper = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r")

func writeTSVLine(b *strings.Builder, vals []string) {
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('\t')
		}
		tsvEscaper.WriteString(b, v)
	}
	b.WriteByte('\n')
}

func query(t testing.TB, q string, args ...any) ([]string, [][]string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("sinktest: open duckdb: %v", err)
	}
	defer db.Close()
	// One connection: the TimeZone setting and the query share a session.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatalf("sinktest: %v", err)
	}

	// A statement copied from documentation may end in ';', which cannot
	// stand inside the sub-query below.
	q = strings.TrimRight(strings.TrimSpace(q), ";")
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("sinktest: %s: %v", q, err)
	}
	defer func() {
		if rows != nil {
			rows.Close()
		}
	}()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatalf("sinktest: %s: %v", q, err)
	}
	// Nested values and blobs are cast to VARCHAR by DuckDB itself, so they
	// read exactly as DuckDB prints them; that needs a second run of q.
	cols := make([]string, len(cts))
	exprs := make([]string, len(cts))
	wrap := false
	for i, ct := range cts {
		cols[i] = ct.Name()
		exprs[i] = fmt.Sprintf("#%d", i+1)
		if castToText(ct.DatabaseTypeName()) {
			exprs[i] = fmt.Sprintf("CAST(#%d AS VARCHAR)", i+1)
			wrap = true
		}
	}
	if wrap {
		rows.Close()
		run := "SELECT " + strings.Join(exprs, ", ") + " FROM (" + q + ")"
		if rows, err = db.Query(run, args...); err != nil {
			t.Fatalf("sinktest: %s: %v", run, err)
		}
	}
	var out [][]string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("sinktest: scan: %v", err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = render(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("sinktest: %s: %v", q, err)
	}
	return cols, out
}

func castToText(typ string) bool {
	switch {
	case typ == "BLOB", strings.HasSuffix(typ, "[]"), strings.HasSuffix(typ, "]"):
		return true
	}
	for _, p := range []string{"LIST", "STRUCT", "MAP", "ARRAY", "UNION"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.UTC().Format(TimeLayout)
	case string:
		return v
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}
