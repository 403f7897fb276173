package route53

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
)

// VPC is what Route 53 needs from a VPC: its ID, region and primary CIDR
// (the Resolver listens at the CIDR's base address + 2). *vpc.VPC
// implements it, and so does StaticVPC.
type VPC interface {
	ID() string
	Region() string
	PrimaryCIDR() netip.Prefix
}

// EndpointDNS is implemented by a VPC with interface endpoints (*vpc.VPC
// does): the private DNS names (a service's public name such as
// "kinesis.us-east-1.amazonaws.com") that resolve inside the VPC to the
// endpoint ENIs' private IPs.
type EndpointDNS interface {
	PrivateDNSEntries() []vpc.DNSEntry
}

// StaticVPC is a plain VPC description, for runs without the vpc package.
type StaticVPC struct {
	// VPCID is the VPC's ID, such as "vpc-1".
	VPCID string
	// VPCRegion is the VPC's region code.
	VPCRegion string
	// CIDR is the VPC's primary IPv4 block.
	CIDR netip.Prefix
	// Endpoints are interface endpoints' private DNS names and ENI IPs.
	Endpoints []vpc.DNSEntry
}

// ID returns VPCID.
func (v *StaticVPC) ID() string { return v.VPCID }

// Region returns VPCRegion.
func (v *StaticVPC) Region() string { return v.VPCRegion }

// PrimaryCIDR returns CIDR.
func (v *StaticVPC) PrimaryCIDR() netip.Prefix { return v.CIDR }

// PrivateDNSEntries returns Endpoints.
func (v *StaticVPC) PrivateDNSEntries() []vpc.DNSEntry { return v.Endpoints }

// HostedZoneConfig describes a new hosted zone.
type HostedZoneConfig struct {
	// Name is the zone's domain, such as "example.com".
	Name string
	// PrivateZone makes the zone private to the associated VPCs.
	PrivateZone bool
	// VPC is the first VPC associated with a private zone.
	VPC VPC
	// Comment is free text.
	Comment string
}

// HostedZone is a public or private hosted zone.
type HostedZone struct {
	r       *Route53
	id      string
	name    string
	private bool
	comment string
	vpcs    []string
	ns      []string
	nodes   map[string]*node
	ents    map[string]bool // empty non-terminals
	count   int
	deleted bool
	queries map[uint16]uint64
}

// node holds the record groups of one name.
type node struct {
	groups map[uint16]*group
}

// group holds the record sets of one name and type, sorted by
// SetIdentifier.
type group struct {
	sets []*rrset
	rng  *rand.Rand // the group's answer stream, looked up on first use
}

func (g *group) policy() policy { return g.sets[0].policy }

// ID returns the zone ID, such as "Z0123456789ABCDEF".
func (z *HostedZone) ID() string { return z.id }

// Name returns the canonical zone name, such as "example.com.".
func (z *HostedZone) Name() string { return z.name }

// Private reports whether the zone is private.
func (z *HostedZone) Private() bool { return z.private }

// NameServers returns the zone's delegation set (four names).
func (z *HostedZone) NameServers() []string { return slices.Clone(z.ns) }

// VPCs returns the IDs of the associated VPCs.
func (z *HostedZone) VPCs() []string { return slices.Clone(z.vpcs) }

// ResourceRecordSetCount returns the number of record sets, SOA and NS
// included.
func (z *HostedZone) ResourceRecordSetCount() int { return z.count }

// ResourceRecordSets lists the zone's record sets in Route 53's order: by
// name (labels reversed), then type, then SetIdentifier.
func (z *HostedZone) ResourceRecordSets() []ResourceRecordSet {
	names := slices.Collect(maps.Keys(z.nodes))
	slices.SortFunc(names, compareNames)
	var out []ResourceRecordSet
	for _, n := range names {
		nd := z.nodes[n]
		types := slices.Sorted(maps.Keys(nd.groups))
		slices.SortFunc(types, func(a, b uint16) int { return cmp.Compare(dns.TypeToString[a], dns.TypeToString[b]) })
		for _, t := range types {
			for _, s := range nd.groups[t].sets {
				out = append(out, cloneSpec(s.spec))
			}
		}
	}
	return out
}

// TypeCount is the number of queries of one type.
type TypeCount struct {
	// Type is the record type, such as "A".
	Type string
	// Count is the number of queries.
	Count uint64
}

