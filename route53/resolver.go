package route53

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// Resolver defaults. Neither AWS nor the DNS RFCs give numbers for these;
// they are assumptions, exposed as knobs.
const (
	// DefaultStaleShare is the assumed share of recursive resolvers that keep
	// answers past their TTL [assumption: measurement studies report a few
	// per cent to around ten per cent of resolvers extending TTLs].
	DefaultStaleShare = 0.05
	// DefaultStaleHold is how long such a resolver keeps an answer past its
	// TTL [assumption].
	DefaultStaleHold = 15 * time.Minute
	// DefaultClientRTT is the round trip from a client to its recursive
	// resolver [assumption: an ISP resolver in the same metro].
	DefaultClientRTT = 10 * time.Millisecond
	// defaultMaxEntries bounds a resolver's cache before expired entries
	// are swept.
	defaultMaxEntries = 1 << 16
)

// Nameserver answers DNS questions: Route 53's authoritative servers
// (*Route53), a Resolver inbound endpoint, or a user's on-premises server.
type Nameserver interface {
	Query(name string, qtype uint16, src Source) Answer
}

// ResolverConfig describes a recursive resolver (an ISP's, a public one, or
// the Route 53 Resolver of a VPC).
type ResolverConfig struct {
	// Name identifies the resolver; clients name it in sim.Client.Resolver.
	Name string
	// IP is the resolver's address, which IP-based routing matches.
	IP netip.Addr
	// Location is where the resolver is; latency and geoproximity routing
	// and the RTT to Route 53's edge measure from it.
	Location geo.Point
	// Country and Subdivision drive geolocation routing.
	Country, Subdivision string
	// ClientRTT is the client ↔ resolver round trip; 0 means
	// DefaultClientRTT.
	ClientRTT time.Duration
	// UpstreamRTT is the resolver ↔ authoritative round trip; 0 means the
	// RTT to the nearest Route 53 edge location.
	UpstreamRTT time.Duration
	// HoldStale keeps answers this long past their TTL (0 honours TTLs).
	HoldStale time.Duration
	// Upstream answers cache misses; nil means Route 53 (public zones).
	Upstream Nameserver
	// MaxEntries bounds the cache before expired entries are swept; 0
	// means 65536.
	MaxEntries int
	// ClientSubnet sends the client's subnet and location upstream (EDNS0
	// client subnet, as large public resolvers do), so that latency,
	// geolocation, geoproximity and IP-based routing see the client rather
	// than the resolver; used by ResolveFor and the Forwarder.
	ClientSubnet bool
}

// Resolver is a caching recursive resolver. Answers are cached for their
// TTL (negative answers for the zone's SOA-derived negative TTL), plus
// HoldStale. The authoritative answer is computed when the query is sent;
// the returned latency is what the client waits.
type Resolver struct {
	r           *Route53
	cfg         ResolverConfig
	src         Source
	upstream    Nameserver
	clientRTT   time.Duration
	upstreamRTT time.Duration
	cache       map[cacheKey]*cacheEntry
	hits        uint64
	misses      uint64
}

type cacheKey struct {
	name  string
	qtype uint16
	scope netip.Prefix // client subnet with ECS; zero otherwise
}

type cacheEntry struct {
	ans     Answer
	expires sim.Time // end of the TTL
	until   sim.Time // end of use (TTL + HoldStale)
}

// NewResolver creates a resolver; names are unique per run.
func (r *Route53) NewResolver(cfg ResolverConfig) (*Resolver, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("route53: resolver: Name is required: %w", ErrInvalidConfig)
	}
	if _, ok := r.resolvers[cfg.Name]; ok {
		return nil, fmt.Errorf("route53: resolver %q: Name already used: %w", cfg.Name, ErrInvalidConfig)
	}
	if cfg.ClientRTT < 0 || cfg.UpstreamRTT < 0 || cfg.HoldStale < 0 || cfg.MaxEntries < 0 {
		return nil, fmt.Errorf("route53: resolver %q: ClientRTT, UpstreamRTT, HoldStale and MaxEntries must not be negative: %w", cfg.Name, ErrInvalidConfig)
	}
	if math.Abs(cfg.Location.Lat) > 90 || math.Abs(cfg.Location.Lon) > 180 {
		return nil, fmt.Errorf("route53: resolver %q: Location %v outside the globe: %w", cfg.Name, cfg.Location, ErrInvalidConfig)
	}
	if cfg.Upstream != nil && isNil(cfg.Upstream) {
		return nil, fmt.Errorf("route53: resolver %q: %s; leave it unset for Route 53: %w", cfg.Name, nilProblem("Upstream", cfg.Upstream), ErrInvalidConfig)
	}
	rv := &Resolver{r: r, cfg: cfg, upstream: cfg.Upstream, clientRTT: cfg.ClientRTT, upstreamRTT: cfg.UpstreamRTT,
		cache: map[cacheKey]*cacheEntry{},
		src:   Source{IP: cfg.IP, Location: cfg.Location, Country: cfg.Country, Subdivision: cfg.Subdivision}}
	if rv.upstream == nil {
		rv.upstream = r
	}
	if rv.clientRTT == 0 {
		rv.clientRTT = DefaultClientRTT
	}
	if rv.upstreamRTT == 0 {
		rv.upstreamRTT = r.nearestEdgeRTT(cfg.Location)
	}
	if rv.cfg.MaxEntries == 0 {
		rv.cfg.MaxEntries = defaultMaxEntries
	}
	r.resolvers[cfg.Name] = rv
	return rv, nil
}

