package cloudfront

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// CloudFront is the edge network of one run: edge locations with their
// caches, regional edge caches (which double as Origin Shield locations),
// and the distributions they serve. Edge caches are shared by all
// distributions, as in CloudFront; cache keys carry the distribution ID.
type CloudFront struct {
	s     *sim.Sim
	cfg   Config
	edges []*node
	// regional holds one node per Region used as a regional edge cache or
	// an Origin Shield location.
	regional map[string]*node
	dists    []*Distribution
	choice   map[choiceKey]edgeChoice
	nextIP   uint32

	// invalidation paths used in the current calendar month (account-wide).
	invalidationMonth string
	invalidationPaths int
}

type tierKind uint8

const (
	tierEdge tierKind = iota
	tierRegional
)

// node is one cache location: an edge (POP) or a regional node.
type node struct {
	kind    tierKind
	name    string // edge code or Region code
	loc     geo.Point
	region  string // Region code (for edges, their REC's Region)
	country string
	geog    Geography
	ip      netip.Addr // the address origins see requests from
	cache   Cache
	flights map[string]*flight
	warm    map[*originState]sim.Time // last use of a connection to each origin
	rec     *node                     // an edge's regional edge cache
	viewers map[uint64]*viewerConn    // edges: each client's connection
	idle    idleConns                 // edges: viewers' idle connections
}

// maxChoiceMemo bounds the memo of edge choices by viewer location.
const maxChoiceMemo = 1 << 16

// viewerConn is a viewer's connection to an edge; it stays open for
// Config.ViewerKeepAlive after its last use.
type viewerConn struct {
	id         uint64   // the viewer's Client.ID, its key in node.viewers
	last       sim.Time // last use: opened, or an answer delivered on it
	inflight   int      // requests on it not answered yet
	prev, next *viewerConn
}

// idleConns lists an edge's viewer connections that have no request in
// flight, least recently used first. A connection joins at the tail when
// its last request is answered, at the current instant, so the list stays
// sorted by last use and the connections past their keep-alive are always
// at its head.
type idleConns struct{ head, tail *viewerConn }

func (l *idleConns) push(c *viewerConn) {
	c.prev, c.next = l.tail, nil
	if l.tail == nil {
		l.head = c
	} else {
		l.tail.next = c
	}
	l.tail = c
}

