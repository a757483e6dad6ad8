package extract

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Profile describes one analytics SDK as data: which requests it sends, where
// the payload sits, how its events are split and which keys hold the event
// name, time and identifiers. The engine knows no SDK by name; adding one is
// adding an entry (DefaultProfiles, or a JSON file given to LoadProfiles).
type Profile struct {
	// Name is what the sdk column says.
	Name string `json:"name"`
	// Match lists the request shapes of the SDK; a request matches when any
	// rule holds. Profiles are tried in order; the first match wins.
	Match []Rule `json:"match"`
	// Keys is a content signature: JSON telemetry found in a request no rule
	// matched belongs to this profile when its first event has, for each
	// group, at least one of the group's keys (dotted paths allowed).
	Keys [][]string `json:"keys,omitempty"`
	// Fields names the query, form or multipart fields that hold the
	// payload; "" stands for the whole request body.
	Fields []string `json:"fields,omitempty"`
	// Form is how the payload is written: "json" (the default: JSON after
	// any wrapping), "params" (the request's parameters are the event; a
	// body of several k=v&k=v lines is one event per line) or "opaque"
	// (encrypted or binary: a row with size, entropy and evidence headers).
	Form string `json:"form,omitempty"`
	// Events lists root-object keys that may hold the event array, tried in
	// order. Without one, a root array's objects are the events, and a root
	// object is one event.
	Events []string `json:"events,omitempty"`
	// Columns maps event columns to keys.
	Columns Columns `json:"columns"`
	// Encrypted lists request shapes whose payload is encrypted although it
	// is JSON (Sensors gzip=9: an envelope of ciphertexts).
	Encrypted []Rule `json:"encrypted,omitempty"`
	// CRC names the integrity check the SDK sends: "java_string_hash" (the
	// crc parameter, or crc=N inside ext, is Java's String.hashCode of the
	// Base64 text). "" when none.
	CRC string `json:"crc,omitempty"`
	// Evidence lists header name prefixes (case-insensitive) worth keeping
	// on an opaque payload's row.
	Evidence []string `json:"evidence,omitempty"`
	// IDKinds overrides the generic identifier rules (IDKind) for this SDK's
	// event fields: field path -> id_kind, "" for "not an identifier"
	// (AppsFlyer's uid is an install id, Amplitude's uuid an event id).
	IDKinds map[string]string `json:"id_kinds,omitempty"`
}

// Columns lists, per event column, the keys to read, first present wins. A
// key is a dotted path inside the event object ("properties.distinct_id"),
// or inside the envelope when it starts with "envelope." (the members of the
// root object beside the event array).
type Columns struct {
	Event       []string `json:"event,omitempty"`
	EventType   []string `json:"event_type,omitempty"`
	DistinctID  []string `json:"distinct_id,omitempty"`
	LoginID     []string `json:"login_id,omitempty"`
	AnonymousID []string `json:"anonymous_id,omitempty"`
	UserID      []string `json:"user_id,omitempty"`
	DeviceID    []string `json:"device_id,omitempty"`
	Time        []string `json:"time,omitempty"`
	TrackID     []string `json:"track_id,omitempty"`
	// EventFromPath names events by the last segment of the request path
	// when no Event key is present (Adjust: /session, /event).
	EventFromPath bool `json:"event_from_path,omitempty"`
}

// Rule is one request shape. Every condition given must hold.
type Rule struct {
	// Host is a glob over the request host without port ('*' matches any
	// run of characters), compared case-insensitively.
	Host string `json:"host,omitempty"`
	// Path is a glob over the request path.
	Path string `json:"path,omitempty"`
	// Params: each "name" (present) or "name=regexp" (a value matches),
	// looked up among body fields, then query fields.
	Params []string `json:"params,omitempty"`
	// Header: "Name" (present) or "Name=regexp", case-insensitive name.
	Header string `json:"header,omitempty"`
	// ContentType: a prefix of the request media type.
	ContentType string `json:"content_type,omitempty"`
}

// Form names.
const (
	FormJSON   = "json"
	FormParams = "params"
	FormOpaque = "opaque"
)

// SDK names of the built-in profiles.
const (
	SDKSensors     = "sensors_analytics"
	SDKMixpanel    = "mixpanel"
	SDKGA4         = "ga4"
	SDKFirebaseMP  = "firebase_mp"
	SDKUA          = "universal_analytics"
	SDKSegment     = "segment"
	SDKAmplitude   = "amplitude"
	SDKAdjust      = "adjust"
	SDKAppsFlyer   = "appsflyer"
	SDKUmeng       = "umeng"
	SDKHiAnalytics = "hianalytics"
	SDKOneTrack    = "onetrack"
	// SDKGeneric names JSON telemetry no profile claimed.
	SDKGeneric = "generic_json"
	// SDKOpaque names an encrypted or binary body no profile claimed that
	// came with vendor headers.
	SDKOpaque = "opaque"
)