// Resolver returns the resolver with the given name.
func (r *Route53) Resolver(name string) (*Resolver, bool) {
	rv, ok := r.resolvers[name]
	return rv, ok
}

// ResolverFor returns the resolver a client uses: the resolver named by
// c.Resolver, or, when c.Resolver names a resolver pool (such as a
// workload Population's Resolver), the pool member chosen by the client's
// ID, so that each client keeps its resolver.
func (r *Route53) ResolverFor(c sim.Client) (*Resolver, bool) {
	if rv, ok := r.resolvers[c.Resolver]; ok {
		return rv, true
	}
	if pool := r.pools[c.Resolver]; len(pool) > 0 {
		return pool[c.ID%uint64(len(pool))], true
	}
	return nil, false
}

// Name returns the resolver's name.
func (rv *Resolver) Name() string { return rv.cfg.Name }

// HoldStale returns how long the resolver keeps answers past their TTL.
func (rv *Resolver) HoldStale() time.Duration { return rv.cfg.HoldStale }

// Hits and Misses count answers from the cache and from upstream.
func (rv *Resolver) Hits() uint64 { return rv.hits }

// Misses counts queries sent upstream.
func (rv *Resolver) Misses() uint64 { return rv.misses }

// Flush empties the cache.
func (rv *Resolver) Flush() { clear(rv.cache) }

// Resolve answers a question from the cache or upstream, and returns the
// answer with its remaining TTL and the latency the client sees: ClientRTT
// on a hit, plus UpstreamRTT on a miss. It does not allocate on a hit for
// a name that is already canonical (lower case with the trailing dot).
func (rv *Resolver) Resolve(name string, qtype uint16) (Answer, time.Duration) {
	return rv.resolve(name, qtype, netip.Prefix{}, rv.src)
}

// ResolveFor resolves for a client. A resolver with ClientSubnet set sends
// the client's subnet (/24 for IPv4, /56 for IPv6) and location upstream,
// as EDNS0 client subnet, and caches answers per subnet; otherwise it is
// Resolve.
func (rv *Resolver) ResolveFor(c sim.Client, name string, qtype uint16) (Answer, time.Duration) {
	if !rv.cfg.ClientSubnet || !c.IP.IsValid() {
		return rv.resolve(name, qtype, netip.Prefix{}, rv.src)
	}
	ip := c.IP.Unmap()
	bits := 24
	if ip.Is6() {
		bits = 56
	}
	scope, _ := ip.Prefix(bits)
	src := Source{IP: scope.Addr(), Location: geo.Point{Lat: c.Lat, Lon: c.Lon}, Country: c.Country, Subdivision: c.Subdivision, VPC: rv.src.VPC}
	return rv.resolve(name, qtype, scope, src)
}

func (rv *Resolver) resolve(name string, qtype uint16, scope netip.Prefix, src Source) (Answer, time.Duration) {
	n, ok := fastCanonical(name)
	if !ok {
		var err error
		if n, err = CanonicalName(name); err != nil {
			return Answer{Name: name, Type: qtype, Rcode: dns.RcodeFormatError}, rv.clientRTT
		}
	}
	now := rv.r.s.Now()
	k := cacheKey{n, qtype, scope}
	if e, ok := rv.cache[k]; ok && now < e.until {
		rv.hits++
		a := e.ans
		a.TTL = 0
		if now < e.expires {
			a.TTL = uint32(e.expires.Sub(now) / time.Second)
		}
		return a, rv.clientRTT
	}
	rv.misses++
	a := rv.upstream.Query(n, qtype, src)
	if a.TTL > 0 && a.Rcode != dns.RcodeServerFailure && a.Rcode != dns.RcodeFormatError {
		if len(rv.cache) >= rv.cfg.MaxEntries {
			rv.sweep(now)
		}
		exp := now.Add(time.Duration(a.TTL) * time.Second)
		if e := rv.cache[k]; e != nil {
			*e = cacheEntry{ans: a, expires: exp, until: exp.Add(rv.cfg.HoldStale)}
		} else {
			rv.cache[k] = &cacheEntry{ans: a, expires: exp, until: exp.Add(rv.cfg.HoldStale)}
		}
	}
	return a, rv.clientRTT + rv.upstreamRTT
}