// QueryCount returns how many queries for the record type (such as "A")
// the zone answered, negative answers included.
func (z *HostedZone) QueryCount(typ string) uint64 {
	t, ok := dns.StringToType[strings.ToUpper(typ)]
	if !ok {
		return 0
	}
	return z.queries[t]
}

// QueryCounts returns the query counts by type, sorted by type name.
func (z *HostedZone) QueryCounts() []TypeCount {
	out := make([]TypeCount, 0, len(z.queries))
	for t, n := range z.queries {
		out = append(out, TypeCount{Type: dns.TypeToString[t], Count: n})
	}
	slices.SortFunc(out, func(a, b TypeCount) int { return cmp.Compare(a.Type, b.Type) })
	return out
}

// compareNames orders domain names by their labels from the right.
func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := cmp.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(la), len(lb))
}

func cloneSpec(s ResourceRecordSet) ResourceRecordSet {
	s.ResourceRecords = slices.Clone(s.ResourceRecords)
	if s.Weight != nil {
		s.Weight = Weight(*s.Weight)
	}
	if s.GeoLocation != nil {
		g := *s.GeoLocation
		s.GeoLocation = &g
	}
	if s.GeoProximityLocation != nil {
		g := *s.GeoProximityLocation
		if g.Coordinates != nil {
			c := *g.Coordinates
			g.Coordinates = &c
		}
		s.GeoProximityLocation = &g
	}
	if s.CidrRoutingConfig != nil {
		c := *s.CidrRoutingConfig
		s.CidrRoutingConfig = &c
	}
	if s.AliasTarget != nil {
		a := *s.AliasTarget
		s.AliasTarget = &a
	}
	return s
}

