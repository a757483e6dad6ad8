package publish

// RulesVersion changes whenever a rule changes what a published file holds.
// It is in publish.json and in every published file's key-value metadata
// ("telltale.publish_rules").
const RulesVersion = 1

// rule is what happens to one column.
type rule int

const (
	keep       rule = iota // unchanged
	text                   // free text: identifiers, e-mail addresses and long tokens inside become pseudonyms
	pseud                  // the whole value becomes its pseudonym
	drop                   // null
	server                 // server address: kept unless it is also a client address
	pathRule               // request path
	queryRule              // query string
	uriRule                // request target
	headerRule             // list<struct<name, value>> of header lines
	fieldRule              // fields.value, by id_kind, json_type and path
)

var ruleNames = [...]string{"keep", "text", "pseudonym", "null", "server", "path", "query", "uri", "headers", "field value"}

func (r rule) String() string { return ruleNames[r] }

// tableRules lists, per table, the rule of every column that holds text.
// Columns of other types (numbers, times, booleans) are kept, except those
// listed. A text column or a table missing here stops publish: a column
// added to the schema must get a rule before it can be published.
var tableRules = map[string]map[string]rule{
	"flows": {
		"uid": pseud, "community_id": pseud, "orig_h": pseud, "resp_h": server,
		"app": text, "end_reason": keep, "history": keep, "roles": keep, "encap": keep,
		"overlaps": keep, "first_file": keep, "last_file": keep,
		"app_proto": keep, "problems": keep, "server_name": text, "server_name_source": keep, "resp_country": keep, "resp_as_org": keep,
	},
	"http": {
		"uid": pseud, "orig_h": pseud, "resp_h": server, "method": keep, "host": text,
		"uri": uriRule, "path": pathRule, "query": queryRule, "version": keep,
		"user_agent": text, "referrer": pseud,
		"request_headers": headerRule, "response_headers": headerRule,
		"request_body": drop, "request_content_type": text, "request_content_encoding": text,
		"status_msg": text, "response_content_type": text, "response_content_encoding": text,
		"flags": keep, "first_file": keep, "last_file": keep,
	},
	"payloads": {
		"uid": pseud, "host": text, "path": pathRule, "location": keep, "field": text,
		"chain": keep, "sdk": keep, "json": drop, "crc": text, "evidence": headerRule,
		"limit": keep, "flags": keep, "first_file": keep,
	},
	"events": {
		"uid": pseud, "event": text, "event_type": keep,
		"distinct_id": pseud, "login_id": pseud, "anonymous_id": pseud, "user_id": pseud, "device_id": pseud,
		"track_id": text, "properties": drop, "host": text, "path": pathRule, "sdk": keep, "first_file": keep,
	},
	"fields": {
		"uid": pseud, "path": text, "value": fieldRule, "json_type": keep, "id_kind": keep,
		"via": keep, "host": text,
	},
	"leaks": {
		"uid": pseud, "host": text, "path": pathRule, "kind": keep, "label": text, "value": pseud,
		"disguise": keep, "location": keep, "where": text, "first_file": keep,
	},
	"identifiers": {
		"kind": keep, "value": pseud, "hosts": text, "sdks": keep, "cluster_id": pseud,
	},
	"links": {
		"kind_a": keep, "value_a": pseud, "kind_b": keep, "value_b": pseud, "level": keep,
	},
	"event_clusters": {
		"uid": pseud, "cluster_id": pseud,
	},
	"tls": {
		"uid": pseud, "orig_h": pseud, "resp_h": server, "version": keep, "cipher": keep, "server_name": text,
		"alpn_offered": keep, "alpn": keep, "ja4": keep, "ja3": keep, "ja3_hash": keep, "client_random": drop,
		"problems": keep, "first_file": keep,
	},
	"dns": {
		"uid": pseud, "proto": keep, "orig_h": pseud, "resp_h": server, "query": text, "qtype": keep, "rcode": keep,
		"answers": drop, "first_file": keep,
	},
}

