package route53

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/geo"
)

// Source describes who asks: the recursive resolver, or the client subnet
// it forwards (EDNS0 client subnet). Latency, geolocation, geoproximity and
// IP-based routing read it.
type Source struct {
	// IP is the resolver's address or the client subnet's address; IP-based
	// routing matches it.
	IP netip.Addr
	// Location is where the resolver (or client) is; latency and
	// geoproximity routing measure from it.
	Location geo.Point
	// Country (ISO 3166-1 alpha-2) and Subdivision (such as "CA") drive
	// geolocation routing.
	Country, Subdivision string
	// VPC, when set, makes private hosted zones associated with that VPC
	// visible (queries from the VPC's Resolver).
	VPC string
}

// Answer is what the authoritative servers (or a resolver's cache) return.
type Answer struct {
	// Name and Type are the question (canonical name, dns.TypeA …).
	Name string
	Type uint16
	// Rcode is dns.RcodeSuccess or dns.RcodeNameError (NXDOMAIN); a
	// success with no Addrs or Values is NODATA.
	Rcode int
	// TTL is how long the answer may be cached, in seconds: the smallest
	// TTL along the CNAME chain, or the negative-caching TTL.
	TTL uint32
	// Addrs are the addresses of an A or AAAA answer, in answer order.
	// Addrs and Values may share storage with the zone: do not modify them.
	Addrs []netip.Addr
	// Values are the presentation-format values of other types.
	Values []string
	// CNAMEs are the names followed to reach the answer, in order.
	CNAMEs []string
	// SetIdentifier identifies the record set that answered last (empty
	// for simple records and negative answers).
	SetIdentifier string
	// Zone is the ID of the hosted zone that answered last; empty for
	// names outside every zone.
	Zone string
	// Free reports that the answer came from an alias to an AWS resource,
	// which Route 53 does not bill.
	Free bool
}

// NoData reports a successful answer without records.
func (a Answer) NoData() bool {
	return a.Rcode == dns.RcodeSuccess && len(a.Addrs) == 0 && len(a.Values) == 0
}

// maxChain bounds CNAME and alias chains (and loops).
const maxChain = 8

// Query answers a question as Route 53's authoritative servers would now,
// counting and billing the query. Names outside every hosted zone get
// NXDOMAIN with Config.OutsideNegativeTTL. With src.VPC set, a private zone
// associated with the VPC takes precedence over public zones (split
// horizon); use the VPC's Resolver for the full order with interface
// endpoints and Resolver rules.
func (r *Route53) Query(name string, qtype uint16, src Source) Answer {
	n, err := CanonicalName(name)
	a := Answer{Name: name, Type: qtype}
	if err != nil {
		a.Rcode = dns.RcodeFormatError
		return a
	}
	a.Name = n
	r.answer(&a, n, qtype, src, 0)
	return a
}

// findZone returns the most specific zone for name: among the private zones
// associated with vpc when vpc is set, else (or when none matches) among
// public zones.
func (r *Route53) findZone(name, vpc string) *HostedZone {
	if z := r.privateZone(name, vpc); z != nil {
		return z
	}
	for n := name; n != ""; n = parentName(n) {
		if z, ok := r.public[n]; ok {
			return z
		}
	}
	return nil
}

// privateZone returns the most specific private zone associated with vpc
// that contains name.
func (r *Route53) privateZone(name, vpc string) *HostedZone {
	var best *HostedZone
	for _, z := range r.private[vpc] {
		if isSubdomain(z.name, name) && (best == nil || len(z.name) > len(best.name)) {
			best = z
		}
	}
	return best
}

// answer fills a for name, following CNAMEs up to maxChain.
func (r *Route53) answer(a *Answer, name string, qtype uint16, src Source, depth int) {
	z := r.findZone(name, src.VPC)
	if z == nil {
		a.Rcode = dns.RcodeNameError
		a.TTL = minTTL(a, r.cfg.OutsideNegativeTTL)
		a.Zone = ""
		return
	}
	r.answerIn(a, z, name, qtype, src, depth)
}

func minTTL(a *Answer, ttl uint32) uint32 {
	if len(a.CNAMEs) == 0 || ttl < a.TTL {
		return ttl
	}
	return a.TTL
}

// negativeTTL is min(SOA TTL, SOA minimum), as resolvers cache NXDOMAIN and
// NODATA.
func (z *HostedZone) negativeTTL() uint32 {
	g := z.nodes[z.name].groups[dns.TypeSOA]
	s := g.sets[0]
	return min(s.ttl, s.rrs[0].(*dns.SOA).Minttl)
}

