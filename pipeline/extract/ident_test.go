package extract

import (
	"strings"
	"testing"
)

func TestIDKind(t *testing.T) {
	const (
		s = "string"
		n = "number"
	)
	tests := []struct {
		path, value, typ, want string
	}{
		// IMEI: Luhn decides; the JSON type does not.
		{"properties.imei", "358476101234565", s, KindIMEI},
		{"properties.imei", "358476101234566", s, ""}, // bad check digit
		{"properties.imei", "358476101234565", n, KindIMEI},
		{"properties.imei", "868692041234563", n, KindIMEI}, // phone-browser sample
		{"properties.x", "868692041234563", s, KindIMEI},
		{"properties.imei", "3584761012345601", s, ""}, // IMEISV, 16 digits
		{"properties.imei", "000000000000000", s, ""},  // Luhn-valid zeros
		{"properties.imei", "-358476101234565", n, ""},
		{"properties.imei_crc", "358476101234565", n, ""}, // veto key
		{"properties.imei_slot1", "358476101234565", s, KindIMEI},
		// Phone-browser sample, as exploded by Extract.
		{"properties.$device_id", "5c2b8e1f9a3d7e60", s, KindAndroidID},
		{"identities.$identity_android_id", "5c2b8e1f9a3d7e60", s, KindAndroidID},
		{"properties.$oaid", "7f3a9c2e11d04b86", s, KindOAID},
		{"properties.$ios_install_source", "android_id=5c2b8e1f9a3d7e60##imei=868692041234563##mac=7c:1d:d9:4a:2b:6e##oaid=7f3a9c2e11d04b86", s, KindPackedIDs},
		{"distinct_id", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", s, KindAnonymousID},
		{"anonymous_id", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", s, KindAnonymousID},
		{"properties.uuid", "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", s, KindAnonymousID},
		{"distinct_id", "6583412207", s, KindAccountID},
		{"login_id", "6583412207", s, KindAccountID},
		{"identities.$identity_login_id", "6583412207", s, KindAccountID},
		{"identities.$identity_cookie_id", "171c3a2f8e41d5-0f3b9c7a2e6d48-3b614f0a-329160-171c3a2f8e5b2c", s, KindWebCookieID},
		{"distinct_id", "171c3a2f8e41d5-0f3b9c7a2e6d48-3b614f0a-329160-171c3a2f8e5b2c", s, KindWebCookieID},
		{"anonymous_id", "171c3a2f8e41d5-0f3b9c7a2e6d48-3b614f0a-329160-171c3a2f8e5b2c", s, KindWebCookieID},
		{"properties.url", "http://news.example.org/story/123?ref=home", s, KindURL},
		{"properties.$url", "http://shop.example.cn/item/42?from=home", s, KindURL},
		{"properties.$url_path", "/item/42", s, ""},
		{"properties.search_word", "天气 北京", s, KindSearchQuery},
		{"properties.search_word", "weather", s, KindSearchQuery},
		{"properties.$latest_search_keyword", "未取到值_直接打开", s, ""}, // SDK placeholder
		{"properties.$latest_referrer", "", s, ""},
		{"properties.page_id", "bec8cfce811bbbe0", s, ""}, // 16 hex, no hint
		{"properties.rid", "1o96bw5z84455", s, ""},
		{"lib.$lib_version", "4.0.0", s, ""},
		{"lib.$lib_version", "1.27.5", s, ""},
		{"lib.$lib_detail", "miui.globalbrowser.common_business.g.i##a##SourceFile##92", s, ""},
		{"properties.miui_version", "V11.0.5.0.QCOEUXM", s, ""},
		{"properties.$os_version", "10", s, ""},
		{"properties.$model", "Redmi Note 8", s, ""},
		{"properties.$app_id", "com.mi.globalbrowser.mini", s, ""},
		{"properties.$title", "新闻 - 今日要闻", s, ""},
		{"properties.$wifi", "true", "bool", ""},
		{"properties.is_incognito", "true", "bool", ""},
		{"properties.$screen_width", "1080", n, ""},
		{"properties.$timezone_offset", "-180", n, ""},
		{"properties.type", "privacy", s, ""},
		{"time", "1588339200123", n, ""},
		{"_flush_time", "1588065300636", n, ""},
		{"_track_id", "-1214109552", n, ""},
		// Android ID: hints, the 16-hex hash trap, the duplicated value.
		{"properties.$device_id", "9774d56d682e549c", s, KindAndroidID},
		{"identities.$identity_android_id", "9774d56d682e549c", s, KindAndroidID},
		{"properties.android_id", "9774D56D682E549C", s, KindAndroidID},
		{"properties.$device_id", "9774D56D682E549C", s, KindDeviceID}, // not the SDK's lowercase Android ID: some device id
		{"properties.ssaid", "9774d56d682e549c", s, KindAndroidID},
		{"distinct_id", "9774d56d682e549c", s, KindAndroidID},
		{"properties.md5", "9774d56d682e549c", s, ""},
		{"properties.device_id_md5", "9774d56d682e549c", s, ""},
		{"properties.deviceIdHash", "9774d56d682e549c", s, ""},
		{"properties.token", "9774d56d682e549c", s, ""},
		{"properties.crc", "9774d56d682e549c", s, ""},
		{"properties.$device_id", "0000000000000000", s, ""},
		{"properties.$device_id", "9774d56d682e549", s, KindDeviceID},
		{"context.device.id", "a3f9c47e21d08b65", s, KindAndroidID},
		{"context.device.id", "6e1d4c2b-9a8f-4e7d-b6c5-a4f3e2d1c0b9", s, KindAnonymousID},
		{"context.app.id", "a3f9c47e21d08b65", s, ""},
		{"advertiserId", "38400000-8cf0-11bd-b23e-10b96e40000d", s, KindAdvertisingID},
		{"af_uid", "1631607001234-5482016387204519234", s, KindDeviceID},
		{"data.device_id", "dv-8c1f3e77b2a94d05", s, KindDeviceID},
		{"cid", "1234567890.1631607001", s, KindDeviceID},
		{"device_id", "unknown", s, ""},
		{"ctx.aid", "A3F9C47E21D08B65", s, KindAndroidID},
		{"ctx.gaid", "7e2b4c913d5a4f089b6e1c2d3e4f5a6b", s, KindAdvertisingID},
		{"adid", "7e2b4c913d5a4f089b6e1c2d3e4f5a6b", s, KindDeviceID},
		{"_gid", "903122547.1631607002", s, KindDeviceID},
		{"device_id", "abcdefgh", s, ""},
		{"device_id_md5", "dv-8c1f3e77b2a94d05", s, ""},
		// Advertising ids, OAID, IDFV.
		{"properties.$gaid", "38400000-8cf0-11bd-b23e-10b96e40000d", s, KindAdvertisingID},
		{"properties.gps_adid", "38400000-8cf0-11bd-b23e-10b96e40000d", s, KindAdvertisingID},
		{"properties.idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC", s, KindAdvertisingID},
		{"properties.advertisingId", "38400000-8cf0-11bd-b23e-10b96e40000d", s, KindAdvertisingID},
		{"properties.$gaid", "00000000-0000-0000-0000-000000000000", s, ""},
		{"properties.idfa", "00000000-0000-0000-0000-000000000000", s, ""},
		{"properties.adid", "a3f7b2c1d4e5f60718293a4b5c6d7e8f", s, KindDeviceID}, // Adjust's own device id, not an advertising UUID
		{"properties.bad_id", "38400000-8cf0-11bd-b23e-10b96e40000d", s, ""},
		{"properties.oaid", "f2e8c1a4-7b3d-4e9a-8c1f-2d6b5a4e3c21", s, KindOAID},
		{"properties.oaid", "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b", s, KindOAID},
		{"properties.oaid", "00000000-0000-0000-0000-000000000000", s, ""},
		{"properties.$oaid_md5", "5649ca6c38e4131ca8fb7b90d25b0f03", s, ""},
		{"properties.idfv", "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", s, KindIDFV},
		{"properties.identifierForVendor", "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", s, KindIDFV},
		{"properties.$identity_android_uuid", "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", s, KindAnonymousID},
		{"properties.request_id", "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", s, ""},
		// IMSI, ICCID, MEID.
		{"properties.imsi", "226011234567890", s, KindIMSI},
		{"properties.imsi", "126011234567890", s, ""}, // no MCC starts with 1
		{"properties.x", "8940112345678901235", s, KindICCID},
		{"properties.iccid", "89400123456789012343", s, KindICCID},
		{"properties.iccid", "8940112345678901235F", s, KindICCID},
		{"properties.iccid", "8940112345678901234", s, ""}, // bad check digit
		{"properties.meid", "99000012345678", s, KindMEID},
		{"properties.x", "A0000012345678", s, KindMEID},
		{"properties.x", "20200501123045", s, ""}, // yyyymmddhhmmss
		// MAC, BSSID, SSID.
		{"properties.x", "7c:1d:d9:4a:2b:6e", s, KindMAC},
		{"properties.x", "7C-1D-D9-4A-2B-6E", s, KindMAC},
		{"properties.x", "7c:1d-d9:4a:2b:6e", s, ""},
		{"properties.x", "7c1dd94a2b6e", s, ""},
		{"properties.wifi_mac", "7c1dd94a2b6e", s, KindMAC},
		{"properties.mac", "02:00:00:00:00:00", s, ""},
		{"properties.x", "02:00:00:00:00:00", s, ""},
		{"properties.mac", "00:00:00:00:00:00", s, ""},
		{"properties.machine", "7c1dd94a2b6e", s, ""},
		{"properties.bssid", "7c:1d:d9:4a:2b:6e", s, KindBSSID},
		{"properties.bssid", "02:00:00:00:00:00", s, ""},
		{"properties.ssid", "Casa Popescu 5G", s, KindSSID},
		{"properties.wifi_name", "HomeNet", s, KindSSID},
		{"properties.ssid", "<unknown ssid>", s, ""},
		// Email, phone.
		{"properties.x", "ion.popescu@example.ro", s, KindEmail},
		{"properties.x", "a@b", s, ""},
		{"properties.x", "a@b.c1", s, ""},
		{"properties.x", "@example.com", s, ""},
		{"properties.x", "+40721234567", s, KindPhone},
		{"properties.x", "+0721234567", s, ""},
		{"properties.phone", "0721 234 567", s, KindPhone},
		{"properties.mobile", "0721234567", n, KindPhone},
		{"properties.phone", "12345", s, ""},
		{"properties.x", "0721234567", s, ""},
		// IP addresses.
		{"properties.$ip", "192.168.1.10", s, KindIPv4},
		{"properties.x", "2001:db8::1", s, KindIPv6},
		{"properties.x", "0.0.0.0", s, ""},
		{"properties.x", "::", s, ""},
		{"properties.x", "256.1.1.1", s, ""},
		{"properties.$app_version", "10.0.0.1", s, ""},
		{"properties.x", "12:30:45", s, ""},
		// Geo.
		{"properties.latitude", "44.4268", s, KindGeo},
		{"properties.$longitude", "26.1025", n, KindGeo},
		{"properties.gps_lat", "-33.8688", n, KindGeo},
		{"properties.userLng", "151.2093", n, KindGeo},
		{"properties.lat", "44", n, ""},
		{"properties.lat", "0.0", n, ""},
		{"properties.lat", "90.5", n, ""},
		{"properties.lng", "180.0", n, KindGeo},
		{"properties.lng", "190.5", n, ""},
		{"properties.latest", "44.4268", n, ""},
		// URL, search, account.
		{"properties.page_url", "HTTPS://www.example.com/a?b=c", s, KindURL},
		{"properties.x", "http://", s, ""},
		{"properties.x", "http://exa mple.com/", s, ""},
		{"properties.x", "ftp://example.com/", s, ""},
		{"properties.q", "cheap flights", s, KindSearchQuery},
		{"properties.wd", "天气", s, KindSearchQuery},
		{"properties.keyword", "  ", s, ""},
		{"properties.q", "1", n, ""},
		{"properties.query_count", "cheap", s, ""},
		{"properties.user_id", "u_829301", s, KindAccountID},
		{"properties.uid", "10293847", n, KindAccountID},
		{"properties.uid", "0", n, ""},
		{"login_id", "mi_12345678", s, KindAccountID},
		{"properties.user_id", "null", s, ""},
		// Packed ids.
		{"properties.$ios_install_source", "android_id=##imei=##mac=", s, ""},
		{"properties.x", "imei_old=358476101234565##oaid=", s, KindPackedIDs},
		// Short words, types that never carry ids, arrays.
		{"properties.x", "ok", s, ""},
		{"properties.x", "abc", s, ""},
		{"properties.imei", "", "null", ""},
		{"properties.imei", "{}", "object", ""},
		{"properties.imeis", "[]", "array", ""},
		{"properties.imeis[1]", "358476101234565", s, KindIMEI},
		{"properties.wifi_list[0].bssid", "7c:1d:d9:4a:2b:6e", s, KindBSSID},
		{"", "358476101234565", s, KindIMEI},
	}
	for _, tc := range tests {
		if got := IDKind(tc.path, tc.value, tc.typ); got != tc.want {
			t.Errorf("IDKind(%q, %q, %s) = %q, want %q", tc.path, tc.value, tc.typ, got, tc.want)
		}
	}
}

// TestIDKindSample runs IDKind over every field of a phone-browser-like
// Sensors event exploded by Extract, so the paths are the ones the pipeline
// produces.
func TestIDKindSample(t *testing.T) {
	ps := Extract(&Request{Method: "POST", URI: "/sa", ContentType: "application/x-www-form-urlencoded",
		Body: form("data_list", b64(gz(t, sensorsBatch(storedEv1, storedEv2))), "gzip", "1")}, Limits{}, nil)
	if len(ps) != 1 || len(ps[0].Events) != 2 {
		t.Fatalf("got %d payloads, want 1 with 2 events", len(ps))
	}
	got := map[string]string{}
	for _, e := range ps[0].Events {
		for _, f := range e.Fields {
			if k := IDKind(f.Path, f.Value, f.Type); k != "" {
				got[f.Path+"="+f.Value] = k
			}
		}
	}
	want := map[string]string{
		"distinct_id=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d":  KindAnonymousID,
		"anonymous_id=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d": KindAnonymousID,
		"identities.$identity_android_id=9774d56d682e549c":  KindAndroidID,
		"properties.$url=https://www.example.com/news?id=7": KindURL,
		"properties.imei=358476101234565":                   KindIMEI,
		"distinct_id=mi_12345678":                           KindAccountID,
		"login_id=mi_12345678":                              KindAccountID,
		"properties.search_word=example query":              KindSearchQuery,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s: %q", k, v)
		}
	}
}

func TestIDKindAllocs(t *testing.T) {
	cases := [][3]string{
		{"properties.$device_id", "9774d56d682e549c", "string"},
		{"properties.imei", "358476101234565", "number"},
		{"properties.$ios_install_source", "no pairs here##at all", "string"},
		{"properties.$ip", "192.168.1.10", "string"},
		{"properties.$model", "Redmi Note 8", "string"},
		{"properties.x", "ion.popescu@example.ro", "string"},
		{"properties.latitude", "44.4268", "string"},
		{"lib.$lib_version", "4.0.0", "string"},
		{"time", "1588339200123", "number"},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(50, func() { IDKind(c[0], c[1], c[2]) }); a != 0 {
			t.Errorf("IDKind(%q, %q): %v allocs, want 0", c[0], c[1], a)
		}
	}
}

func TestIDKindLongKey(t *testing.T) {
	long := "properties." + strings.Repeat("x", 100) + "_android_id"
	if got := IDKind(long, "9774d56d682e549c", "string"); got != "" {
		t.Errorf("over-long key: got %q, want \"\"", got)
	}
}

func FuzzIDKind(f *testing.F) {
	f.Add("properties.imei", "358476101234565", "number")
	f.Add("properties.$ios_install_source", "android_id=5c2b8e1f9a3d7e60##imei=868692041234563##mac=7c:1d:d9:4a:2b:6e##oaid=7f3a9c2e11d04b86", "string")
	f.Add("identities.$identity_android_id", "9774d56d682e549c", "string")
	f.Add("properties.wifi_list[0].bssid", "7c:1d:d9:4a:2b:6e", "string")
	f.Add("properties.lat", "-33.8688", "number")
	f.Add("properties.x", "2001:db8::1", "string")
	f.Add("properties.url", "http://news.example.org/", "string")
	f.Add("a[", "8940112345678901235F", "string")
	f.Add("properties.x", "a@b.co", "string")
	f.Fuzz(func(t *testing.T, path, value, typ string) {
		k := IDKind(path, value, typ)
		if k != IDKind(path, value, typ) {
			t.Fatal("not deterministic")
		}
		if k != "" && (value == "" || (typ != "string" && typ != "number")) {
			t.Fatalf("IDKind(%q, %q, %q) = %q for a value that cannot carry an id", path, value, typ, k)
		}
	})
}