// genericColumns are the keys of the generic JSON profile.
var genericColumns = Columns{
	Event:       []string{"event", "event_type", "name", "en", "type"},
	DistinctID:  []string{"distinct_id"},
	LoginID:     []string{"login_id"},
	AnonymousID: []string{"anonymous_id"},
	UserID:      []string{"user_id"},
	DeviceID:    []string{"device_id"},
	Time:        []string{"time"},
	TrackID:     []string{"_track_id"},
}

// DefaultProfiles returns the built-in SDK profiles, in matching order. The
// slice is new on every call; callers may extend it.
func DefaultProfiles() []Profile {
	return []Profile{
		{
			// Android/iOS POST /sa?project= with crc=&gzip=1&data_list=; web
			// GET /sa.gif?data=&ext=crc%3D; web batch data_list=. Customers
			// self-host on any host name, so the shape is the key.
			Name: SDKSensors,
			Match: []Rule{
				{Path: "*/sa"}, {Path: "*/sa.gif"},
				{Params: []string{"gzip=^(0|1|9|13)$"}},
				{Params: []string{"crc=^ *-?[0-9]+ *$"}},
				{Params: []string{"ext=crc="}},
			},
			// distinct_id and event alone are common to many SDKs; type,
			// properties and _track_id or lib are the Sensors event shape.
			Keys:   [][]string{{"distinct_id"}, {"type"}, {"properties"}, {"_track_id", "lib"}},
			Fields: []string{"data_list", "data"},
			Columns: Columns{
				Event: []string{"event", "type"}, EventType: []string{"type"},
				DistinctID: []string{"distinct_id"}, LoginID: []string{"login_id"},
				AnonymousID: []string{"anonymous_id"}, UserID: []string{"user_id"},
				DeviceID: []string{"properties.$device_id"},
				Time:     []string{"time"}, TrackID: []string{"_track_id"},
			},
			Encrypted: []Rule{{Params: []string{"gzip=^(9|13)$"}}},
			CRC:       "java_string_hash",
		},
		{
			// mixpanel-js and the mobile SDKs: data= JSON, or Base64 JSON.
			Name: SDKMixpanel,
			Match: []Rule{
				{Host: "*mixpanel.com", Path: "/track*"},
				{Host: "*mixpanel.com", Path: "/engage*"},
				{Host: "*mixpanel.com", Path: "/groups*"},
			},
			Keys:   [][]string{{"event"}, {"properties.token"}},
			Fields: []string{"data", ""},
			Columns: Columns{
				Event:      []string{"event"},
				DistinctID: []string{"properties.distinct_id", "$distinct_id"},
				UserID:     []string{"properties.$user_id"},
				DeviceID:   []string{"properties.$device_id"},
				Time:       []string{"properties.time"},
			},
		},
		{
			// gtag.js: one event in the query, or shared parameters in the
			// query and one k=v line per event in the body.
			Name:  SDKGA4,
			Match: []Rule{{Path: "*/g/collect", Params: []string{"v=^2$"}}},
			Form:  FormParams,
			Columns: Columns{
				Event: []string{"en"}, DistinctID: []string{"cid"}, UserID: []string{"uid"},
			},
		},
		{
			// GA4 Measurement Protocol (also Firebase app instances).
			Name:   SDKFirebaseMP,
			Match:  []Rule{{Path: "*/mp/collect"}},
			Fields: []string{""},
			Events: []string{"events"},
			Columns: Columns{
				Event:      []string{"name"},
				DistinctID: []string{"envelope.client_id", "envelope.app_instance_id"},
				UserID:     []string{"envelope.user_id"},
				Time:       []string{"envelope.timestamp_micros"},
			},
		},
		{
			// analytics.js hits: v=1 parameters in the query or the body;
			// /batch has one hit per line.
			Name: SDKUA,
			Match: []Rule{
				{Path: "*/collect", Params: []string{"v=^1$", "tid"}},
				{Host: "*google-analytics.com", Path: "/batch"},
				{Host: "*google-analytics.com", Path: "*/collect"},
			},
			Form: FormParams,
			Columns: Columns{
				Event: []string{"t"}, DistinctID: []string{"cid"}, UserID: []string{"uid"},
			},
		},
		{
			Name: SDKSegment,
			Match: []Rule{
				{Host: "*segment.io", Path: "/v1/*"},
				{Host: "*segment.com", Path: "/v1/*"},
			},
			Fields: []string{""},
			Events: []string{"batch"},
			Columns: Columns{
				Event:       []string{"event", "type"},
				EventType:   []string{"type"},
				DistinctID:  []string{"anonymousId"},
				AnonymousID: []string{"anonymousId"},
				UserID:      []string{"userId"},
				Time:        []string{"timestamp"},
			},
		},
		{
			// HTTP API v2 JSON {api_key, events}; legacy form e=<JSON array>.
			Name:    SDKAmplitude,
			Match:   []Rule{{Host: "*amplitude.com"}},
			Fields:  []string{"", "e"},
			Events:  []string{"events"},
			IDKinds: map[string]string{"uuid": "", "insert_id": ""}, // per-event ids
			Columns: Columns{
				Event:      []string{"event_type"},
				DistinctID: []string{"device_id"},
				UserID:     []string{"user_id"},
				DeviceID:   []string{"device_id"},
				Time:       []string{"time"},
			},
		},
		{
			// Form bodies; partner_params and callback_params are JSON
			// strings inside form fields (see Field.Via).
			Name: SDKAdjust,
			Match: []Rule{
				{Host: "*adjust.com"}, {Host: "*adjust.net.in"}, {Host: "*adjust.world"}, {Host: "*adjust.io"},
			},
			Form: FormParams,
			Columns: Columns{
				EventFromPath: true,
				DistinctID:    []string{"android_uuid", "idfv"},
				DeviceID:      []string{"gps_adid", "idfa", "android_id"},
				Time:          []string{"created_at"},
			},
		},
		{
			Name:    SDKAppsFlyer,
			Match:   []Rule{{Host: "*appsflyer.com"}},
			Fields:  []string{""},
			IDKinds: map[string]string{"uid": KindDeviceID}, // the AppsFlyer install id
			Columns: Columns{
				Event:      []string{"eventName"},
				DistinctID: []string{"uid"},
				DeviceID:   []string{"advertiserId", "android_id"},
				Time:       []string{"af_timestamp", "timestamp"},
			},
		},
		{
			// Thrift UMEnvelope; the entity is compressed and encrypted.
			Name: SDKUmeng,
			Match: []Rule{
				{Host: "*umeng.com"}, {Header: "X-Umeng-Sdk"}, {Header: "Msg-Type=envelope"},
			},
			Fields:   []string{""},
			Form:     FormOpaque,
			Evidence: []string{"Msg-Type", "X-Umeng-", "SM-IMP", "Content-Type"},
		},
		{
			Name:     SDKHiAnalytics,
			Match:    []Rule{{Host: "*.hicloud.com", Path: "/common/*"}, {Header: "x-hasdk-"}},
			Fields:   []string{""},
			Form:     FormOpaque,
			Evidence: []string{"App-Id", "servicetag", "x-hasdk-", "App-Ver", "Sdk-Ver", "Package-Name", "Content-Type"},
		},
		{
			// Xiaomi OneTrack: octet-stream body keyed by session.
			Name:     SDKOneTrack,
			Match:    []Rule{{Host: "tracking*.miui.com", Path: "/track/v4*"}, {Header: "OT_sender"}},
			Fields:   []string{""},
			Form:     FormOpaque,
			Evidence: []string{"OT_", "Content-Type"},
		},
	}
}

