package extract

import (
	"net/netip"
	"net/url"
	"strings"
)

// IDKind tags a field value that identifies a device or a person; "" when none.
//
// The rules in one place. path is the field's key path as in Field.Path,
// value its text (numbers as their exact JSON text), jsonType as in
// Field.Type. IDKind prefers under-matching: a value is tagged only when its
// shape validates and, for shapes that are common in non-identifier data (16 hex, UUIDs, digits), the
// key says what it is. The key is the last path segment with any trailing
// "[i]" removed; key hints are matched case-insensitively either as a word
// (split at '_', '-', '$', '.', and camelCase humps: "gps_adid" has the word
// "adid") or on the key squeezed to lower-case letters and digits
// ("$identity_android_id" -> "identityandroidid").
//
// Only string and number fields are considered; bool, null, object, array
// and empty values are "". A veto key (a word hash, md5, sha, sha1, sha256,
// sha512, token, crc, crc32, checksum, digest, sign, signature, nonce, salt,
// secret, time, timestamp, ts, date, duration, version or ver: "oaid_md5",
// "deviceIdHash", "_flush_time", "$app_version") stops every device-id rule
// (1-7 below): the value there is a derivative or a counter, not the id.
//
// The first rule that holds wins, most specific first:
//
//  0. packed_ids: a string with "##"-separated segments of which at least
//     one is k=v with a non-empty v and k an identifier name (android_id,
//     imei*, meid, imsi, mac, oaid*, gaid, idfa, idfv, serial): Sensors'
//     $ios_install_source "android_id=..##imei=..##mac=..##oaid=..". A
//     "##" string without such pairs ($lib_detail "Class##method##File##92")
//     falls through.
//  1. Key-led identifiers (the key names it, the value has its shape):
//     imsi: key has "imsi", 14-15 digits, MCC first digit 2-7;
//     meid: key has "meid", 14 hex;
//     oaid: key has "oaid", a non-zero UUID or 16/32/64 hex (Huawei/Samsung,
//     Xiaomi, vivo/OPPO forms);
//     idfv: key has "idfv" or "identifierforvendor" or is "vendor_id", a
//     non-zero UUID;
//     advertising_id: word gaid/adid/aaid/idfa or key has "advertising" or
//     "advertiser" (also "ad_id"), a UUID that is not all zeros (a zeroed
//     GAID/IDFA means "limited", not an id), or its 32 hex digits without
//     dashes (not under adid, which Adjust uses for its own 32-hex id);
//     bssid: key has "bssid", a MAC (rule 2 form, 12 bare hex allowed);
//     ssid: key has "ssid" or "wifiname", a non-empty string other than
//     "<unknown ssid>" or "unknown";
//     mac: word "mac" or key has "macaddr"/"wifimac", a MAC with separators
//     or 12 bare hex.
//     MACs 02:00:00:00:00:00 (Android 6+ placeholder), all zeros and
//     ff:ff:ff:ff:ff:ff are never ids.
//  2. Self-validating shapes under any key:
//     imei: 15 digits, Luhn-valid, not all zeros, string or JSON number
//     (IMEISV is 16 digits and so is not an IMEI);
//     iccid: 19-20 digits starting 89 (an optional trailing F pad), Luhn;
//     email: local@domain.tld with a letters-only TLD;
//     phone: E.164, '+' then [1-9] then 7-14 digits;
//     mac: six hex octets separated all by ':' or all by '-';
//     meid: 14 hex starting A0-FF (the MEID range; 14 decimal digits look
//     like yyyymmddhhmmss).
//  3. android_id: 16 lowercase hex, not all zeros, with a hint: key has
//     "androidid", "ssaid" or "deviceid" ($device_id), key is distinct_id or
//     anonymous_id (older Sensors Android SDKs use the Android ID as the
//     anonymous id), or the field is under "identities". Any case is accepted
//     when the key says "androidid" or is "aid". 9774d56d682e549c (the old duplicated
//     emulator value) is still tagged; uniqueness is the caller's call.
//  4. anonymous_id (SDK-made install ids): a non-zero UUID under a key having
//     "deviceid", "uuid", "distinctid", "anonymous", "installid",
//     "installationid", or anywhere under "identities"; web_cookie_id (also
//     under a "deviceid" key, as the Sensors web SDK's $device_id): the
//     Sensors web cookie id (five '-'-separated lowercase-hex groups, not a
//     UUID, 40+ chars) under a key having "cookieid", "distinctid" or
//     "anonymous".
//  5. geo: word lat/latitude/lng/lon/longitude, a decimal with a '.', in
//     range (|lat| <= 90, |lon| <= 180), not zero (0.0 means "no fix").
//  6. ipv4/ipv6: a string that net/netip parses (no zone), not unspecified
//     (0.0.0.0, ::). Cheap pre-filters keep words and MACs away from the
//     parser; version keys are vetoed ("10.0.0.1" as $app_version).
//  7. phone: word phone/mobile/tel/msisdn, 7-15 digits with an optional
//     leading '+' and ' ', '-', '(' or ')' separators.
//  8. url: a string starting http:// or https:// (any case) without spaces
//     or control bytes that net/url parses with a host: visited pages.
//  9. search_query: key is search_word, keyword(s), query, q, wd, word,
//     text, search, kw, search_term, search_keyword, search_query,
//     search_text or $latest_search_keyword (also the "<url path>?q" fields
//     the extractor derives from search URLs: the key is what follows '?'); a non-blank string that is not the Sensors
//     placeholder "未取到值..." ("value not obtained").
//  10. account_id: key is login_id, user_id, userid, account, account_id,
//     uid, $identity_login_id, appUserId or customer_user_id; or distinct_id when rules 3-4 did not claim
//     it (Sensors sends the login id as distinct_id once logged in). The value
//     is not a placeholder (0, -1, null, undefined, none, unknown).
//  11. device_id (an SDK's or vendor's own device or install id, any shape):
//     key has "deviceid", or is adid, af_uid, appsflyer_id, install_id,
//     client_id, cid, _gid, app_instance_id, instance_id or anonymous_id, and the
//     value is 8-64 characters of letters, digits, '-', '_', '.' or ':'
//     with at least one digit, not a placeholder. Not under a veto key.
//
// A key named "id" whose parent key has "device" (Segment's
// context.device.id) counts as "device_id" for rules 3, 4 and 11; a key
// with "advertiser" (AppsFlyer's advertiserId) as "advertising".
//
// The function does not allocate except for ipv6 and URL candidates.
func IDKind(path, value, jsonType string) string {
	if value == "" || (jsonType != "string" && jsonType != "number") {
		return ""
	}
	str := jsonType == "string"
	k := newIDKey(path)

	if str && strings.Contains(value, "##") && packedIDs(value) {
		return KindPackedIDs
	}
	if !k.veto {
		if kind := keyLed(&k, value); kind != "" {
			return kind
		}
		if kind := selfValidating(value, str); kind != "" {
			return kind
		}
		if str && len(value) == 16 && (isAndroidID(&k, value) || k.deviceParent && allLowerHex(value) && !allByte(value, '0')) {
			return KindAndroidID
		}
		if str && (k.identities || k.has("deviceid") || k.deviceParent || k.has("uuid") || k.has("distinctid") ||
			k.has("anonymous") || k.has("installid") || k.has("installationid")) &&
			isUUID(value) && !zeroUUID(value) {
			return KindAnonymousID
		}
		if str && (k.has("cookieid") || k.has("distinctid") || k.has("anonymous") || k.has("deviceid")) && isSensorsCookieID(value) {
			return KindWebCookieID
		}
		if k.word("lat", "latitude") && geoDecimal(value, 90) {
			return KindGeo
		}
		if k.word("lng", "lon", "longitude") && geoDecimal(value, 180) {
			return KindGeo
		}
		if str {
			if kind := ipKind(value); kind != "" {
				return kind
			}
		}
		if k.word("phone", "mobile", "tel", "msisdn") && loosePhone(value) {
			return KindPhone
		}
	}
	if str && isHTTPURL(value) {
		return KindURL
	}
	if str && k.is("searchword", "keyword", "keywords", "query", "q", "wd", "word", "text", "searchterm",
		"searchkeyword", "searchquery", "searchtext", "latestsearchkeyword", "search", "kw") &&
		strings.TrimSpace(value) != "" && !strings.HasPrefix(value, "未取到值") {
		return KindSearchQuery
	}
	if (k.is("loginid", "userid", "account", "accountid", "uid", "identityloginid", "appuserid", "customeruserid") || k.is("distinctid")) &&
		!placeholder(value) {
		return KindAccountID
	}
	if !k.veto && (k.has("deviceid") || k.deviceParent || k.is("adid", "afuid", "appsflyerid", "installid", "clientid",
		"cid", "gid", "appinstanceid", "instanceid", "anonymousid")) && deviceIDShape(value) {
		return KindDeviceID
	}
	return ""
}

