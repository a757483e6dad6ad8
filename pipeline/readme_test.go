package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"telltale/pipeline/sink/sinktest"
)

// TestReadmeQuery runs the README's "which hosts received my device
// identifiers?" query on the demo sample's output, so the snippet a new user
// copies keeps working and keeps answering the question.
func TestReadmeQuery(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "<!-- readme-query")
	if i < 0 {
		t.Fatal("README has no readme-query marker")
	}
	start := strings.Index(text[i:], "```sql\n")
	end := strings.Index(text[i+start+7:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README query block not found")
	}
	query := text[i+start+7 : i+start+7+end]

	out, _ := runSample(t, sampleCases[0], 2)
	query = strings.ReplaceAll(query, "'demo-out/", "'"+filepath.ToSlash(out)+"/")
	rows := sinktest.Query(t, query)
	var got []string
	for _, r := range rows {
		got = append(got, r[0]+" "+r[1]+" "+r[2])
	}
	// From samples/phone-browser.truth.json: the Android ID is in every
	// Sensors event (63: identities, $device_id), the IMEI in two, the OAID in one.
	want := []string{
		"sa.api.intl.miui.com identities.$identity_android_id 63",
		"sa.api.intl.miui.com properties.$device_id 63",
		"sa.api.intl.miui.com properties.$ios_install_source 1",
		"sa.api.intl.miui.com properties.$oaid 1",
		"sa.api.intl.miui.com properties.imei 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README query rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