// LoadProfiles reads profiles from a JSON file (an array of Profile
// objects, as DefaultProfiles would marshal).
func LoadProfiles(path string) ([]Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ps []Profile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ps); err != nil {
		return nil, fmt.Errorf("extract: %s: %w", path, err)
	}
	return ps, nil
}

// compiled is a profile ready for matching.
type compiled struct {
	Profile
	match, encrypted []rule
	keys             [][]string
}

type rule struct {
	host, path, ctype string
	params            []paramRule
	header            paramRule
}

type paramRule struct {
	name string
	re   *regexp.Regexp // nil: presence is enough
}

func compileRules(prof string, rs []Rule) ([]rule, error) {
	out := make([]rule, len(rs))
	for i, r := range rs {
		c := rule{host: strings.ToLower(r.Host), path: r.Path, ctype: strings.ToLower(r.ContentType)}
		for _, p := range r.Params {
			pr, err := compileParam(p)
			if err != nil {
				return nil, fmt.Errorf("extract: profile %s: %w", prof, err)
			}
			c.params = append(c.params, pr)
		}
		if r.Header != "" {
			pr, err := compileParam(r.Header)
			if err != nil {
				return nil, fmt.Errorf("extract: profile %s: %w", prof, err)
			}
			pr.name = strings.ToLower(pr.name)
			c.header = pr
		}
		out[i] = c
	}
	return out, nil
}

func compileParam(s string) (paramRule, error) {
	name, expr, ok := strings.Cut(s, "=")
	if name == "" {
		return paramRule{}, fmt.Errorf("empty parameter name in %q", s)
	}
	if !ok {
		return paramRule{name: name}, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return paramRule{}, fmt.Errorf("parameter rule %q: %w", s, err)
	}
	return paramRule{name: name, re: re}, nil
}

// glob matches s against a pattern where '*' matches any run of bytes.
func glob(pattern, s string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == s
		}
		if !strings.HasPrefix(s, pattern[:star]) {
			return false
		}
		s, pattern = s[star:], pattern[star+1:]
		if pattern == "" {
			return true
		}
		// Try every position for the rest; patterns are short.
		for i := 0; i <= len(s); i++ {
			if glob(pattern, s[i:]) {
				return true
			}
		}
		return false
	}
}