// deviceIDShape: 8-64 characters of [A-Za-z0-9._:-] with at least one
// digit, not a placeholder.
func deviceIDShape(v string) bool {
	if len(v) < 8 || len(v) > 64 || placeholder(v) || allByte(v, v[0]) {
		return false
	}
	digit := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			digit = true
		case isLower(c) || isUpper(c) || c == '-' || c == '_' || c == '.' || c == ':':
		default:
			return false
		}
	}
	return digit
}

// Identifier kinds returned by IDKind.
const (
	KindIMEI          = "imei"
	KindMEID          = "meid"
	KindIMSI          = "imsi"
	KindICCID         = "iccid"
	KindAndroidID     = "android_id"
	KindAdvertisingID = "advertising_id"
	KindOAID          = "oaid"
	KindIDFV          = "idfv"
	KindAnonymousID   = "anonymous_id"
	KindWebCookieID   = "web_cookie_id"
	KindMAC           = "mac"
	KindBSSID         = "bssid"
	KindSSID          = "ssid"
	KindEmail         = "email"
	KindPhone         = "phone"
	KindIPv4          = "ipv4"
	KindIPv6          = "ipv6"
	KindGeo           = "geo"
	KindURL           = "url"
	KindSearchQuery   = "search_query"
	KindAccountID     = "account_id"
	KindDeviceID      = "device_id"
	KindPackedIDs     = "packed_ids"
)

