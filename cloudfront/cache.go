package cloudfront

import (
	"github.com/nimbus-sim/nimbus/sim"
)

// Entry is one cached object in one cache tier.
type Entry struct {
	// Key is the cache key (distribution, path and the policy's extras).
	Key string
	// Distribution is the ID of the distribution the object belongs to.
	Distribution string
	// URL is the path plus "?query" when query strings are in the cache key;
	// invalidation paths match against it.
	URL string
	// Response is the origin's answer as cached (status, size, headers).
	Response sim.Response
	// Stored is when the object entered or was last revalidated.
	Stored sim.Time
	// Expires is when the object goes stale (Stored + edge TTL).
	Expires sim.Time
	// ETag and LastModified are the validators for conditional requests.
	ETag, LastModified string

	// Intrusive list links for the built-in policies.
	prev, next *Entry
	// hit is Response.Headers plus the hit headers, built on first hit.
	hit []sim.Header
}

// Bytes is the space the entry takes in a cache: the body size.
func (e *Entry) Bytes() int64 { return e.Response.Bytes }

// Cache is one tier's object store with a finite capacity in bytes. The
// policy decides what to evict when a Put exceeds the capacity. Implement
// it to plug in another policy; NewLRU is the default and NewFIFO the
// simplest alternative.
type Cache interface {
	// Get returns the entry for key, or nil; a hit counts as a use.
	Get(key string) *Entry
	// Put inserts or replaces e, then evicts until the cache fits its
	// capacity. An object larger than the capacity is not stored.
	Put(e *Entry)
	// Remove deletes the entry for key and reports whether there was one.
	Remove(key string) bool
	// RemoveIf deletes every entry for which fn returns true, in a
	// deterministic order, and returns how many it deleted.
	RemoveIf(fn func(*Entry) bool) int
	// Len is the number of entries; Bytes their total size; Capacity the
	// limit in bytes.
	Len() int
	Bytes() int64
	Capacity() int64
	// Evictions is how many entries were evicted for space.
	Evictions() uint64
}

// NewCache builds a cache of a given capacity in bytes; Config.NewCache
// takes one to choose the eviction policy.
type NewCache func(capacityBytes int64) Cache

// listCache is a map plus a recency list (head = most recent); LRU moves
// entries to the head on every hit, FIFO never does.
type listCache struct {
	m          map[string]*Entry
	head, tail *Entry
	bytes, cap int64
	evictions  uint64
	touch      bool
}

// NewLRU returns a least-recently-used cache: a hit moves the object to the
// front and a Put evicts from the back. This is the default policy; AWS does
// not document CloudFront's, and LRU is the usual assumption.
func NewLRU(capacityBytes int64) Cache {
	return &listCache{m: map[string]*Entry{}, cap: capacityBytes, touch: true}
}

// NewFIFO returns a first-in-first-out cache: objects leave in insertion
// order whatever their use.
func NewFIFO(capacityBytes int64) Cache {
	return &listCache{m: map[string]*Entry{}, cap: capacityBytes}
}

func (c *listCache) Get(key string) *Entry {
	e := c.m[key]
	if e != nil && c.touch && c.head != e {
		c.unlink(e)
		c.pushFront(e)
	}
	return e
}

func (c *listCache) Put(e *Entry) {
	if old := c.m[e.Key]; old != nil {
		c.unlink(old)
		c.bytes -= old.Bytes()
		delete(c.m, e.Key)
	}
	if e.Bytes() > c.cap {
		return
	}
	c.m[e.Key] = e
	c.pushFront(e)
	c.bytes += e.Bytes()
	for c.bytes > c.cap {
		v := c.tail
		c.unlink(v)
		delete(c.m, v.Key)
		c.bytes -= v.Bytes()
		c.evictions++
	}
}

func (c *listCache) Remove(key string) bool {
	e := c.m[key]
	if e == nil {
		return false
	}
	c.unlink(e)
	delete(c.m, key)
	c.bytes -= e.Bytes()
	return true
}

func (c *listCache) RemoveIf(fn func(*Entry) bool) int {
	n := 0
	for e := c.head; e != nil; {
		next := e.next
		if fn(e) {
			c.unlink(e)
			delete(c.m, e.Key)
			c.bytes -= e.Bytes()
			n++
		}
		e = next
	}
	return n
}

func (c *listCache) Len() int          { return len(c.m) }
func (c *listCache) Bytes() int64      { return c.bytes }
func (c *listCache) Capacity() int64   { return c.cap }
func (c *listCache) Evictions() uint64 { return c.evictions }

func (c *listCache) pushFront(e *Entry) {
	e.prev, e.next = nil, c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

func (c *listCache) unlink(e *Entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
