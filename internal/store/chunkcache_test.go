package store

import "testing"

// The kept blobs stay within their bytes, the least recently used going first, and a change of
// chunk size (chunk_bits) forgets them all.
func TestChunkCacheBounded(t *testing.T) {
	c := newChunkCache(3 * (100 + chunkEntryBytes))
	blob := make([]byte, 100)
	c.put(16, []chunkItem{{chunkKey{"a", 0}, blob}, {chunkKey{"b", 0}, blob}, {chunkKey{"c", 0}, nil}})
	if got, ok := c.all(16, []string{"a", "b", "c"}, 0, 1, nil); !ok || got[2] != nil {
		t.Fatalf("three blobs kept within the bound (c: the chunk has none): %v %v", got, ok)
	}
	if _, ok := c.all(16, []string{"a"}, 0, 1, nil); !ok { // a is now the most recently used
		t.Fatal("a is gone")
	}
	c.put(16, []chunkItem{{chunkKey{"d", 0}, blob}, {chunkKey{"e", 0}, blob}})
	if c.size > c.max {
		t.Errorf("%d bytes kept, bound %d", c.size, c.max)
	}
	if _, ok := c.all(16, []string{"b"}, 0, 1, nil); ok {
		t.Error("b, used least recently, outlived the bound")
	}
	if got, ok := c.all(16, []string{"a", "d", "e"}, 0, 1, nil); !ok || len(got[0]) != 100 {
		t.Errorf("a, d and e: %v %v", got, ok)
	}
	c.put(4, []chunkItem{{chunkKey{"f", 0}, blob}})
	if _, ok := c.all(4, []string{"a"}, 0, 1, nil); ok {
		t.Error("a blob of 65,536-text chunks answered for chunks of 16")
	}
	if _, ok := c.all(4, []string{"f"}, 0, 1, nil); !ok || c.size != 100+chunkEntryBytes {
		t.Errorf("after the chunk size changed: %d bytes kept", c.size)
	}
}
