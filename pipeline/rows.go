package pipeline

import (
	"net/url"
	"strings"

	"telltale/pipeline/extract"
	"telltale/pipeline/h1"
	"telltale/pipeline/sink"
	"telltale/reassembly"
)

// httpRow flattens a transaction into its http table row. The originator is
// the side that sent the request, whatever reassembly guessed.
func httpRow(c *conn, tx *h1.Transaction) *sink.HTTPRow {
	req, resp := tx.Request, tx.Response
	client, server := c.info.Client, c.info.Server
	first := req
	if first == nil {
		first = resp
	}
	if first.Dir == reassembly.ServerToClient && req != nil || req == nil && resp.Dir == reassembly.ClientToServer {
		client, server = server, client
	}
	row := &sink.HTTPRow{
		UID:        c.uid,
		TransDepth: int32(tx.Depth),
		TS:         first.Start.Time,
		OrigH:      addrString(client.Addr()),
		OrigP:      client.Port(),
		RespH:      addrString(server.Addr()),
		RespP:      server.Port(),
		FirstFile:  c.r.fileName(first.Start.Ref.File),
		FirstFrame: int64(first.Start.Ref.Frame),
	}
	last := first
	flags := tx.Flags
	if req != nil {
		row.Method = req.Method
		row.URI = req.URI
		row.Version = strings.TrimPrefix(req.Version, "HTTP/")
		row.Host = requestHost(req)
		row.Path, row.Query = h1.SplitTarget(req.URI)
		row.UserAgent = headerValue(req.Headers, "User-Agent")
		row.Referrer = headerValue(req.Headers, "Referer")
		row.RequestHeaders = convertHeaders[sink.Header](req.Headers)
		row.RequestBodyLen = req.WireBodyLen
		row.RequestBody = req.Body
		row.RequestBodyTruncated = req.Flags&h1.FlagBodyTruncated != 0
		row.RequestContentType = headerValue(req.Headers, "Content-Type")
		row.RequestContentEncoding = req.ContentEncoding
		row.MissingBytes += req.MissingBytes
		flags |= req.Flags
	}
	if resp != nil {
		row.HasResponse = true
		row.StatusCode = int32(resp.StatusCode)
		row.StatusMsg = resp.Reason
		row.ResponseHeaders = convertHeaders[sink.Header](resp.Headers)
		row.ResponseContentType = headerValue(resp.Headers, "Content-Type")
		row.ResponseContentEncoding = resp.ContentEncoding
		row.ResponseBodyLen = resp.WireBodyLen
		row.MissingBytes += resp.MissingBytes
		if row.Version == "" {
			row.Version = strings.TrimPrefix(resp.Version, "HTTP/")
		}
		flags |= resp.Flags
		last = resp
	}
	row.TSEnd = last.End.Time
	row.LastFile = c.r.fileName(last.End.Ref.File)
	row.LastFrame = int64(last.End.Ref.Frame)
	if c.info.Midstream {
		flags |= h1.FlagMidstream
	}
	row.Flags = flags.Names()
	return row
}

// requestHost is the Host header, the HTTP/2 :authority, or the authority
// of an absolute-form URI.
func requestHost(m *h1.Message) string {
	if h := headerValue(m.Headers, "Host"); h != "" {
		return h
	}
	if h := headerValue(m.Headers, ":authority"); h != "" {
		return h
	}
	if u, err := url.Parse(m.URI); err == nil && u.Host != "" {
		return u.Host
	}
	return ""
}