// lookupNode finds name's node, expanding a wildcard at the closest
// encloser (RFC 4592); ent reports an empty non-terminal.
func (z *HostedZone) lookupNode(name string) (nd *node, ent bool) {
	if nd = z.nodes[name]; nd != nil {
		return nd, false
	}
	if z.ents[name] {
		return nil, true
	}
	for p := parentName(name); p != "" && isSubdomain(z.name, p); p = parentName(p) {
		if z.nodes[p] != nil || z.ents[p] {
			return z.nodes["*."+p], false
		}
	}
	return nil, false
}

func (r *Route53) answerIn(a *Answer, z *HostedZone, name string, qtype uint16, src Source, depth int) {
	z.queries[qtype]++
	a.Zone = z.id
	nd, ent := z.lookupNode(name)
	if nd == nil {
		a.Rcode = dns.RcodeNameError
		if ent {
			a.Rcode = dns.RcodeSuccess
		}
		a.TTL = minTTL(a, z.negativeTTL())
		r.countUsage(z, usageStandard)
		return
	}
	g := nd.groups[qtype]
	if g == nil && qtype != dns.TypeCNAME {
		if cg := nd.groups[dns.TypeCNAME]; cg != nil {
			r.followCNAME(a, z, cg, qtype, src, depth)
			return
		}
	}
	if g == nil {
		a.Rcode = dns.RcodeSuccess
		a.TTL = minTTL(a, z.negativeTTL())
		r.countUsage(z, usageStandard)
		return
	}
	sel := r.pick(z, g, src)
	if len(sel) == 0 { // geolocation or IP-based without a match
		a.Rcode = dns.RcodeSuccess
		a.TTL = minTTL(a, z.negativeTTL())
		r.countUsage(z, g.policy().usage())
		return
	}
	if sel[0].alias != nil {
		r.answerAlias(a, z, sel[0], qtype, src, depth)
		return
	}
	r.countUsage(z, g.policy().usage())
	a.Rcode = dns.RcodeSuccess
	a.SetIdentifier = sel[len(sel)-1].spec.SetIdentifier
	ttl := sel[0].ttl
	if len(sel) == 1 {
		s := sel[0]
		if len(s.addrs) > 1 || len(s.values) > 1 {
			// Simple records return all values in random order.
			rng := r.answerRand(z, g)
			a.Addrs, a.Values = shuffledCopy(rng, s.addrs), shuffledCopy(rng, s.values)
		} else {
			a.Addrs, a.Values = s.addrs, s.values
		}
	} else {
		for _, s := range sel {
			a.Addrs = append(a.Addrs, s.addrs...)
			a.Values = append(a.Values, s.values...)
			ttl = min(ttl, s.ttl)
		}
	}
	a.TTL = minTTL(a, ttl)
}

// answerRand returns the random stream of g's answers, named after the
// zone, name and type, so that records elsewhere (or queries for them)
// never shift the answers of this one.
func (r *Route53) answerRand(z *HostedZone, g *group) *rand.Rand {
	if g.rng == nil {
		s := g.sets[0].spec
		g.rng = r.s.Stream("route53/" + z.id + "/" + s.Name + "/" + s.Type + "/answers")
	}
	return g.rng
}

