package plan

import (
	"strconv"

	"telltale/samples/internal/sensors"
	"telltale/samples/internal/truth"
)

// ServerHost is the Host header every client sends.
var ServerHost = "127.0.0.1:" + strconv.Itoa(ServerPort)

// Truth is the truth file of the real capture. files describes the capture
// files (each holds the whole traffic, seen through a different interface);
// ports are the clients' local ports in the run; flowPackets gives, per
// client port, the packets counted in the first file.
func Truth(files []truth.Capture, ports Ports, flowPackets map[int]int) *truth.File {
	tf := &truth.File{
		Sample: "real",
		Description: "Real clients (curl and a Go net/http client) talking to a local net/http server over loopback, " +
			"captured twice at once: tcpdump -i lo (Ethernet with zero MACs) and tcpdump -i any -y LINUX_SLL2. " +
			"Each file holds the whole traffic: run the pipeline on one file at a time; counts are per file. " +
			"Flow packet counts are those of the first file.",
		MadeBy: "bash samples/real/make.sh",
		Files:  files,
	}
	addFlow := func(port, requests int) {
		tf.Flows = append(tf.Flows, truth.Flow{
			ClientIP: "127.0.0.1", ClientPort: port, ServerIP: "127.0.0.1", ServerPort: ServerPort,
			Host: ServerHost, Protocol: "http", Requests: requests, Packets: flowPackets[port],
			Files: fileNames(files),
		})
	}
	addHTTP := func(port, idx int, method, target string, reqBody, respBody int, tele bool, note string) {
		tf.HTTP = append(tf.HTTP, truth.HTTP{
			ClientPort: port, RequestIndex: idx, Method: method, Host: ServerHost, Target: target,
			Status: 200, RequestBodyBytes: reqBody, ResponseBodyBytes: respBody, Telemetry: tele, Note: note,
		})
	}
	addEvents := func(port, idx int, field string, evs []sensors.Object) {
		for i, ev := range evs {
			tf.Events = append(tf.Events, truth.EventOf(port, idx, field, i, ev))
		}
	}
	web := func(port int, w sensors.Web, location, chain string, method, target string, reqBody int, ev sensors.Object) {
		addFlow(port, 1)
		addHTTP(port, 0, method, target, reqBody, len(OKBody), true, "curl")
		crc := w.CRC
		tf.Payloads = append(tf.Payloads, truth.Payload{
			ClientPort: port, Location: location, Field: "data", Chain: chain, CRC: &crc, Base64: w.Base64, Events: 1,
		})
		addEvents(port, 0, "data", []sensors.Object{ev})
	}

	post, gif := CurlPost(), CurlGif()
	web(ports.CurlPost, post, "body", "form>percent>base64>json-object", "POST", "/sa?project=default",
		len(post.Params), CurlPostEvent())
	web(ports.CurlGif, gif, "query", "query>percent>base64>json-object", "GET", "/sa.gif?project=default&"+gif.Params,
		0, CurlGifEvent())

	addFlow(ports.CurlPage, 1)
	addHTTP(ports.CurlPage, 0, "GET", "/", 0, len(Page), false, "curl, HTML page")

	addFlow(ports.Go, len(Batches())+1)
	for i, b := range Batches() {
		addHTTP(ports.Go, i, "POST", SensorsTarget, len(b.Body), len(OKBody), true, "Go client, keep-alive")
		crc := b.CRC
		tf.Payloads = append(tf.Payloads, truth.Payload{
			ClientPort: ports.Go, RequestIndex: i, Location: "body", Field: "data_list",
			Chain: "form>percent>base64>gzip>json-array", Gzip: "1", CRC: &crc, Base64: b.Base64, Events: len(b.Events),
		})
		addEvents(ports.Go, i, "data_list", b.Events)
	}
	gi := len(Batches())
	addHTTP(ports.Go, gi, "POST", "/batch", len(GenericBatchBody()), len(OKBody), true,
		"Go client: generic JSON batch, Content-Encoding: gzip, Connection: close")
	tf.Payloads = append(tf.Payloads, truth.Payload{
		ClientPort: ports.Go, RequestIndex: gi, Location: "body", Field: "",
		Chain: "content-encoding:gzip>json-array", Events: len(GenericBatch()),
	})
	addEvents(ports.Go, gi, "", GenericBatch())

	tf.Counts = truth.Counts{Flows: len(tf.Flows), HTTPTransactions: len(tf.HTTP), Payloads: len(tf.Payloads), Events: len(tf.Events)}
	tf.Identifiers = truth.FindIdentifiers(tf.Events, []truth.IdentifierSpec{
		{Kind: "imei", Value: IMEI},
		{Kind: "android_id", Value: AndroidID},
		{Kind: "anonymous_id", Value: AnonID},
		{Kind: "web_cookie_id", Value: CookieID},
		{Kind: "user_id", Value: UserID},
	})
	return tf
}

func fileNames(files []truth.Capture) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Name
	}
	return out
}