// keyLed applies rule 1: identifiers that only count when the key names them.
func keyLed(k *idKey, v string) string {
	switch {
	case k.has("imsi"):
		if n := len(v); (n == 14 || n == 15) && allDigits(v) && v[0] >= '2' && v[0] <= '7' {
			return KindIMSI
		}
	case k.has("meid"):
		if len(v) == 14 && allHex(v) && !allByte(v, '0') {
			return KindMEID
		}
	case k.has("oaid"):
		if n := len(v); ((n == 16 || n == 32 || n == 64) && allHex(v) && !allByte(v, '0')) ||
			(isUUID(v) && !zeroUUID(v)) {
			return KindOAID
		}
	case k.has("idfv") || k.has("identifierforvendor") || k.is("vendorid"):
		if isUUID(v) && !zeroUUID(v) {
			return KindIDFV
		}
	case k.word("gaid", "adid", "aaid", "idfa") || k.has("advertising") || k.has("advertiser") || k.is("adid"):
		if isUUID(v) && !zeroUUID(v) {
			return KindAdvertisingID
		}
		// The UUID without its dashes, but not under adid: Adjust's adid
		// is its own 32-hex device id.
		if len(v) == 32 && allHex(v) && !allByte(v, '0') && !k.word("adid") && !k.is("adid") {
			return KindAdvertisingID
		}
	case k.has("bssid"):
		if isMAC(v, true) {
			return KindBSSID
		}
	case k.has("ssid") || k.has("wifiname"):
		if t := strings.TrimSpace(v); t != "" && t != "<unknown ssid>" && !strings.EqualFold(t, "unknown") {
			return KindSSID
		}
	case k.word("mac") || k.has("macaddr") || k.has("wifimac"):
		if isMAC(v, true) {
			return KindMAC
		}
	}
	return ""
}