// sweep drops entries past their use; if the cache is still full it is
// emptied (a crude but deterministic eviction).
func (rv *Resolver) sweep(now sim.Time) {
	for k, e := range rv.cache {
		if now >= e.until {
			delete(rv.cache, k)
		}
	}
	if len(rv.cache) >= rv.cfg.MaxEntries {
		clear(rv.cache)
	}
}

// ResolverPoolConfig describes the recursive resolvers of one client
// population, such as the ISPs of a country.
type ResolverPoolConfig struct {
	// Name names the pool (clients may name it in sim.Client.Resolver;
	// see ResolverFor) and prefixes its resolvers' names: "<Name>-0",
	// "<Name>-1", …
	Name string
	// Count is the number of resolvers (≥ 1).
	Count int
	// Location, Country and Subdivision place every resolver of the pool.
	Location             geo.Point
	Country, Subdivision string
	// Addrs, when valid, numbers the resolvers' IPs from its first address.
	Addrs netip.Prefix
	// StaleShare (0–1) of the resolvers keep answers HoldStale past their
	// TTL; DefaultStaleShare is the assumed real-world value. The stale
	// ones are round(StaleShare × Count), chosen by the run's seed.
	StaleShare float64
	// HoldStale is how long stale resolvers keep answers past their TTL; 0
	// means DefaultStaleHold.
	HoldStale time.Duration
	// ClientRTT, UpstreamRTT and Upstream are as in ResolverConfig.
	ClientRTT, UpstreamRTT time.Duration
	Upstream               Nameserver
}

// NewResolverPool creates the resolvers of a client population.
func (r *Route53) NewResolverPool(cfg ResolverPoolConfig) ([]*Resolver, error) {
	if cfg.Count < 1 {
		return nil, fmt.Errorf("route53: resolver pool %q: Count %d < 1: %w", cfg.Name, cfg.Count, ErrInvalidConfig)
	}
	if _, ok := r.pools[cfg.Name]; ok || cfg.Name == "" {
		return nil, fmt.Errorf("route53: resolver pool %q: Name must be unique and not empty: %w", cfg.Name, ErrInvalidConfig)
	}
	if cfg.StaleShare < 0 || cfg.StaleShare > 1 || math.IsNaN(cfg.StaleShare) {
		return nil, fmt.Errorf("route53: resolver pool %q: StaleShare %v outside 0–1: %w", cfg.Name, cfg.StaleShare, ErrInvalidConfig)
	}
	if cfg.Upstream != nil && isNil(cfg.Upstream) {
		return nil, fmt.Errorf("route53: resolver pool %q: %s; leave it unset for Route 53: %w", cfg.Name, nilProblem("Upstream", cfg.Upstream), ErrInvalidConfig)
	}
	if cfg.HoldStale == 0 {
		cfg.HoldStale = DefaultStaleHold
	}
	stale := make([]bool, cfg.Count)
	k := int(math.Round(cfg.StaleShare * float64(cfg.Count)))
	perm := r.s.Stream("route53/resolvers/" + cfg.Name + "/stale").Perm(cfg.Count)
	for _, i := range perm[:k] {
		stale[i] = true
	}
	ip := cfg.Addrs.Addr()
	out := make([]*Resolver, cfg.Count)
	for i := range out {
		rc := ResolverConfig{Name: fmt.Sprintf("%s-%d", cfg.Name, i), Location: cfg.Location, Country: cfg.Country,
			Subdivision: cfg.Subdivision, ClientRTT: cfg.ClientRTT, UpstreamRTT: cfg.UpstreamRTT, Upstream: cfg.Upstream}
		if stale[i] {
			rc.HoldStale = cfg.HoldStale
		}
		if ip.IsValid() && cfg.Addrs.Contains(ip) {
			rc.IP = ip
			ip = ip.Next()
		}
		rv, err := r.NewResolver(rc)
		if err != nil {
			return nil, err
		}
		out[i] = rv
	}
	r.pools[cfg.Name] = out
	return slices.Clone(out), nil
}