func shuffledCopy[T any](rng *rand.Rand, in []T) []T {
	if len(in) < 2 {
		return in
	}
	out := slices.Clone(in)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func (r *Route53) followCNAME(a *Answer, z *HostedZone, cg *group, qtype uint16, src Source, depth int) {
	sel := r.pick(z, cg, src)
	if len(sel) == 0 {
		a.Rcode = dns.RcodeSuccess
		a.TTL = minTTL(a, z.negativeTTL())
		return
	}
	s := sel[0]
	var target string
	var ttl uint32
	if s.alias != nil {
		// An alias CNAME answers with the target record's CNAME.
		r.countUsage(z, usageStandard)
		target, ttl = s.alias.name, s.ttl
		if tn := z.nodes[s.alias.name]; tn != nil && tn.groups[dns.TypeCNAME] != nil && depth < maxChain {
			r.followCNAME(a, z, tn.groups[dns.TypeCNAME], qtype, src, depth+1)
			return
		}
	} else {
		r.countUsage(z, cg.policy().usage())
		target, ttl = s.rrs[0].(*dns.CNAME).Target, s.ttl
	}
	a.TTL = minTTL(a, ttl)
	a.CNAMEs = append(a.CNAMEs, target)
	a.SetIdentifier = s.spec.SetIdentifier
	if depth >= maxChain {
		a.Rcode = dns.RcodeServerFailure
		return
	}
	r.answer(a, target, qtype, src, depth+1)
}

func (r *Route53) answerAlias(a *Answer, z *HostedZone, s *rrset, qtype uint16, src Source, depth int) {
	a.SetIdentifier = s.spec.SetIdentifier
	if res := r.aliasResource(s.alias); res != nil {
		a.Free = true
		a.Rcode = dns.RcodeSuccess
		a.TTL = minTTL(a, AliasTargetTTL)
		a.Addrs = filterFamily(res.Addrs(), qtype == dns.TypeAAAA)
		return
	}
	// Alias to a record set of the same zone: its answer and TTL, charged
	// as the target's query.
	if depth >= maxChain {
		a.Rcode = dns.RcodeServerFailure
		return
	}
	set := a.SetIdentifier
	r.answerIn(a, z, s.alias.name, qtype, src, depth+1)
	if a.SetIdentifier == "" {
		a.SetIdentifier = set
	}
}

func (r *Route53) aliasResource(al *aliasRef) AliasResource {
	if al.resource != nil {
		return al.resource
	}
	return r.aliasTargets[al.name]
}

func filterFamily(in []netip.Addr, v6 bool) []netip.Addr {
	out := make([]netip.Addr, 0, len(in))
	for _, a := range in {
		if a.Unmap().Is4() != v6 {
			out = append(out, a.Unmap())
		}
	}
	return out
}

func (r *Route53) countUsage(z *HostedZone, usage string) {
	if r.cfg.Billing != nil {
		r.queryUsage[usageKey{z.id, usage}]++
	}
}

// healthy reports a record's health: its health check (if any) and, for
// an alias with EvaluateTargetHealth, its target's health. Records without
// either are always healthy.
func (r *Route53) healthy(z *HostedZone, s *rrset, depth int) bool {
	if s.spec.HealthCheckId != "" {
		if hc, ok := r.checks[s.spec.HealthCheckId]; ok && !hc.Healthy() {
			return false
		}
	}
	al := s.alias
	if al == nil || !al.evaluate {
		return true
	}
	if res := r.aliasResource(al); res != nil {
		return res.Healthy()
	}
	if depth >= maxChain {
		return false
	}
	// A record group is healthy if at least one of its records is.
	tn := z.nodes[al.name]
	if tn == nil {
		return false
	}
	g := tn.groups[s.qtype]
	if g == nil {
		g = tn.groups[dns.TypeCNAME]
	}
	if g == nil {
		return false
	}
	for _, t := range g.sets {
		if r.healthy(z, t, depth+1) {
			return true
		}
	}
	return false
}

// pick selects the record sets that answer, by the group's routing policy
// and the records' health, as the Route 53 developer guide describes.
func (r *Route53) pick(z *HostedZone, g *group, src Source) []*rrset {
	sets := g.sets
	switch g.policy() {
	case policySimple:
		return sets[:1]
	case policyWeighted:
		return r.pickWeighted(z, sets, r.answerRand(z, g))
	case policyLatency:
		return r.pickNearest(z, sets, func(s *rrset) float64 { return float64(r.lat.RTT(src.Location, s.prox)) })
	case policyGeoProximity:
		return r.pickNearest(z, sets, func(s *rrset) float64 {
			d := geo.DistanceKm(src.Location, s.prox)
			b := float64(s.spec.GeoProximityLocation.Bias)
			if b >= 0 {
				return d * (1 - b/100)
			}
			return d / (1 + b/100)
		})
	case policyFailover:
		primary, secondary := -1, -1
		for i, s := range sets {
			if s.spec.Failover == "PRIMARY" {
				primary = i
			} else {
				secondary = i
			}
		}
		switch {
		case primary >= 0 && r.healthy(z, sets[primary], 0):
			return single(sets, primary)
		case secondary >= 0 && r.healthy(z, sets[secondary], 0):
			return single(sets, secondary)
		case primary >= 0: // both unhealthy: the primary
			return single(sets, primary)
		}
		return single(sets, secondary)
	case policyGeo:
		return r.pickGeo(z, sets, src)
	case policyIP:
		return r.pickIP(z, sets, src)
	case policyMultivalue:
		return r.pickMultivalue(z, sets, r.answerRand(z, g))
	}
	return nil
}

// single returns sets[i] as a one-element slice that shares the group's
// storage (no allocation per query); its capacity is 1, so an append
// cannot overwrite the group.
func single(sets []*rrset, i int) []*rrset { return sets[i : i+1 : i+1] }

// pickWeighted: among healthy records, nonzero weights by weight; if none,
// the healthy zero-weight records with equal probability; if nothing is
// healthy, all records as if healthy.
func (r *Route53) pickWeighted(z *HostedZone, sets []*rrset, rng *rand.Rand) []*rrset {
	for _, considerHealth := range []bool{true, false} {
		var sum int64
		nonzero, zero := 0, 0
		for _, s := range sets {
			if considerHealth && !r.healthy(z, s, 0) {
				continue
			}
			if w := *s.spec.Weight; w > 0 {
				sum += w
				nonzero++
			} else {
				zero++
			}
		}
		switch {
		case nonzero > 0:
			x := rng.Int64N(sum)
			for i, s := range sets {
				if (considerHealth && !r.healthy(z, s, 0)) || *s.spec.Weight == 0 {
					continue
				}
				if x -= *s.spec.Weight; x < 0 {
					return single(sets, i)
				}
			}
		case zero > 0:
			k := rng.IntN(zero)
			for i, s := range sets {
				if considerHealth && !r.healthy(z, s, 0) {
					continue
				}
				if k == 0 {
					return single(sets, i)
				}
				k--
			}
		}
	}
	return nil
}

// pickNearest returns the healthy record with the smallest cost, or the
// cheapest record when none is healthy. Ties go to the smaller
// SetIdentifier.
func (r *Route53) pickNearest(z *HostedZone, sets []*rrset, cost func(*rrset) float64) []*rrset {
	best, bestAny := -1, -1
	var bc, ba float64
	for i, s := range sets {
		c := cost(s)
		if math.IsNaN(c) { // a source without a usable location
			c = math.Inf(1)
		}
		if bestAny < 0 || c < ba {
			bestAny, ba = i, c
		}
		if (best < 0 || c < bc) && r.healthy(z, s, 0) {
			best, bc = i, c
		}
	}
	if best < 0 {
		best = bestAny
	}
	return single(sets, best)
}

// pickGeo walks subdivision → country → continent → default and returns
// the first healthy match, or the most specific match when none is healthy.
func (r *Route53) pickGeo(z *HostedZone, sets []*rrset, src Source) []*rrset {
	continent := ""
	if c, ok := geo.LookupCountry(src.Country); ok {
		continent = c.Continent
	}
	chain := [4]int{-1, -1, -1, -1} // indices into sets
	for i, s := range sets {
		g := s.spec.GeoLocation
		switch {
		case g.CountryCode == "*":
			chain[3] = i
		case g.ContinentCode != "":
			if g.ContinentCode == continent {
				chain[2] = i
			}
		case g.CountryCode == src.Country && src.Country != "":
			if g.SubdivisionCode == "" {
				chain[1] = i
			} else if g.SubdivisionCode == src.Subdivision {
				chain[0] = i
			}
		}
	}
	first := -1
	for _, i := range chain {
		if i < 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		if r.healthy(z, sets[i], 0) {
			return single(sets, i)
		}
	}
	if first < 0 {
		return nil
	}
	return single(sets, first)
}

// pickIP answers with the record of the CIDR location holding the longest
// prefix that contains src.IP, falling back to the default ("*") record
// when there is no match or the match is unhealthy.
func (r *Route53) pickIP(z *HostedZone, sets []*rrset, src Source) []*rrset {
	col := r.collections[sets[0].spec.CidrRoutingConfig.CollectionId]
	loc := ""
	if col != nil {
		loc = col.match(src.IP)
	}
	match, def := -1, -1
	for i, s := range sets {
		switch s.spec.CidrRoutingConfig.LocationName {
		case loc:
			match = i
		case "*":
			def = i
		}
	}
	switch {
	case match >= 0 && r.healthy(z, sets[match], 0):
		return single(sets, match)
	case def >= 0 && r.healthy(z, sets[def], 0):
		return single(sets, def)
	case match >= 0:
		return single(sets, match)
	case def >= 0:
		return single(sets, def)
	}
	return nil
}

// multivalueMax is the most records a multivalue answer holds.
const multivalueMax = 8

// pickMultivalue returns up to 8 healthy records chosen at random, or up to
// 8 records when none is healthy.
func (r *Route53) pickMultivalue(z *HostedZone, sets []*rrset, rng *rand.Rand) []*rrset {
	pool := make([]*rrset, 0, len(sets))
	for _, s := range sets {
		if r.healthy(z, s, 0) {
			pool = append(pool, s)
		}
	}
	if len(pool) == 0 {
		pool = append(pool, sets...)
	}
	n := min(len(pool), multivalueMax)
	for i := 0; i < n; i++ {
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	return pool[:n]
}
