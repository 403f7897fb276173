package workload

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"sort"

	"go4.org/netipx"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// Population is a group of clients in one place: a country (and optionally
// a subdivision) or an AWS Region, with its IP ranges.
type Population struct {
	// Name identifies the population in errors.
	Name string
	// Weight is the population's share of requests relative to the others
	// (any non-negative scale).
	Weight float64
	// Country is the ISO 3166-1 alpha-2 code; it must exist in geo. Empty
	// when only Region is set.
	Country string
	// Subdivision is the ISO 3166-2 subdivision without the country prefix,
	// such as "CA"; optional.
	Subdivision string
	// Region is the AWS Region the clients are in or nearest to. Empty means
	// the Region nearest to Location.
	Region string
	// Location places the clients; nil means the Region's location when
	// Region is set, else the country's centre.
	Location *geo.Point
	// Prefixes are the clients' address ranges (IPv4 or IPv6); overlaps are
	// merged. Empty means clients have no address (the zero netip.Addr).
	Prefixes []netip.Prefix
	// Users is the number of distinct clients. Client k of the population
	// always has the same ID and the k-th address of Prefixes (wrapping
	// around), so stickiness and IP hashing see stable clients. Zero means
	// one client per address, capped at 2^32 (or 1 without Prefixes).
	Users uint64
	// Resolver names the recursive DNS resolver the clients use.
	Resolver string
}

// Clients draws clients from weighted populations. Build it with
// NewClients.
type Clients struct {
	pops  []popState
	cum   []float64 // cumulative weights
	total float64
}

type popState struct {
	Population
	base   uint64 // first client ID - 1
	ranges []netipx.IPRange
	sizes  []uint64 // addresses per range, saturated
	addrs  uint64   // sum of sizes, saturated
	set    *netipx.IPSet
	tmpl   sim.Client
}

// NewClients validates the populations and returns a sampler over them.
func NewClients(pops []Population) (*Clients, error) {
	if len(pops) == 0 {
		return nil, configErr("clients: no populations")
	}
	c := &Clients{}
	var base uint64
	for i, p := range pops {
		name := p.Name
		if name == "" {
			name = "#" + itoa(i)
		}
		ps := popState{Population: p, base: base}
		if p.Weight < 0 || math.IsNaN(p.Weight) || math.IsInf(p.Weight, 0) {
			return nil, configErr("population %q: Weight %g must be finite and not negative", name, p.Weight)
		}
		var loc geo.Point
		if p.Country != "" {
			country, ok := geo.LookupCountry(p.Country)
			if !ok {
				return nil, configErr("population %q: Country %q is not an ISO 3166-1 alpha-2 code", name, p.Country)
			}
			loc = country.Location
			ps.Country = country.Code
		}
		if p.Region != "" {
			reg, ok := geo.LookupRegion(p.Region)
			if !ok {
				return nil, configErr("population %q: Region %q is not an AWS Region", name, p.Region)
			}
			loc = reg.Location
		} else if p.Country == "" && p.Location == nil {
			return nil, configErr("population %q: set Country, Region or Location", name)
		}
		if p.Location != nil {
			if !(p.Location.Lat >= -90 && p.Location.Lat <= 90 && p.Location.Lon >= -180 && p.Location.Lon <= 180) {
				return nil, configErr("population %q: Location %v out of range", name, *p.Location)
			}
			loc = *p.Location
		}
		if ps.Region == "" {
			ps.Region = nearestRegion(loc)
		}
		var b netipx.IPSetBuilder
		for j, pre := range p.Prefixes {
			if !pre.IsValid() {
				return nil, configErr("population %q: Prefixes[%d] is not a valid prefix", name, j)
			}
			b.AddPrefix(pre.Masked())
		}
		set, err := b.IPSet()
		if err != nil {
			return nil, configErr("population %q: Prefixes: %v", name, err)
		}
		ps.set = set
		ps.ranges = set.Ranges()
		var addrs uint64
		for _, r := range ps.ranges {
			n := rangeSize(r)
			ps.sizes = append(ps.sizes, n)
			addrs = satAdd(addrs, n)
		}
		ps.addrs = addrs
		if ps.Users == 0 {
			ps.Users = max(min(addrs, 1<<32), 1)
		}
		if base > math.MaxUint64-ps.Users {
			return nil, configErr("population %q: Users %d: too many clients in total", name, ps.Users)
		}
		base += ps.Users
		ps.tmpl = sim.Client{Country: ps.Country, Subdivision: p.Subdivision, Region: ps.Region, Lat: loc.Lat, Lon: loc.Lon, Resolver: p.Resolver}
		c.pops = append(c.pops, ps)
		c.total += p.Weight
		c.cum = append(c.cum, c.total)
	}
	if !(c.total > 0) {
		return nil, configErr("clients: every population has Weight 0")
	}
	return c, nil
}