// RulesText is the rule set for people, as `telltale publish --help` shows
// it. The package documentation says the same.
const RulesText = `Pseudonyms: "p:" + the first 16 hex digits of HMAC-SHA256(key, value). The same
value gets the same pseudonym in every table and column whatever its kind, so joins,
links and clusters survive; without the key nobody can tell what a pseudonym stands for.
An empty string stays empty. The key is every byte of the key file (at least 16); make one
with: head -c 32 /dev/urandom > key. Keep it private and keep it: with the key and the
captures, telltale run then telltale publish gives the same bytes again.

Whole value to pseudonym: uid (all tables), flows.community_id, client addresses
(flows.orig_h, http.orig_h, tls.orig_h, dns.orig_h, and resp_h where that address is a client elsewhere),
identifiers.value, identifiers.cluster_id, event_clusters.cluster_id, links.value_a/value_b,
events.distinct_id/login_id/anonymous_id/user_id/device_id, leaks.value, http.referrer,
and fields.value whenever id_kind is set, URLs and search terms included (a URL is not
cut down to its host: the pages a person visits are what a publication must not show).
uid, community_id and cluster_id are unkeyed hashes of addresses, ports or identifiers,
which can be guessed, so they get pseudonyms too.

Dropped (null): http.request_body, payloads.json, events.properties, tls.client_random
(with a leaked key log it would name the session to decrypt), dns.answers (local names
such as a phone's mDNS name are personal; resp_h and server_name keep what matters).

Request targets (http.uri, http.path, and the path columns): an absolute URI keeps scheme
and host; each path segment gets the text rule; each query parameter keeps its name and
its non-empty value becomes the pseudonym of the decoded value (a part without '=' is a
value); a fragment becomes a pseudonym.

Headers (http.request_headers, http.response_headers, payloads.evidence): names get the
text rule. Cookie and Set-Cookie keep cookie names and pseudonymize cookie values
(Set-Cookie attributes get the text rule). Authorization, Proxy-Authorization, Referer,
Location, Content-Location, X-Original-URL, X-Rewrite-URL, X-Forwarded-For, X-Real-IP,
Forwarded, True-Client-IP, CF-Connecting-IP, X-Client-IP and X-Cluster-Client-IP values
become pseudonyms. Other values get the text rule.

fields.value without id_kind: numbers, booleans and nulls are kept. A string under a
content key (the last key of the path, case-insensitive, without [i]: title, $title,
page_title, $page_title, current_page_title, document_title, dt, url, $url, $current_url,
current_url, page_url, page_location, dl, href, $url_path, url_path, current_url_path,
page_path, dp, referrer, $referrer, $latest_referrer, $initial_referrer, page_referrer,
dr, $element_content, element_content, $element_text, keyword, keywords, search,
search_term, $search_keyword, $latest_search_keyword, query, q, term) becomes a
pseudonym; a string longer than 64 bytes becomes "[redacted]"; other strings get the
text rule.

Text rule (host columns, user_agent, content types, status_msg, event, track_id, crc,
field and JSON paths, leaks.label/where, identifiers.hosts, flows.app, header values):
every occurrence (ASCII case ignored) of a value of 6 bytes or more that the dataset
knows as an identifier (identifiers, links, fields with id_kind, the events id
columns), a client address or a known value (leaks), or any disguise of a known value
(the forms, hashes and Base64 the leaks table searches for), is replaced: a value by its
pseudonym, a disguise by its name around the pseudonym of the value it hides, e.g.
md5(p:...) or sha1(lower(p:...)), which shows what was hashed yet joins with nothing.
Then every e-mail address, and every run of 16 or more [A-Za-z0-9+/=_-] bytes that holds
a digit and looks random (only hex digits and dashes, or a quarter or more digits, or
both letter cases: hashes, Base64, UUIDs, tokens), becomes its own pseudonym.

Kept as they are: timestamps, numbers, server addresses and ports, methods, versions,
status codes, SDK names, identifier kinds, decode chains, flags, capture file names and
frame numbers. Row order and row groups are those of the dataset; links rows
keep their a/b order, which after pseudonymization no longer sorts by value.
A table or text column without a rule stops publish (rules version 1).`
