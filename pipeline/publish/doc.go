// Package publish writes a copy of a telltale dataset fit to publish beside
// a paper: identifiers, client addresses and free text are replaced with
// keyed pseudonyms or dropped, while joins, links and clusters still work.
//
// It promises:
//
//   - Consistency. A value gets the same pseudonym wherever it occurs, so
//     identifiers.value = fields.value, uid joins and cluster membership
//     give the same counts before and after publishing.
//   - Determinism. The same dataset and key give byte-identical files: rows,
//     row order and row groups are the dataset's, the Parquet writer
//     settings are those of pipeline/sink (per-column compression,
//     dictionary and statistics read back from the source files), and
//     publish.json holds no clock or path. A reviewer with the key and the
//     captures reruns telltale run and telltale publish and compares the
//     hashes in publish.json.
//   - Failing closed. A table or text column without a rule stops Publish
//     before anything is written, so a column added to the schema cannot
//     reach a publication unreviewed; so does a table whose bytes differ
//     from its manifest.
//   - Bounded memory. Tables stream one row group at a time (pqarrow reader
//     and writer). Beyond that Publish holds the distinct identifier values
//     and client addresses of the dataset, which the text rule looks for.
//
// # Rules
//
// Pseudonyms: "p:" + the first 16 hex digits of HMAC-SHA256(key, value). The same
// value gets the same pseudonym in every table and column whatever its kind, so joins,
// links and clusters survive; without the key nobody can tell what a pseudonym stands for.
// An empty string stays empty. The key is every byte of the key file (at least 16); make one
// with: head -c 32 /dev/urandom > key. Keep it private and keep it: with the key and the
// captures, telltale run then telltale publish gives the same bytes again.
//
// Whole value to pseudonym: uid (all tables), flows.community_id, client addresses
// (flows.orig_h, http.orig_h, tls.orig_h, dns.orig_h, and resp_h where that address is a client elsewhere),
// identifiers.value, identifiers.cluster_id, event_clusters.cluster_id, links.value_a/value_b,
// events.distinct_id/login_id/anonymous_id/user_id/device_id, leaks.value, http.referrer,
// and fields.value whenever id_kind is set, URLs and search terms included (a URL is not
// cut down to its host: the pages a person visits are what a publication must not show).
// uid, community_id and cluster_id are unkeyed hashes of addresses, ports or identifiers,
// which can be guessed, so they get pseudonyms too.
//
// Dropped (null): http.request_body, payloads.json, events.properties, tls.client_random
// (with a leaked key log it would name the session to decrypt), dns.answers (local names
// such as a phone's mDNS name are personal; resp_h and server_name keep what matters).
//
// Request targets (http.uri, http.path, and the path columns): an absolute URI keeps scheme
// and host; each path segment gets the text rule; each query parameter keeps its name and
// its non-empty value becomes the pseudonym of the decoded value (a part without '=' is a
// value); a fragment becomes a pseudonym.
//
// Headers (http.request_headers, http.response_headers, payloads.evidence): names get the
// text rule. Cookie and Set-Cookie keep cookie names and pseudonymize cookie values
// (Set-Cookie attributes get the text rule). Authorization, Proxy-Authorization, Referer,
// Location, Content-Location, X-Original-URL, X-Rewrite-URL, X-Forwarded-For, X-Real-IP,
// Forwarded, True-Client-IP, CF-Connecting-IP, X-Client-IP and X-Cluster-Client-IP values
// become pseudonyms. Other values get the text rule.
//
// fields.value without id_kind: numbers, booleans and nulls are kept. A string under a
// content key (the last key of the path, case-insensitive, without [i]: title, $title,
// page_title, $page_title, current_page_title, document_title, dt, url, $url, $current_url,
// current_url, page_url, page_location, dl, href, $url_path, url_path, current_url_path,
// page_path, dp, referrer, $referrer, $latest_referrer, $initial_referrer, page_referrer,
// dr, $element_content, element_content, $element_text, keyword, keywords, search,
// search_term, $search_keyword, $latest_search_keyword, query, q, term) becomes a
// pseudonym; a string longer than 64 bytes becomes "[redacted]"; other strings get the
// text rule.
//
// Text rule (host columns, user_agent, content types, status_msg, event, track_id, crc,
// field and JSON paths, leaks.label/where, identifiers.hosts, flows.app, header values):
// every occurrence (ASCII case ignored) of a value of 6 bytes or more that the dataset
// knows as an identifier (identifiers, links, fields with id_kind, the events id
// columns), a client address or a known value (leaks), or any disguise of a known value
// (the forms, hashes and Base64 the leaks table searches for), is replaced: a value by its
// pseudonym, a disguise by its name around the pseudonym of the value it hides, e.g.
// md5(p:...) or sha1(lower(p:...)), which shows what was hashed yet joins with nothing.
// Then every e-mail address, and every run of 16 or more [A-Za-z0-9+/=_-] bytes that holds
// a digit and looks random (only hex digits and dashes, or a quarter or more digits, or
// both letter cases: hashes, Base64, UUIDs, tokens), becomes its own pseudonym.
//
// Kept as they are: timestamps, numbers, server addresses and ports, methods, versions,
// status codes, SDK names, identifier kinds, decode chains, flags, capture file names and
// frame numbers. Row order and row groups are those of the dataset; links rows
// keep their a/b order, which after pseudonymization no longer sorts by value.
// A table or text column without a rule stops publish (rules version 1).
package publish
