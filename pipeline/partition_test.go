package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"telltale/pipeline/leak"
	"telltale/pipeline/sink/sinktest"
)

// TestPartitionedDataset runs two captures into one Hive-partitioned
// dataset, as two machines would, and reads it back as one table per kind:
// each partition holds exactly what a plain run of its capture holds, a
// rerun replaces its own files with the same bytes, and the partition
// column comes from the directory names.
func TestPartitionedDataset(t *testing.T) {
	ds := filepath.Join(t.TempDir(), "study")
	runPart := func(sc sampleCase) *Summary {
		t.Helper()
		var in []string
		for _, p := range sc.inputs {
			in = append(in, filepath.Join(samplesDir, p))
		}
		var known []leak.Known
		if f := knownFiles[sc.name]; f != "" {
			var err error
			if known, err = leak.Load(filepath.Join(samplesDir, f)); err != nil {
				t.Fatal(err)
			}
		}
		sum, err := Run(context.Background(), Config{Inputs: in, OutDir: ds, PartitionBy: PartitionByInput, Workers: 2, Known: known})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	phone, zoo := sampleCases[0], sampleCases[6]
	sumPhone := runPart(phone)
	sumZoo := runPart(zoo)
	if sumPhone.Partition == sumZoo.Partition {
		t.Fatalf("both runs wrote partition %s", sumPhone.Partition)
	}

	// The same counts as plain runs of each capture.
	for _, sc := range []sampleCase{phone, zoo} {
		plain, _ := runSample(t, sc, 1)
		for _, table := range goldenTables {
			want := sinktest.Query(t, `SELECT count(*) FROM read_parquet(?)`, filepath.Join(plain, table+".parquet"))
			got := sinktest.Query(t, `SELECT count(*) FROM read_parquet(?, hive_partitioning = true) WHERE input = ?`,
				filepath.Join(ds, table, "*", "*.parquet"), filepath.Base(sc.inputs[0]))
			if got[0][0] != want[0][0] {
				t.Errorf("%s %s: %s rows in the partition, %s in a plain run", sc.name, table, got[0][0], want[0][0])
			}
		}
	}
	// uids never collide across the runs.
	if got := sinktest.Query(t, `SELECT count(*) - count(DISTINCT uid) FROM read_parquet(?, hive_partitioning = true)`, filepath.Join(ds, "flows", "*", "*.parquet")); got[0][0] != "0" {
		t.Errorf("%s duplicate flow uids across partitions", got[0][0])
	}

	// A rerun replaces its own files, byte for byte.
	before, err := os.ReadFile(filepath.Join(ds, "events", sumPhone.Partition+".parquet"))
	if err != nil {
		t.Fatal(err)
	}
	again := runPart(phone)
	after, err := os.ReadFile(filepath.Join(ds, "events", again.Partition+".parquet"))
	if err != nil || again.Partition != sumPhone.Partition || string(after) != string(before) {
		t.Errorf("rerun: partition %s (was %s), identical %v, %v", again.Partition, sumPhone.Partition, string(after) == string(before), err)
	}
	var parts []string
	for _, table := range append(slices.Clone(goldenTables), ManifestsDir) {
		es, err := os.ReadDir(filepath.Join(ds, table))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			fs, _ := os.ReadDir(filepath.Join(ds, table, e.Name()))
			parts = append(parts, table+"/"+e.Name()+":"+strconv.Itoa(len(fs)))
		}
	}
	for _, p := range parts {
		if p[len(p)-2:] != ":1" {
			t.Errorf("partition %s holds more than one file after a rerun", p)
		}
	}
	if len(parts) != 2*(len(goldenTables)+1) {
		t.Errorf("partitions %q", parts)
	}
	if es, _ := os.ReadDir(filepath.Dir(ds)); len(es) != 1 {
		t.Errorf("staging left beside the dataset: %d entries", len(es))
	}

	// By date: the UTC date of the first packet.
	byDate := filepath.Join(t.TempDir(), "bydate")
	sum, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, "phone-browser.pcap")}, OutDir: byDate, PartitionBy: PartitionByDate})
	if err != nil {
		t.Fatal(err)
	}
	if want := "date=" + sinktest.Query(t, `SELECT strftime(min(ts) AT TIME ZONE 'UTC', '%Y-%m-%d') FROM read_parquet(?)`, filepath.Join(byDate, "flows", "*", "*.parquet"))[0][0]; filepath.Dir(sum.Partition) != want {
		t.Errorf("date partition %s, want %s", sum.Partition, want)
	}

	// A plain dataset is not a partitioned one.
	if _, err := Run(context.Background(), Config{Inputs: []string{filepath.Join(samplesDir, "phone-browser.pcap")}, OutDir: byDate, PartitionBy: "host"}); err == nil {
		t.Error("--partition-by host accepted")
	}
}