// CreateHostedZone creates a zone with its SOA and NS record sets.
func (r *Route53) CreateHostedZone(cfg HostedZoneConfig) (*HostedZone, error) {
	name, err := CanonicalName(cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("route53: hosted zone %q: Name: %w", cfg.Name, err)
	}
	if name == "." || strings.HasPrefix(name, "*") {
		return nil, fmt.Errorf("route53: hosted zone %q: Name is not a valid zone name: %w", cfg.Name, ErrInvalidDomainName)
	}
	if len(r.zones) >= 500 {
		return nil, fmt.Errorf("route53: hosted zone %q: 500 hosted zones per account: %w", name, ErrLimitExceeded)
	}
	if cfg.PrivateZone {
		if p := vpcProblem("VPC", cfg.VPC); p != "" {
			return nil, fmt.Errorf("route53: hosted zone %q: a private zone needs a VPC: %s: %w", name, p, ErrInvalidConfig)
		}
		for _, z := range r.private[cfg.VPC.ID()] {
			if z.name == name {
				return nil, fmt.Errorf("route53: hosted zone %q: VPC %s already has a private zone of that name: %w", name, cfg.VPC.ID(), ErrConflictingDomainExists)
			}
		}
	} else {
		if cfg.VPC != nil {
			return nil, fmt.Errorf("route53: hosted zone %q: a public zone takes no VPC: %w", name, ErrInvalidConfig)
		}
		if _, ok := r.public[name]; ok {
			return nil, fmt.Errorf("route53: hosted zone %q: a public zone of that name exists (this model keeps one per name): %w", name, ErrConflictingDomainExists)
		}
	}
	z := &HostedZone{r: r, id: zoneID(r.s), name: name, private: cfg.PrivateZone, comment: cfg.Comment,
		nodes: map[string]*node{}, ents: map[string]bool{}, queries: map[uint16]uint64{}}
	if cfg.PrivateZone {
		z.ns = []string{"ns-0.awsdns-00.com.", "ns-512.awsdns-00.net.", "ns-1024.awsdns-00.org.", "ns-1536.awsdns-00.co.uk."}
	} else {
		rng := r.s.Stream("route53/delegation-sets")
		set := rng.IntN(64)
		for i, tld := range []string{"com", "net", "org", "co.uk"} {
			z.ns = append(z.ns, fmt.Sprintf("ns-%d.awsdns-%02d.%s.", i*512+rng.IntN(512), set, tld))
		}
	}
	// SOA and NS as Route 53 creates them (facts 2.1): SOA TTL 900,
	// minimum 86400; NS TTL 172800.
	soa := ResourceRecordSet{Name: name, Type: TypeSOA, TTL: 900,
		ResourceRecords: []string{z.ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	ns := ResourceRecordSet{Name: name, Type: TypeNS, TTL: 172800, ResourceRecords: z.ns}
	w := z.begin()
	for i, spec := range []ResourceRecordSet{soa, ns} {
		rs, probs := r.compile(z, spec, "CREATE", i+1)
		if len(probs) > 0 {
			panic("route53: built-in SOA/NS invalid: " + probs[0].msg)
		}
		w.put(rs)
	}
	z.commit(w)
	r.zones[z.id] = z
	r.zoneOrder = append(r.zoneOrder, z)
	if cfg.PrivateZone {
		z.vpcs = []string{cfg.VPC.ID()}
		r.vpcs[cfg.VPC.ID()] = cfg.VPC
		r.private[cfg.VPC.ID()] = append(r.private[cfg.VPC.ID()], z)
	} else {
		r.public[name] = z
	}
	r.startBilling()
	r.trace("CreateHostedZone", z.id, sim.F("name", name), sim.F("private", z.private))
	return z, nil
}

func zoneID(s *sim.Sim) string {
	id := s.NewID("hostedzone")
	return "Z" + strings.ToUpper(id[strings.IndexByte(id, '-')+2:])
}

// HostedZone returns the zone with the given ID.
func (r *Route53) HostedZone(id string) (*HostedZone, bool) {
	z, ok := r.zones[id]
	return z, ok
}

// HostedZones returns the live zones in creation order.
func (r *Route53) HostedZones() []*HostedZone {
	var out []*HostedZone
	for _, z := range r.zoneOrder {
		if !z.deleted {
			out = append(out, z)
		}
	}
	return out
}

// DeleteHostedZone deletes a zone that holds only its SOA and NS.
func (r *Route53) DeleteHostedZone(id string) error {
	z, ok := r.zones[id]
	if !ok {
		return fmt.Errorf("route53: hosted zone %s: %w", id, ErrNoSuchHostedZone)
	}
	if z.count > 2 {
		return fmt.Errorf("route53: hosted zone %s (%s): the zone contains %d non-required resource record sets: %w", id, z.name, z.count-2, ErrHostedZoneNotEmpty)
	}
	r.FlushBilling()
	z.deleted = true
	delete(r.zones, id)
	if z.private {
		for _, v := range z.vpcs {
			r.private[v] = slices.DeleteFunc(r.private[v], func(x *HostedZone) bool { return x == z })
		}
	} else {
		delete(r.public, z.name)
	}
	r.trace("DeleteHostedZone", id)
	return nil
}

// AssociateVPCWithHostedZone associates another VPC with a private zone.
func (r *Route53) AssociateVPCWithHostedZone(zoneID string, v VPC) error {
	z, ok := r.zones[zoneID]
	if !ok {
		return fmt.Errorf("route53: hosted zone %s: %w", zoneID, ErrNoSuchHostedZone)
	}
	if p := vpcProblem("VPC", v); p != "" {
		return fmt.Errorf("route53: hosted zone %s: associate: %s: %w", zoneID, p, ErrInvalidConfig)
	}
	if !z.private {
		return fmt.Errorf("route53: hosted zone %s: cannot associate a VPC with a public zone: %w", zoneID, ErrInvalidConfig)
	}
	if slices.Contains(z.vpcs, v.ID()) {
		return nil
	}
	if len(z.vpcs) >= 300 {
		return fmt.Errorf("route53: hosted zone %s: 300 VPCs per private zone: %w", zoneID, ErrLimitExceeded)
	}
	for _, o := range r.private[v.ID()] {
		if o.name == z.name {
			return fmt.Errorf("route53: hosted zone %s: VPC %s already has a private zone %s: %w", zoneID, v.ID(), z.name, ErrConflictingDomainExists)
		}
	}
	z.vpcs = append(z.vpcs, v.ID())
	r.vpcs[v.ID()] = v
	r.private[v.ID()] = append(r.private[v.ID()], z)
	r.trace("AssociateVPCWithHostedZone", zoneID, sim.F("vpc", v.ID()))
	return nil
}

// DisassociateVPCFromHostedZone removes a VPC from a private zone; the
// last VPC cannot be removed.
func (r *Route53) DisassociateVPCFromHostedZone(zoneID, vpcID string) error {
	z, ok := r.zones[zoneID]
	if !ok {
		return fmt.Errorf("route53: hosted zone %s: %w", zoneID, ErrNoSuchHostedZone)
	}
	if !slices.Contains(z.vpcs, vpcID) {
		return fmt.Errorf("route53: hosted zone %s: VPC %s is not associated: %w", zoneID, vpcID, ErrInvalidConfig)
	}
	if len(z.vpcs) == 1 {
		return fmt.Errorf("route53: hosted zone %s: cannot disassociate the last VPC: %w", zoneID, ErrInvalidConfig)
	}
	z.vpcs = slices.DeleteFunc(z.vpcs, func(s string) bool { return s == vpcID })
	r.private[vpcID] = slices.DeleteFunc(r.private[vpcID], func(x *HostedZone) bool { return x == z })
	r.trace("DisassociateVPCFromHostedZone", zoneID, sim.F("vpc", vpcID))
	return nil
}

// Change is one change of a batch.
type Change struct {
	// Action is "CREATE", "DELETE" or "UPSERT".
	Action string
	// ResourceRecordSet is the record set to create, delete or upsert. A
	// DELETE must match the existing record set's values exactly.
	ResourceRecordSet ResourceRecordSet
}

// ChangeInfo describes an applied batch; changes take effect at once
// (Route 53's PENDING→INSYNC propagation, about a minute, is not modelled).
type ChangeInfo struct {
	// Id is the change ID, such as "/change/C0123…".
	Id string
	// Status is always "INSYNC".
	Status string
	// SubmittedAt is when the batch was applied.
	SubmittedAt sim.Time
}

// ChangeResourceRecordSets applies a batch atomically: either every change
// applies or none does, and the error (an *InvalidChangeBatchError) lists
// every problem in Route 53's words.
func (r *Route53) ChangeResourceRecordSets(zoneID string, changes []Change) (ChangeInfo, error) {
	z, ok := r.zones[zoneID]
	if !ok {
		return ChangeInfo{}, fmt.Errorf("route53: hosted zone %s: %w", zoneID, ErrNoSuchHostedZone)
	}
	if len(changes) == 0 || len(changes) > 1000 {
		return ChangeInfo{}, &InvalidChangeBatchError{Input: true, Messages: []string{fmt.Sprintf("1 validation error detected: a change batch holds 1–1000 changes, got %d", len(changes))}}
	}
	w := z.begin()
	var probs []problem
	for i, c := range changes {
		probs = append(probs, r.applyChange(z, w, c, i+1)...)
	}
	if len(probs) == 0 {
		probs = r.checkTouched(z, w)
	}
	if len(probs) > 0 {
		e := &InvalidChangeBatchError{}
		for _, p := range probs {
			e.Messages = append(e.Messages, p.msg)
			e.Input = e.Input || p.input
		}
		return ChangeInfo{}, e
	}
	z.commit(w)
	info := ChangeInfo{Id: "/change/C" + strings.ToUpper(r.s.NewID("change")[len("change-0"):]), Status: "INSYNC", SubmittedAt: r.s.Now()}
	if r.s.Tracing() {
		for _, c := range changes {
			r.trace("ChangeResourceRecordSets", zoneID, sim.F("action", c.Action), sim.F("name", c.ResourceRecordSet.Name),
				sim.F("type", c.ResourceRecordSet.Type), sim.F("set", c.ResourceRecordSet.SetIdentifier))
		}
	}
	return info, nil
}

func (r *Route53) applyChange(z *HostedZone, w *work, c Change, no int) []problem {
	action := strings.ToUpper(c.Action)
	if action != "CREATE" && action != "DELETE" && action != "UPSERT" {
		return []problem{{fmt.Sprintf("Value '%s' at 'changeBatch.changes.%d.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]", c.Action, no), true}}
	}
	rs, probs := r.compile(z, c.ResourceRecordSet, action, no)
	if len(probs) > 0 {
		return probs
	}
	cur := w.get(rs.spec.Name, rs.qtype, rs.spec.SetIdentifier)
	desc := rs.spec.describe()
	isApex := rs.spec.Name == z.name
	switch action {
	case "CREATE":
		if cur != nil {
			return []problem{{fmt.Sprintf("Tried to create resource record set %s but it already exists", desc), false}}
		}
		if isApex && (rs.qtype == dns.TypeSOA || rs.qtype == dns.TypeNS) {
			return []problem{{fmt.Sprintf("Tried to create resource record set %s but it already exists", desc), false}}
		}
		w.put(rs)
	case "DELETE":
		if cur == nil {
			return []problem{{fmt.Sprintf("Tried to delete resource record set %s but it was not found", desc), false}}
		}
		if !sameSpec(cur.spec, rs.spec) {
			return []problem{{fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", desc), false}}
		}
		if isApex && (rs.qtype == dns.TypeSOA || rs.qtype == dns.TypeNS) {
			return []problem{{fmt.Sprintf("A HostedZone must contain at least one NS record for the zone itself and exactly one SOA record; cannot delete %s", desc), false}}
		}
		w.del(rs.spec.Name, rs.qtype, rs.spec.SetIdentifier)
	case "UPSERT":
		w.put(rs)
	}
	// Weighted records share one TTL: the last written applies to all.
	if action != "DELETE" && rs.policy == policyWeighted && rs.alias == nil {
		w.setWeightedTTL(rs.spec.Name, rs.qtype, rs.ttl)
	}
	return nil
}

// sameSpec compares the identity and values of two record sets as DELETE
// requires.
func sameSpec(a, b ResourceRecordSet) bool {
	if a.TTL != b.TTL || !slices.Equal(a.ResourceRecords, b.ResourceRecords) || a.HealthCheckId != b.HealthCheckId {
		return false
	}
	if (a.AliasTarget == nil) != (b.AliasTarget == nil) {
		return false
	}
	if a.AliasTarget != nil && (a.AliasTarget.DNSName != b.AliasTarget.DNSName || a.AliasTarget.EvaluateTargetHealth != b.AliasTarget.EvaluateTargetHealth) {
		return false
	}
	return true
}

// checkTouched enforces the rules between record sets of a name: CNAME
// alone and not at the apex, one routing policy per group, unique
// locations, failover pairs, alias targets, quotas.
func (r *Route53) checkTouched(z *HostedZone, w *work) []problem {
	var probs []problem
	bad := func(format string, a ...any) { probs = append(probs, problem{fmt.Sprintf(format, a...), false}) }
	names := slices.Sorted(maps.Keys(w.touched))
	for _, name := range names {
		nd := w.nodes[name]
		if nd == nil {
			continue
		}
		if g := nd.groups[dns.TypeCNAME]; g != nil {
			if name == z.name {
				bad("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", name, z.name)
			} else if len(nd.groups) > 1 {
				bad("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", name, z.name)
			}
		}
		types := slices.Sorted(maps.Keys(nd.groups))
		for _, t := range types {
			probs = append(probs, r.checkGroup(z, w, name, t, nd.groups[t])...)
		}
	}
	if w.count > 10000 {
		bad("Tried to create resource record sets beyond the limit of 10000 per hosted zone %s", z.name)
	}
	return probs
}

func (r *Route53) checkGroup(z *HostedZone, w *work, name string, t uint16, g *group) []problem {
	var probs []problem
	bad := func(format string, a ...any) { probs = append(probs, problem{fmt.Sprintf(format, a...), false}) }
	first := g.sets[0]
	typ := dns.TypeToString[t]
	for _, s := range g.sets[1:] {
		if s.policy != first.policy || first.policy == policySimple {
			bad("RRSet with DNS name %s, type %s, SetIdentifier %s cannot be created as other RRsets exist with the same name and type", name, typ, orNull(s.spec.SetIdentifier))
			return probs
		}
	}
	limit := 100
	if first.policy == policyGeoProximity {
		limit = 30
	}
	if first.policy != policySimple && len(g.sets) > limit {
		bad("RRSet with DNS name %s, type %s: more than %d %s records with the same name and type", name, typ, limit, first.policy)
	}
	switch first.policy {
	case policyFailover:
		var n [2]int
		for _, s := range g.sets {
			if s.spec.Failover == "PRIMARY" {
				n[0]++
			} else {
				n[1]++
			}
		}
		if n[0] > 1 || n[1] > 1 {
			bad("RRSet with DNS name %s, type %s: a failover group has at most one PRIMARY and one SECONDARY record", name, typ)
		}
	case policyGeo:
		seen := map[string]string{}
		for _, s := range g.sets {
			k := geoKey(s.spec.GeoLocation)
			if o, ok := seen[k]; ok {
				bad("RRSet with DNS name %s, type %s: SetIdentifiers %s and %s have the same GeoLocation", name, typ, o, s.spec.SetIdentifier)
			}
			seen[k] = s.spec.SetIdentifier
		}
	case policyIP:
		for _, s := range g.sets[1:] {
			if s.spec.CidrRoutingConfig.CollectionId != first.spec.CidrRoutingConfig.CollectionId {
				bad("RRSet with DNS name %s, type %s: all IP-based records of a name and type must use the same CIDR collection", name, typ)
				break
			}
		}
	case policyLatency:
		seen := map[string]bool{}
		for _, s := range g.sets {
			if seen[s.spec.Region] {
				bad("RRSet with DNS name %s, type %s, SetIdentifier %s: another latency record uses region %s", name, typ, s.spec.SetIdentifier, s.spec.Region)
			}
			seen[s.spec.Region] = true
		}
	}
	for _, s := range g.sets {
		a := s.alias
		if a == nil || a.resource != nil {
			continue
		}
		if !isSubdomain(z.name, a.name) {
			bad("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", a.name, typ, z.id)
			continue
		}
		tn := w.nodes[a.name]
		if tn == nil || (tn.groups[t] == nil && tn.groups[dns.TypeCNAME] == nil) {
			bad("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", a.name, typ, z.id)
			continue
		}
		if tn.groups[t] == nil && name == z.name {
			bad("Tried to create an alias at the apex %s that targets a CNAME record %s", name, a.name)
		}
		if a.name == name {
			bad("Tried to create an alias %s that targets itself", name)
		}
	}
	return probs
}

// work is a copy-on-write view of a zone's records during a batch.
type work struct {
	z       *HostedZone
	nodes   map[string]*node
	touched map[string]bool
	count   int
}

func (z *HostedZone) begin() *work {
	return &work{z: z, nodes: maps.Clone(z.nodes), touched: map[string]bool{}, count: z.count}
}

// own returns a private copy of the node for name, creating it if needed.
func (w *work) own(name string) *node {
	if w.touched[name] {
		if nd := w.nodes[name]; nd != nil {
			return nd
		}
	}
	nd := &node{groups: map[uint16]*group{}}
	if old := w.nodes[name]; old != nil {
		for t, g := range old.groups {
			nd.groups[t] = &group{sets: slices.Clone(g.sets), rng: g.rng}
		}
	}
	w.nodes[name] = nd
	w.touched[name] = true
	return nd
}

func (w *work) get(name string, t uint16, set string) *rrset {
	nd := w.nodes[name]
	if nd == nil || nd.groups[t] == nil {
		return nil
	}
	for _, s := range nd.groups[t].sets {
		if s.spec.SetIdentifier == set {
			return s
		}
	}
	return nil
}

func (w *work) put(rs *rrset) {
	nd := w.own(rs.spec.Name)
	g := nd.groups[rs.qtype]
	if g == nil {
		g = &group{}
		nd.groups[rs.qtype] = g
	}
	i, found := slices.BinarySearchFunc(g.sets, rs.spec.SetIdentifier, func(s *rrset, id string) int { return cmp.Compare(s.spec.SetIdentifier, id) })
	if found {
		g.sets[i] = rs
		return
	}
	g.sets = slices.Insert(g.sets, i, rs)
	w.count++
}

func (w *work) del(name string, t uint16, set string) {
	nd := w.own(name)
	g := nd.groups[t]
	g.sets = slices.DeleteFunc(g.sets, func(s *rrset) bool { return s.spec.SetIdentifier == set })
	w.count--
	if len(g.sets) == 0 {
		delete(nd.groups, t)
	}
	if len(nd.groups) == 0 {
		w.nodes[name] = nil
	}
}

func (w *work) setWeightedTTL(name string, t uint16, ttl uint32) {
	g := w.own(name).groups[t]
	for i, s := range g.sets {
		if s.alias == nil && s.ttl != ttl {
			c := *s
			c.ttl = ttl
			c.spec.TTL = int64(ttl)
			g.sets[i] = &c
		}
	}
}

// commit installs the batch and rebuilds the empty-non-terminal set.
func (z *HostedZone) commit(w *work) {
	for n, nd := range w.nodes {
		if nd == nil {
			delete(w.nodes, n)
		}
	}
	z.nodes = w.nodes
	z.count = w.count
	clear(z.ents)
	for n := range z.nodes {
		for p := parentName(n); p != "" && isSubdomain(z.name, p) && p != z.name; p = parentName(p) {
			if z.nodes[p] == nil {
				z.ents[p] = true
			}
		}
	}
}