// selfValidating applies rule 2: shapes that carry their own check.
func selfValidating(v string, str bool) string {
	switch n := len(v); {
	case n == 15 && allDigits(v) && luhn(v) && !allByte(v, '0'):
		return KindIMEI
	case n >= 19 && n <= 21 && strings.HasPrefix(v, "89") && isICCID(v):
		return KindICCID
	}
	if !str {
		return ""
	}
	switch {
	case isEmail(v):
		return KindEmail
	case isE164(v):
		return KindPhone
	case isMAC(v, false):
		return KindMAC
	case len(v) == 14 && allHex(v) && hexVal(v[0]) >= 0xa:
		return KindMEID
	}
	return ""
}

func isAndroidID(k *idKey, v string) bool {
	if allByte(v, '0') {
		return false
	}
	if k.has("androidid") || k.is("aid") {
		return allHex(v)
	}
	return allLowerHex(v) && (k.identities || k.has("ssaid") || k.has("deviceid") ||
		k.is("distinctid", "anonymousid"))
}

// idKey is the last key of a field path, prepared for hint matching without
// allocating.
type idKey struct {
	raw        string // last key, verbatim
	squeezed   [64]byte
	n          int // len of squeezed; 0 when the key is too long to hint
	identities bool
	// deviceParent: the key is "id" and its parent key has "device".
	deviceParent bool
	ws           [8][2]int // word spans in raw
	nw           int
	veto         bool
}

func newIDKey(path string) idKey {
	var k idKey
	p := path
	for strings.HasSuffix(p, "]") {
		i := strings.LastIndexByte(p, '[')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	if i := strings.LastIndexByte(p, '?'); i >= 0 {
		// A search term taken from a URL: "$url?q" is keyed by "q".
		k.raw = p[i+1:]
		k.splitWords()
		k.squeeze()
		return k
	}
	k.raw = p
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		k.raw = p[i+1:]
		k.identities = strings.HasPrefix(p, "identities.") || strings.Contains(p, ".identities.")
		if strings.EqualFold(k.raw, "id") {
			parent := p[:i]
			if j := strings.LastIndexByte(parent, '.'); j >= 0 {
				parent = parent[j+1:]
			}
			k.deviceParent = strings.Contains(strings.ToLower(parent), "device")
		}
	}
	k.squeeze()
	k.splitWords()
	k.veto = k.word("hash", "md5", "sha", "sha1", "sha256", "sha512", "token", "crc", "crc32",
		"checksum", "digest", "sign", "signature", "nonce", "salt", "secret",
		"time", "timestamp", "ts", "date", "duration", "version", "ver")
	return k
}