func (l *idleConns) remove(c *viewerConn) {
	if c.prev == nil {
		l.head = c.next
	} else {
		c.prev.next = c.next
	}
	if c.next == nil {
		l.tail = c.prev
	} else {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
}

// useViewer returns the viewer's connection at edge n for a request sent
// now, and whether it had to be opened (a new viewer, or one idle longer
// than keepAlive). It first drops the connections idle longer than
// keepAlive, oldest first: they are closed in the model and a viewer that
// comes back opens a new one anyway, so the table holds only viewers
// answered within the keep-alive and those with requests in flight. Each
// connection is dropped once per idle spell, so the sweep costs amortised
// O(1) per request, and it follows the run's order of events, not map
// order.
func (n *node) useViewer(id uint64, now sim.Time, keepAlive time.Duration) (*viewerConn, bool) {
	for c := n.idle.head; c != nil && now.Sub(c.last) > keepAlive; c = n.idle.head {
		n.idle.remove(c)
		delete(n.viewers, c.id)
	}
	c := n.viewers[id]
	if c == nil {
		c = &viewerConn{id: id, last: now, inflight: 1}
		n.viewers[id] = c
		return c, true
	}
	if c.inflight == 0 {
		n.idle.remove(c)
	}
	c.inflight++
	// A connection whose requests are in flight is not dropped, but the
	// keep-alive still counts from its last use, as before pruning.
	if now.Sub(c.last) > keepAlive {
		c.last = now
		return c, true
	}
	return c, false
}

// release records an answer delivered on c at now.
func (n *node) release(c *viewerConn, now sim.Time) {
	c.last = now
	if c.inflight--; c.inflight == 0 {
		n.idle.push(c)
	}
}

type choiceKey struct {
	p     geo.Point
	class string
}

type edgeChoice struct {
	n   *node
	rtt time.Duration
}

// New builds the edge network. It fails if an edge code is unknown or a
// setting is out of range.
func New(s *sim.Sim, cfg Config) (*CloudFront, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cf := &CloudFront{s: s, cfg: cfg, regional: map[string]*node{}, choice: map[choiceKey]edgeChoice{}}
	var locs []geo.EdgeLocation
	if len(cfg.Edges) == 0 {
		locs = geo.EdgeLocations()
	} else {
		seen := map[string]bool{}
		for _, code := range cfg.Edges {
			e, ok := geo.LookupEdge(code)
			if !ok {
				return nil, fmt.Errorf("cloudfront: Edges: unknown edge location %q: %w", code, ErrInvalidConfig)
			}
			if seen[e.Code] {
				return nil, fmt.Errorf("cloudfront: Edges: %q listed twice: %w", code, ErrInvalidConfig)
			}
			seen[e.Code] = true
			locs = append(locs, e)
		}
	}
	for _, e := range locs {
		n := &node{kind: tierEdge, name: e.Code, loc: e.Location, region: e.RegionalEdgeCache, country: e.Country,
			geog: GeographyOf(e.Country), ip: cf.allocIP(), cache: cfg.NewCache(cfg.EdgeCacheBytes),
			flights: map[string]*flight{}, warm: map[*originState]sim.Time{}, viewers: map[uint64]*viewerConn{}}
		if !cfg.DisableRegionalEdgeCaches && e.RegionalEdgeCache != "" {
			rec, err := cf.regionalNode(e.RegionalEdgeCache)
			if err != nil {
				return nil, err
			}
			n.rec = rec
		}
		cf.edges = append(cf.edges, n)
	}
	return cf, nil
}

// allocIP hands out addresses from 130.176.0.0/16, a CloudFront range.
func (cf *CloudFront) allocIP() netip.Addr {
	cf.nextIP++
	return netip.AddrFrom4([4]byte{130, 176, byte(cf.nextIP >> 8), byte(cf.nextIP)})
}

// regionalNode returns the regional cache of a Region, creating it.
func (cf *CloudFront) regionalNode(region string) (*node, error) {
	if n := cf.regional[region]; n != nil {
		return n, nil
	}
	r, ok := geo.LookupRegion(region)
	if !ok {
		return nil, fmt.Errorf("cloudfront: Region %q unknown: %w", region, ErrInvalidConfig)
	}
	n := &node{kind: tierRegional, name: region, loc: r.Location, region: region, ip: cf.allocIP(),
		cache: cf.cfg.NewCache(cf.cfg.RegionalCacheBytes), flights: map[string]*flight{}, warm: map[*originState]sim.Time{}}
	n.geog = regionGeography(region)
	cf.regional[region] = n
	return n, nil
}

// regionGeography maps a Region code to a pricing geography.
func regionGeography(region string) Geography {
	switch {
	case strings.HasPrefix(region, "us-"), strings.HasPrefix(region, "ca-"), strings.HasPrefix(region, "mx-"):
		return GeoUS
	case strings.HasPrefix(region, "eu-"), strings.HasPrefix(region, "il-"):
		return GeoEU
	case strings.HasPrefix(region, "sa-"):
		return GeoSA
	case strings.HasPrefix(region, "me-"), strings.HasPrefix(region, "af-"):
		return GeoZA
	case region == "ap-northeast-1" || region == "ap-northeast-3":
		return GeoJP
	case region == "ap-southeast-2" || region == "ap-southeast-4":
		return GeoAU
	case strings.HasPrefix(region, "ap-south-"):
		return GeoIN
	case strings.HasPrefix(region, "ap-"):
		return GeoAP
	}
	return GeoUS
}

// Sim returns the run the network belongs to.
func (cf *CloudFront) Sim() *sim.Sim { return cf.s }

// EdgeFor returns the edge location code a viewer at p reaches for a
// distribution of the given price class (lowest RTT), and that RTT.
func (cf *CloudFront) EdgeFor(p geo.Point, priceClass string) (string, time.Duration) {
	c := cf.edgeFor(p, priceClass)
	if c.n == nil {
		return "", 0
	}
	return c.n.name, c.rtt
}

// edgeFor picks the lowest-RTT edge in the price class (ties go to the
// first in Edges order); if the class has no edge, any edge will do.
func (cf *CloudFront) edgeFor(p geo.Point, class string) edgeChoice {
	k := choiceKey{p, class}
	if c, ok := cf.choice[k]; ok {
		return c
	}
	var best edgeChoice
	for pass := 0; pass < 2 && best.n == nil; pass++ {
		for _, e := range cf.edges {
			if pass == 0 && !inPriceClass(e.geog, class) {
				continue
			}
			if rtt := cf.cfg.Latency.RTT(p, e.loc); best.n == nil || rtt < best.rtt {
				best = edgeChoice{e, rtt}
			}
		}
	}
	if len(cf.choice) < maxChoiceMemo {
		cf.choice[k] = best
	}
	return best
}

// CacheStats describes one cache location.
type CacheStats struct {
	// Location is the edge code or the Region of a regional cache.
	Location string
	// Regional is true for regional edge caches and Origin Shield.
	Regional bool
	// Objects and Bytes are what the cache holds; Evictions how many
	// objects it evicted for space.
	Objects   int
	Bytes     int64
	Evictions uint64
}

// Caches returns the state of every cache: edges in Edges order, then
// regional caches sorted by Region.
func (cf *CloudFront) Caches() []CacheStats {
	var out []CacheStats
	add := func(n *node) {
		out = append(out, CacheStats{Location: n.name, Regional: n.kind == tierRegional, Objects: n.cache.Len(),
			Bytes: n.cache.Bytes(), Evictions: n.cache.Evictions()})
	}
	for _, e := range cf.edges {
		add(e)
	}
	for _, r := range sortedKeys(cf.regional) {
		add(cf.regional[r])
	}
	return out
}

// Flush publishes metrics and bills usage accumulated in periods that have
// not ended yet, for every distribution; call it when a run ends.
func (cf *CloudFront) Flush() {
	for _, d := range cf.dists {
		d.flushMetrics()
		d.flushBilling()
	}
}
