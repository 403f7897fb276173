package cloudfront

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/nimbus-sim/nimbus/sim"
)

func entry(key string, bytes int64) *Entry {
	return &Entry{Key: key, Response: sim.Response{Status: 200, Bytes: bytes}}
}

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := NewLRU(300)
	c.Put(entry("a", 100))
	c.Put(entry("b", 100))
	c.Put(entry("c", 100))
	require.NotNil(t, c.Get("a")) // a is now most recent; b is the LRU
	c.Put(entry("d", 100))
	assert.Nil(t, c.Get("b"))
	assert.NotNil(t, c.Get("a"))
	assert.Equal(t, int64(300), c.Bytes())
	assert.Equal(t, uint64(1), c.Evictions())
	c.Put(entry("big", 301)) // larger than the cache: not stored, nothing evicted
	assert.Nil(t, c.Get("big"))
	assert.Equal(t, 3, c.Len())
	c.Put(entry("a", 250)) // replacing grows a; c and d go
	assert.Equal(t, 1, c.Len())
	assert.Equal(t, int64(250), c.Bytes())
}

func TestFIFOIgnoresHits(t *testing.T) {
	c := NewFIFO(200)
	c.Put(entry("a", 100))
	c.Put(entry("b", 100))
	require.NotNil(t, c.Get("a"))
	c.Put(entry("c", 100)) // a was first in, so it goes despite the hit
	assert.Nil(t, c.Get("a"))
	assert.NotNil(t, c.Get("b"))
}

func TestRemoveIf(t *testing.T) {
	c := NewLRU(1000)
	for i := range 5 {
		c.Put(entry(fmt.Sprint(i), 10))
	}
	n := c.RemoveIf(func(e *Entry) bool { return e.Key == "1" || e.Key == "3" })
	assert.Equal(t, 2, n)
	assert.Equal(t, 3, c.Len())
	assert.Equal(t, int64(30), c.Bytes())
	assert.True(t, c.Remove("0"))
	assert.False(t, c.Remove("0"))
}

// TestLRUMatchesModel checks the intrusive-list LRU against a slice model
// (most recent last) on random operation sequences.
func TestLRUMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.Int64Range(1, 50).Draw(t, "cap")
		c := NewLRU(capacity)
		type item struct {
			key  string
			size int64
		}
		var model []item
		find := func(k string) int {
			for i, it := range model {
				if it.key == k {
					return i
				}
			}
			return -1
		}
		for range rapid.IntRange(1, 100).Draw(t, "ops") {
			key := fmt.Sprint(rapid.IntRange(0, 8).Draw(t, "key"))
			if rapid.Bool().Draw(t, "put") {
				size := rapid.Int64Range(1, 20).Draw(t, "size")
				c.Put(entry(key, size))
				if i := find(key); i >= 0 {
					model = append(model[:i], model[i+1:]...)
				}
				if size <= capacity {
					model = append(model, item{key, size})
				}
				var total int64
				for _, it := range model {
					total += it.size
				}
				for total > capacity {
					total -= model[0].size
					model = model[1:]
				}
			} else {
				got := c.Get(key) != nil
				i := find(key)
				if got != (i >= 0) {
					t.Fatalf("Get(%s) = %v, model %v", key, got, i >= 0)
				}
				if i >= 0 {
					it := model[i]
					model = append(append(model[:i], model[i+1:]...), it)
				}
			}
			if c.Len() != len(model) {
				t.Fatalf("Len %d, model %d", c.Len(), len(model))
			}
		}
	})
}
