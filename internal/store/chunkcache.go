package store

import (
	"container/list"
	"sync"
)

// A sealed chunk of the word index never changes (search_chunks.go): its blob for a word, or
// its having none, once read is true for good, on every node. The store keeps those its
// searches read, so a search for words searched before ANDs blobs in memory instead of reading
// them through SQLite again: at scale M two words that seldom meet are a blob each in every one
// of 163 chunks, and each search read them all again through the connection's 1 MiB page
// cache (pread, then a copy), about 7 ms of CPU.

// chunkCacheBytes bounds the blobs kept: the search measure's 26 words at scale M, and a desk's
// most searched words. Live heap, beside the record cache, under serve's memory limit.
const chunkCacheBytes = 16 << 20

// chunkEntryBytes is what a kept blob costs beside its bytes (key, list element, map slot).
const chunkEntryBytes = 96

type chunkKey struct {
	word  string
	chunk int64
}

type chunkItem struct {
	key  chunkKey
	docs []byte // nil: the chunk has no text with the word
}

// chunkCache keeps sealed chunks' blobs by word and chunk, least recently used out first.
type chunkCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	bits  uint // the chunk size the blobs are of
	items map[chunkKey]*list.Element
	lru   *list.List // front: used last
}

func newChunkCache(maxBytes int64) *chunkCache {
	return &chunkCache{max: maxBytes, items: map[chunkKey]*list.Element{}, lru: list.New()}
}

// all gives the blobs of every word in chunks lo to hi-1 (out[i*len(words)+j] is word j's in
// chunk lo+i, nil where it has none), if the cache holds them all.
func (c *chunkCache) all(bits uint, words []string, lo, hi int64, out [][]byte) ([][]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bits != bits {
		return nil, false
	}
	out = out[:0]
	for k := lo; k < hi; k++ {
		for _, w := range words {
			e, ok := c.items[chunkKey{w, k}]
			if !ok {
				return nil, false
			}
			// Marked used as found: on a miss further on, the search reads these again, so
			// they were wanted all the same.
			c.lru.MoveToFront(e)
			out = append(out, e.Value.(*chunkItem).docs)
		}
	}
	return out, true
}

// put keeps what a search read of sealed chunks (docs nil: the chunk has no text with the word).
// docs is kept as it is: the caller gives up its slice.
func (c *chunkCache) put(bits uint, items []chunkItem) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bits != bits {
		clear(c.items)
		c.lru.Init()
		c.size, c.bits = 0, bits
	}
	for _, it := range items {
		if _, ok := c.items[it.key]; ok {
			continue
		}
		c.items[it.key] = c.lru.PushFront(&it)
		c.size += int64(len(it.docs)) + chunkEntryBytes
	}
	for c.size > c.max && c.lru.Len() > 0 {
		old := c.lru.Remove(c.lru.Back()).(*chunkItem)
		delete(c.items, old.key)
		c.size -= int64(len(old.docs)) + chunkEntryBytes
	}
}