func headerValue(hs []h1.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// convertHeaders copies header lines between the stages' identical Header
// types (h1, extract, sink); nil for none.
func convertHeaders[To, From ~struct{ Name, Value string }](hs []From) []To {
	if len(hs) == 0 {
		return nil
	}
	out := make([]To, len(hs))
	for i, h := range hs {
		out[i] = To(h)
	}
	return out
}

// bodyCut: the parser flags under which a body may hold less than was sent.
const bodyCut = h1.FlagBodyTruncated | h1.FlagIncomplete | h1.FlagBodyGap | h1.FlagDecodeError | h1.FlagDecodeLimit

func extractResponse(m *h1.Message) *extract.Response {
	if m == nil {
		return nil
	}
	return &extract.Response{
		StatusCode:    m.StatusCode,
		Headers:       convertHeaders[extract.Header](m.Headers),
		ContentType:   headerValue(m.Headers, "Content-Type"),
		Body:          m.Body,
		BodyTruncated: m.Flags&bodyCut != 0,
	}
}

func extractRequest(m *h1.Message, host string) *extract.Request {
	return &extract.Request{
		Method:        m.Method,
		Host:          host,
		URI:           m.URI,
		Headers:       convertHeaders[extract.Header](m.Headers),
		ContentType:   headerValue(m.Headers, "Content-Type"),
		Body:          m.Body,
		BodyTruncated: m.Flags&bodyCut != 0,
	}
}

// bodyLocation reports whether a payload location lies inside the request
// body.
func bodyLocation(loc string) bool {
	return loc == extract.LocBody || loc == extract.LocForm || loc == extract.LocMultipart
}

// telemetryRows expands the payloads of one transaction into payload, event
// and field rows, keyed by (uid, trans_depth, payload_index, event_index).
func telemetryRows(res *result, payloads []extract.Payload) {
	h := res.http
	for pi, p := range payloads {
		// The HTTP stage already undid the request's Content-Encoding; the
		// chain must still say the body arrived compressed.
		if enc := h.RequestContentEncoding; enc != "" && bodyLocation(p.Location) {
			p.Chain = append([]string{"content-encoding:" + enc}, p.Chain...)
		}
		if enc := h.ResponseContentEncoding; enc != "" && p.Location == extract.LocResponse {
			p.Chain = append([]string{"content-encoding:" + enc}, p.Chain...)
		}
		res.payloads = append(res.payloads, sink.PayloadRow{
			UID:          h.UID,
			TransDepth:   h.TransDepth,
			PayloadIndex: int32(pi),
			TS:           h.TS,
			Host:         h.Host,
			Path:         h.Path,
			Location:     p.Location,
			Field:        p.Field,
			Chain:        p.Chain,
			SDK:          p.SDK,
			EncodedLen:   int64(p.EncodedLen),
			DecodedLen:   int64(p.DecodedLen),
			JSON:         p.JSON,
			CRC:          p.CRC,
			CRCChecked:   p.CRCChecked,
			CRCOK:        p.CRCOK,
			Encrypted:    p.Encrypted,
			Entropy:      p.Entropy,
			Evidence:     convertHeaders[sink.Header](p.Evidence),
			Limit:        p.Limit,
			Flags:        p.Flags,
			FirstFile:    h.FirstFile,
			FirstFrame:   h.FirstFrame,
		})
		for ei, e := range p.Events {
			res.events = append(res.events, sink.EventRow{
				UID:          h.UID,
				TransDepth:   h.TransDepth,
				PayloadIndex: int32(pi),
				EventIndex:   int32(ei),
				TS:           h.TS,
				EventTime:    e.TimeMillis * 1e6,
				HasEventTime: e.HasTime,
				Event:        e.Name,
				EventType:    e.Type,
				DistinctID:   e.DistinctID,
				LoginID:      e.LoginID,
				AnonymousID:  e.AnonymousID,
				UserID:       e.UserID,
				DeviceID:     e.DeviceID,
				TrackID:      e.TrackID,
				Properties:   e.Properties,
				Host:         h.Host,
				Path:         h.Path,
				SDK:          p.SDK,
				FirstFile:    h.FirstFile,
				FirstFrame:   h.FirstFrame,
			})
			for _, f := range e.Fields {
				res.fields = append(res.fields, sink.FieldRow{
					UID:          h.UID,
					TransDepth:   h.TransDepth,
					PayloadIndex: int32(pi),
					EventIndex:   int32(ei),
					Path:         f.Path,
					Value:        f.Value,
					JSONType:     f.Type,
					IDKind:       f.Kind,
					Via:          f.Via,
					Host:         h.Host,
				})
			}
		}
	}
}