// has reports whether the squeezed key contains s (lower-case alphanumerics).
func (k *idKey) has(s string) bool {
	b := k.squeezed[:k.n]
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

// is reports whether the squeezed key equals one of names.
func (k *idKey) is(names ...string) bool {
	for _, s := range names {
		if k.n > 0 && string(k.squeezed[:k.n]) == s {
			return true
		}
	}
	return false
}

// word reports whether one of the key's words equals one of words
// (case-insensitively). Words split at non-alphanumerics and before an upper
// case letter that follows a lower case letter or digit.
func (k *idKey) word(words ...string) bool {
	for i := 0; i < k.nw; i++ {
		w := k.raw[k.ws[i][0]:k.ws[i][1]]
		for _, x := range words {
			if len(w) == len(x) && strings.EqualFold(w, x) {
				return true
			}
		}
	}
	return false
}

// squeeze fills squeezed with raw's letters and digits, lower-cased.
func (k *idKey) squeeze() {
	for i := 0; i < len(k.raw); i++ {
		c := k.raw[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			if k.n == len(k.squeezed) {
				k.n = 0
				break
			}
			k.squeezed[k.n] = c
			k.n++
		}
	}
}

// splitWords records the word spans of k.raw once, so that the many word
// tests of one key do not each rescan it. Keys with more words than fit
// keep the first ones.
func (k *idKey) splitWords() {
	s := k.raw
	start := -1
	for i := 0; i <= len(s); i++ {
		boundary := i == len(s) || !isAlnum(s[i])
		hump := !boundary && i > 0 && isUpper(s[i]) && (isLower(s[i-1]) || isDigit(s[i-1]))
		if (boundary || hump) && start >= 0 {
			if k.nw < len(k.ws) {
				k.ws[k.nw] = [2]int{start, i}
				k.nw++
			}
			start = -1
		}
		if !boundary && start < 0 {
			start = i
		}
	}
}

// packedIDs reports whether v is a "##"-joined list with at least one
// identifier k=v pair.
func packedIDs(v string) bool {
	for seg := range strings.SplitSeq(v, "##") {
		name, val, ok := strings.Cut(seg, "=")
		if !ok || strings.TrimSpace(val) == "" {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		for _, p := range [...]string{"android_id", "androidid", "imei", "meid", "imsi", "mac", "oaid",
			"gaid", "idfa", "idfv", "serial"} {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
	}
	return false
}

func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hexVal returns the value of a hex digit, or -1.
func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return s != ""
}

func allLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && !('a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

func allByte(s string, b byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != b {
			return false
		}
	}
	return true
}

// luhn checks the Luhn (mod 10) check digit of an all-digit string.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func isICCID(v string) bool {
	if c := v[len(v)-1]; c == 'F' || c == 'f' {
		v = v[:len(v)-1]
	}
	return len(v) >= 19 && len(v) <= 20 && allDigits(v) && luhn(v)
}

// isUUID reports the 8-4-4-4-12 hex form, any case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

func zeroUUID(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isSensorsCookieID reports the Sensors web SDK cookie id: five
// '-'-separated lowercase hex groups (time, random, UA hash, screen, time),
// which is not a UUID.
func isSensorsCookieID(s string) bool {
	if len(s) < 40 || len(s) > 80 || isUUID(s) {
		return false
	}
	groups, glen := 1, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-':
			if glen == 0 {
				return false
			}
			groups, glen = groups+1, 0
		case isDigit(c) || ('a' <= c && c <= 'f'):
			glen++
		default:
			return false
		}
	}
	return groups == 5 && glen > 0
}

// isMAC reports six hex octets separated all by ':' or all by '-', or (bare)
// 12 hex digits; placeholder, zero and broadcast addresses are not MACs.
func isMAC(s string, bare bool) bool {
	var oct [6]int
	switch {
	case len(s) == 17:
		sep := s[2]
		if sep != ':' && sep != '-' {
			return false
		}
		for i := 0; i < 6; i++ {
			if i > 0 && s[3*i-1] != sep {
				return false
			}
			hi, lo := hexVal(s[3*i]), hexVal(s[3*i+1])
			if hi < 0 || lo < 0 {
				return false
			}
			oct[i] = hi<<4 | lo
		}
	case bare && len(s) == 12:
		for i := 0; i < 6; i++ {
			hi, lo := hexVal(s[2*i]), hexVal(s[2*i+1])
			if hi < 0 || lo < 0 {
				return false
			}
			oct[i] = hi<<4 | lo
		}
	default:
		return false
	}
	if oct == [6]int{2, 0, 0, 0, 0, 0} || oct == [6]int{} || oct == [6]int{255, 255, 255, 255, 255, 255} {
		return false
	}
	return true
}

func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at < 1 || at > 64 || len(s)-at-1 > 253 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isAlnum(c) && !strings.ContainsRune("._%+-", rune(c)) {
			return false
		}
	}
	labels, llen, letters := 0, 0, true
	for i := 0; i <= len(domain); i++ {
		if i == len(domain) || domain[i] == '.' {
			if llen == 0 {
				return false
			}
			labels++
			if i == len(domain) {
				return labels >= 2 && letters && llen >= 2
			}
			llen, letters = 0, true
			continue
		}
		c := domain[i]
		if !isAlnum(c) && c != '-' {
			return false
		}
		letters = letters && (isLower(c) || isUpper(c))
		llen++
	}
	return false
}

// isE164 reports '+' then [1-9] then 7-14 digits.
func isE164(s string) bool {
	return len(s) >= 9 && len(s) <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9' && allDigits(s[1:])
}

