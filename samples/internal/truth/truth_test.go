package truth

import (
	"bytes"
	"reflect"
	"testing"

	"telltale/samples/internal/sensors"
)

func TestFindIdentifiers(t *testing.T) {
	events := []Event{
		{Object: sensors.Object{
			{Key: "distinct_id", Value: "uuid-1"},
			{Key: "properties", Value: sensors.Object{
				{Key: "imei", Value: int64(358476101234565)},
				{Key: "src", Value: "android_id=abc##imei=358476101234565"},
				{Key: "list", Value: []any{"x", "uuid-1"}},
			}},
		}},
		{Object: sensors.Object{{Key: "distinct_id", Value: "uuid-1"}}},
		{Object: sensors.Object{{Key: "n", Value: 9}}},
	}
	got := FindIdentifiers(events, []IdentifierSpec{
		{Kind: "imei", Value: "358476101234565"},
		{Kind: "absent", Value: "nowhere"},
		{Kind: "anon", Value: "uuid-1"},
		{Kind: "small", Value: "9"}, // matches the number only: no string contains a 9
	})
	want := []Identifier{
		{Kind: "imei", Value: "358476101234565", Events: 1, Paths: []string{"properties.imei (number)", "properties.src"}},
		{Kind: "anon", Value: "uuid-1", Events: 2, Paths: []string{"distinct_id", "properties.list[1]"}},
		{Kind: "small", Value: "9", Events: 1, Paths: []string{"n (number)"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindIdentifiers =\n%+v\nwant\n%+v", got, want)
	}
}

func TestWriteNoHTMLEscape(t *testing.T) {
	var buf bytes.Buffer
	f := &File{Sample: "s", Events: []Event{{Object: sensors.Object{{Key: "url", Value: "http://a/?b=1&c=<2>"}}}}}
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"url": "http://a/?b=1&c=<2>"`)) {
		t.Errorf("Write escaped the URL:\n%s", buf.Bytes())
	}
}
