package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchmarkSearchChunksAtM measures the whole desk's search through sealed chunks alone at the
// size of scale M (10.7M texts: 163 chunks of 65,536 on SQLite, 1,306 of 8,192 on PostgreSQL)
// for its worst case: two words each in a tenth of every chunk's texts that never meet, so
// every chunk is read and nothing is found. Without the texts themselves (chunks written
// directly), so it runs in seconds instead of needing a generated data set.
//
//	go test -run '^$' -bench SearchChunksAtM ./internal/store/
func BenchmarkSearchChunksAtM(b *testing.B) {
	const texts = 10_700_000
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			st := storetest.Open(b, backend)
			db := storetest.Raw(b, st)
			var bits uint
			if err := db.QueryRow(`SELECT chunk_bits FROM search_chunks_sealed`).Scan(&bits); err != nil {
				b.Fatal(err)
			}
			size := 1 << bits
			chunks := texts / size
			r := rand.New(rand.NewPCG(1, 2))
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			for k := range chunks {
				one, two := make([]byte, size/8), make([]byte, size/8)
				for i := range size {
					switch r.IntN(10) {
					case 0:
						one[i/8] |= 1 << (i % 8)
					case 1:
						two[i/8] |= 1 << (i % 8)
					}
				}
				for w, bm := range map[string][]byte{"invoice": one, "arve": two} {
					if _, err := tx.Exec(`INSERT INTO search_chunks (word, chunk, docs) VALUES ($1, $2, $3)`, w, k, bm); err != nil {
						b.Fatal(err)
					}
				}
			}
			if _, err := tx.Exec(`UPDATE search_chunks_sealed SET sealed = $1`, chunks); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%d chunks, two words that never meet", chunks), func(b *testing.B) {
				cpu0 := cpuNow()
				for range b.N {
					hits := storetest.Read(b, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
						return tx.SearchWords(ctx, []string{"invoice", "arve"}, store.SearchFilter{}, 100)
					})
					if len(hits) != 0 {
						b.Fatalf("%d hits, want none", len(hits))
					}
				}
				b.ReportMetric(float64((cpuNow()-cpu0).Microseconds())/float64(b.N), "cpu_us/op") // this process's: PostgreSQL's own is not in it
			})
		})
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