// loosePhone reports 7-15 digits with an optional leading '+' and ' ', '-',
// '(' or ')' separators.
func loosePhone(s string) bool {
	if s[0] == '+' {
		s = s[1:]
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// geoDecimal reports a decimal number with a fraction, non-zero, within
// ±limit. It scans by hand so that non-numbers cost no error allocation.
func geoDecimal(s string, limit int) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	whole, ip := 0, 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		if ip++; ip > 3 {
			return false
		}
		whole = whole*10 + int(s[i]-'0')
	}
	if ip == 0 || i >= len(s) || s[i] != '.' || i+1 == len(s) {
		return false
	}
	fracNonZero := false
	for i++; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
		fracNonZero = fracNonZero || s[i] != '0'
	}
	if whole > limit || (whole == limit && fracNonZero) {
		return false
	}
	return whole != 0 || fracNonZero
}

// ipKind parses IPv4 and IPv6 literals after a cheap shape check, so ordinary
// strings never reach the parser (whose errors allocate).
func ipKind(s string) string {
	if len(s) < 2 || len(s) > 45 {
		return ""
	}
	dots, colons := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			dots++
		case c == ':':
			colons++
		case hexVal(c) < 0:
			return ""
		}
	}
	v4 := colons == 0 && dots == 3 && len(s) <= 15
	v6 := colons >= 2 && (strings.Contains(s, "::") || colons == 7)
	if !v4 && !v6 {
		return ""
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.IsUnspecified() {
		return ""
	}
	if a.Is4() {
		return KindIPv4
	}
	return KindIPv6
}

func isHTTPURL(s string) bool {
	rest, ok := cutPrefixFold(s, "http://")
	if !ok {
		if rest, ok = cutPrefixFold(s, "https://"); !ok {
			return false
		}
	}
	if rest == "" || rest[0] == '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != ""
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// placeholder reports values SDKs send when they have no id.
func placeholder(v string) bool {
	t := strings.TrimSpace(v)
	for _, p := range [...]string{"", "0", "-1", "null", "undefined", "none", "unknown", "nil"} {
		if strings.EqualFold(t, p) {
			return true
		}
	}
	return false
}

// specificKinds are the kinds a value's shape and key pin down; a value
// tagged with one of them in an event is that identifier everywhere in the
// event.
var specificKinds = map[string]bool{
	KindIMEI: true, KindMEID: true, KindIMSI: true, KindICCID: true, KindAndroidID: true,
	KindAdvertisingID: true, KindOAID: true, KindIDFV: true, KindMAC: true, KindEmail: true, KindPhone: true,
}

// IDKinds tags the fields of one event: IDKind of each, then one
// reconciliation within the event: a value that some field tags with a
// specific kind (imei, meid, imsi, iccid, android_id, advertising_id, oaid,
// idfv, mac, email, phone) takes that kind in the event's other fields
// whose own tag is generic (anonymous_id, device_id, account_id) or none.
// Amplitude's device_id holding the advertising id that its adid field
// names is an advertising_id. The first specific kind in field order wins.
//
// overrides (a profile's IDKinds) replace the rules for the field paths they
// name; "" there means "not an identifier".
func IDKinds(fields []Field, overrides map[string]string) []string {
	kinds := make([]string, len(fields))
	var byValue map[string]string
	for i, f := range fields {
		if k, ok := overrides[f.Path]; ok {
			kinds[i] = k
		} else {
			kinds[i] = IDKind(f.Path, f.Value, f.Type)
		}
		if specificKinds[kinds[i]] {
			if byValue == nil {
				byValue = make(map[string]string)
			}
			if _, ok := byValue[f.Value]; !ok {
				byValue[f.Value] = kinds[i]
			}
		}
	}
	if byValue == nil {
		return kinds
	}
	for i, f := range fields {
		if _, ok := overrides[f.Path]; ok {
			continue
		}
		switch kinds[i] {
		case "", KindAnonymousID, KindDeviceID, KindAccountID:
			if f.Type != "string" && f.Type != "number" {
				continue
			}
			if k, ok := byValue[f.Value]; ok {
				kinds[i] = k
			}
		}
	}
	return kinds
}
