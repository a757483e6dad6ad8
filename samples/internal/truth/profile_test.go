package truth

import (
	"encoding/json"
	"reflect"
	"testing"

	"telltale/samples/internal/sensors"
)

func o(kv ...any) sensors.Object {
	var out sensors.Object
	for i := 0; i < len(kv); i += 2 {
		out = append(out, sensors.Member{Key: kv[i].(string), Value: kv[i+1]})
	}
	return out
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		sdk      string
		obj, env sensors.Object
		seg      string
		want     Summary
	}{
		{"sensors_analytics", o("_track_id", int64(-5), "time", int64(1631607000123), "type", "track", "distinct_id", "acc",
			"login_id", "acc", "anonymous_id", "anon", "event", "$AppStart"), nil, "",
			Summary{Event: "$AppStart", Type: "track", DistinctID: "acc", LoginID: "acc", AnonymousID: "anon", TimeMs: 1631607000123}},
		// A profile record names no event: "event|type" falls back to type.
		{"sensors_analytics", o("type", "profile_set", "distinct_id", "d", "time", int64(5)), nil, "",
			Summary{Event: "profile_set", Type: "profile_set", DistinctID: "d", TimeMs: 5}},
		{"mixpanel", o("event", "App Open", "properties", o("time", int64(1631607013), "distinct_id", "u", "$user_id", "u", "$device_id", "dev")), nil, "",
			Summary{Event: "App Open", DistinctID: "u", UserID: "u", DeviceID: "dev", TimeMs: 1631607013000}},
		{"mixpanel", o("event", "x", "properties", o("time", json.Number("1631607123.4"))), nil, "",
			Summary{Event: "x", TimeMs: 1631607123400}},
		{"mixpanel", o("event", "x", "properties", o("time", int64(1631607123456))), nil, "",
			Summary{Event: "x", TimeMs: 1631607123456}},
		{"ga4", o("v", "2", "cid", "1.2", "uid", "acc", "en", "page_view"), nil, "", Summary{Event: "page_view", DistinctID: "1.2", UserID: "acc"}},
		{"firebase_mp", o("name", "purchase", "params", o()), o("app_instance_id", "inst", "user_id", "acc", "timestamp_micros", int64(1631607011483125)), "",
			Summary{Event: "purchase", DistinctID: "inst", UserID: "acc", TimeMs: 1631607011483}},
		// client_id wins over app_instance_id.
		{"firebase_mp", o("name", "a"), o("app_instance_id", "inst", "client_id", "cl"), "", Summary{Event: "a", DistinctID: "cl"}},
		{"universal_analytics", o("v", "1", "t", "pageview", "cid", "c", "uid", "u"), nil, "", Summary{Event: "pageview", DistinctID: "c", UserID: "u"}},
		{"segment", o("type", "identify", "anonymousId", "an", "userId", "u", "timestamp", "2021-09-14T08:30:10.123Z"), o("sentAt", "x"), "",
			Summary{Event: "identify", DistinctID: "an", AnonymousID: "an", UserID: "u", TimeMs: 1631608210123}},
		{"segment", o("type", "track", "event", "Bought", "anonymousId", "an"), nil, "", Summary{Event: "Bought", DistinctID: "an", AnonymousID: "an"}},
		{"amplitude", o("user_id", "u", "device_id", "d", "event_type", "e", "time", int64(77)), o("api_key", "k"), "",
			Summary{Event: "e", DistinctID: "d", UserID: "u", DeviceID: "d", TimeMs: 77}},
		// Legacy uploads name the time "timestamp": the contract reads "time".
		{"amplitude", o("event_type", "e", "timestamp", int64(77)), nil, "", Summary{Event: "e"}},
		{"adjust", o("created_at", "2021-09-14T08:30:02.240Z+0000", "gps_adid", "g", "android_uuid", "au"), nil, "session",
			Summary{Event: "session", DistinctID: "au", DeviceID: "g", TimeMs: 1631608202240}},
		{"appsflyer", o("af_timestamp", "1631608203504", "advertiserId", "g", "uid", "u", "eventName", "af_purchase"), nil, "",
			Summary{Event: "af_purchase", DistinctID: "u", DeviceID: "g", TimeMs: 1631608203504}},
		{"generic_json", o("name", "n", "event_type", "et", "distinct_id", "d", "user_id", "u", "time", int64(9)), nil, "",
			Summary{Event: "et", DistinctID: "d", UserID: "u", TimeMs: 9}},
	}
	for i, tt := range tests {
		if got := Summarize(tt.sdk, tt.obj, tt.env, tt.seg); got != tt.want {
			t.Errorf("%d %s: Summarize = %+v, want %+v", i, tt.sdk, got, tt.want)
		}
	}
}

