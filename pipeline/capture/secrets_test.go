package capture

import (
	"encoding/binary"
	"io"
	"testing"
)

func dsbBody(order binary.AppendByteOrder, typ uint32, data []byte, declared uint32) []byte {
	var body []byte
	body = order.AppendUint32(body, typ)
	body = order.AppendUint32(body, declared)
	body = append(body, data...)
	return body
}

// TestDecryptionSecrets checks that Decryption Secrets Blocks reach the
// handler in file order, before the packets that follow them, in either byte
// order, and that a lying one is skipped with a problem while reading goes on.
func TestDecryptionSecrets(t *testing.T) {
	keys1 := []byte("CLIENT_RANDOM 00 11\n")
	keys2 := []byte("SERVER_TRAFFIC_SECRET_0 aa bb\n") // 30 bytes: padded to 32 in the block
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		n := &ngFile{}
		n.shb(order, 1, 0)
		n.idb(1, 65535)
		n.block(ngDSB, dsbBody(order, SecretsTLSKeyLog, keys1, uint32(len(keys1))))
		n.epb(0, 1, payload(1, 60), 60)
		n.block(ngDSB, dsbBody(order, SecretsTLSKeyLog, keys2, uint32(len(keys2))))
		n.block(ngDSB, dsbBody(order, SecretsWireGuard, []byte("wg"), 400)) // length beyond the block
		n.epb(0, 2, payload(2, 60), 60)
		path := writeFile(t, t.TempDir(), "dsb.pcapng", n.b)

		s, err := Open([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		s.OnSecrets(func(sec Secrets) {
			if sec.Type != SecretsTLSKeyLog || sec.File != 0 {
				t.Errorf("secrets type %#x file %d", sec.Type, sec.File)
			}
			got = append(got, string(sec.Data))
		})
		var frames int
		for {
			f, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			frames++
			if want := frames; len(got) != want {
				t.Errorf("frame %d: %d secrets blocks seen before it, want %d", f.Frame, len(got), want)
			}
		}
		s.Close()
		if frames != 2 || len(got) != 2 || got[0] != string(keys1) || got[1] != string(keys2) {
			t.Errorf("frames %d, secrets %q", frames, got)
		}
		errs := s.Files()[0].Errors
		if len(errs) != 1 || errs[0] != "dsb.pcapng: offset 232: malformed decryption secrets block: secrets length 400 in a body of 12 bytes: skipped" {
			t.Errorf("errors %q", errs)
		}
	}
}