// Draw picks a population by weight and a client of it uniformly.
func (c *Clients) Draw(r *rand.Rand) sim.Client {
	u := r.Float64() * c.total
	i := sort.Search(len(c.cum)-1, func(i int) bool { return c.cum[i] > u })
	p := &c.pops[i]
	return p.client(r.Uint64N(p.Users))
}

// Lookup returns the client that owns ip: the first population whose
// Prefixes contain it, with the population's fields filled in.
func (c *Clients) Lookup(ip netip.Addr) (sim.Client, bool) {
	for i := range c.pops {
		p := &c.pops[i]
		if !p.set.Contains(ip) {
			continue
		}
		var off uint64
		for j, r := range p.ranges {
			if r.Contains(ip) {
				off = satAdd(off, addrDiff(r.From(), ip))
				break
			}
			off = satAdd(off, p.sizes[j])
		}
		cl := p.tmpl
		cl.ID = p.base + off%p.Users + 1
		cl.IP = ip
		return cl, true
	}
	return sim.Client{IP: ip}, false
}

// client returns client k (0-based) of p.
func (p *popState) client(k uint64) sim.Client {
	cl := p.tmpl
	cl.ID = p.base + k + 1
	if len(p.ranges) > 0 {
		off := k % p.addrs
		for j, r := range p.ranges {
			if off < p.sizes[j] {
				cl.IP = addrAdd(r.From(), off)
				break
			}
			off -= p.sizes[j]
		}
	}
	return cl
}

func nearestRegion(p geo.Point) string {
	best, code := math.Inf(1), ""
	for _, r := range geo.Regions() {
		if d := geo.DistanceKm(p, r.Location); d < best {
			best, code = d, r.Code
		}
	}
	return code
}

// rangeSize returns the number of addresses in r, saturating at 2^64-1.
func rangeSize(r netipx.IPRange) uint64 { return satAdd(addrDiff(r.From(), r.To()), 1) }

// addrDiff returns b - a for a ≤ b of one family, saturating at 2^64-1.
func addrDiff(a, b netip.Addr) uint64 {
	x, y := a.As16(), b.As16()
	var hiA, hiB, loA, loB uint64
	for i := range 8 {
		hiA, hiB = hiA<<8|uint64(x[i]), hiB<<8|uint64(y[i])
		loA, loB = loA<<8|uint64(x[i+8]), loB<<8|uint64(y[i+8])
	}
	hi := hiB - hiA
	if loB < loA {
		hi--
	}
	if hi != 0 {
		return math.MaxUint64
	}
	return loB - loA
}

// addrAdd returns a + n within a's family (no overflow check: callers stay
// inside a range).
func addrAdd(a netip.Addr, n uint64) netip.Addr {
	if a.Is4() {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		v += uint32(n)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	b := a.As16()
	carry := n
	for i := 15; i >= 0 && carry > 0; i-- {
		s := uint64(b[i]) + carry&0xff
		b[i] = byte(s)
		carry = carry>>8 + s>>8
	}
	return netip.AddrFrom16(b)
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}