func TestSummarizeUnknownProfile(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("an unknown profile did not panic")
		}
	}()
	Summarize("nope", nil, nil, "")
}

func TestMarkRepeats(t *testing.T) {
	ev := func(sdk, track string, flush int64) Event {
		obj := o("_track_id", track, "time", int64(100), "type", "track", "distinct_id", "d", "event", "e", "_flush_time", flush)
		return NewEvent(EventIn{SDK: sdk, Object: obj})
	}
	events := []Event{
		ev("sensors_analytics", "1", 200),
		ev("sensors_analytics", "2", 200),
		ev("sensors_analytics", "1", 300), // re-sent: new flush time, same event
		ev("generic_json", "1", 300),      // another SDK: not a repeat
		ev("sensors_analytics", "1", 400), // a third copy
		{Object: o("_track_id", "1")},     // an event of the first samples (no sdk)
	}
	MarkRepeats(events)
	var got []bool
	for _, e := range events {
		got = append(got, e.Repeat)
	}
	if want := []bool{false, false, true, false, true, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("repeats %v, want %v", got, want)
	}
}

func TestFindIdentifiersEnvelopeNested(t *testing.T) {
	events := []Event{{
		Object:   o("ctx", "H4sI...", "name", "x"),
		Envelope: o("user_id", "acc-1"),
		Nested:   []Nested{{Path: "ctx", Chain: "base64>gzip>json", Object: o("mac", "a450463c8e71", "list", []any{"acc-1"})}},
	}}
	got := FindIdentifiers(events, []IdentifierSpec{{Kind: "account_id", Value: "acc-1"}, {Kind: "mac", Value: "a450463c8e71"}})
	want := []Identifier{
		{Kind: "account_id", Value: "acc-1", Events: 1, Paths: []string{"ctx.list[0]", "envelope.user_id"}},
		{Kind: "mac", Value: "a450463c8e71", Events: 1, Paths: []string{"ctx.mac"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindIdentifiers =\n%+v\nwant\n%+v", got, want)
	}
}

func TestFindIdentifiersInResponses(t *testing.T) {
	events := []Event{{Object: o("uid", "inst-7", "n", int64(1))}}
	payloads := []Payload{
		{Location: "body", Events: 1},
		{Location: "response", Object: o("af_uid", "inst-7", "adid", "b0f3")},
		{Location: "response", Object: o("data", o("device_id", "dv-1", "ids", []any{"b0f3"}))},
		{Location: "response", Object: o("adid", "b0f3", "n", 42)},
		{Location: "cookie", Object: o("distinct_id", "inst-7")}, // not walked
		{Location: "response"}, // no document
	}
	got := FindIdentifiersIn(events, payloads, []IdentifierSpec{
		{Kind: "device_id", Value: "inst-7"},
		{Kind: "device_id", Value: "b0f3"},
		{Kind: "device_id", Value: "dv-1"},
		{Kind: "small", Value: "42"},
		{Kind: "absent", Value: "nowhere"},
	})
	want := []Identifier{
		{Kind: "device_id", Value: "inst-7", Events: 2, Paths: []string{"response.af_uid", "uid"}},
		{Kind: "device_id", Value: "b0f3", Events: 3, Paths: []string{"response.adid", "response.data.ids[0]"}},
		{Kind: "device_id", Value: "dv-1", Events: 1, Paths: []string{"response.data.device_id"}},
		{Kind: "small", Value: "42", Events: 1, Paths: []string{"response.n (number)"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindIdentifiersIn =\n%+v\nwant\n%+v", got, want)
	}
	// Without payloads it is FindIdentifiers.
	if got, want := FindIdentifiersIn(events, nil, []IdentifierSpec{{Kind: "x", Value: "inst-7"}}),
		FindIdentifiers(events, []IdentifierSpec{{Kind: "x", Value: "inst-7"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("FindIdentifiersIn(nil payloads) = %+v, FindIdentifiers = %+v", got, want)
	}
}
