package route53

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/nimbus-sim/nimbus/geo"
)

// ResourceRecordSet is one record set as the Route 53 API describes it.
// Records with the same Name and Type form a group; every record of a
// routing policy other than simple has a SetIdentifier and exactly one
// policy field (Weight, Region, GeoLocation, GeoProximityLocation,
// Failover, MultiValueAnswer or CidrRoutingConfig).
type ResourceRecordSet struct {
	// Name is the domain name, such as "www.example.com." (the trailing dot
	// is optional; names are stored lower case).
	Name string
	// Type is the record type: A, AAAA, CAA, CNAME, MX, NS, PTR, SOA, SRV
	// or TXT.
	Type string
	// SetIdentifier distinguishes the records of one routing-policy group.
	SetIdentifier string
	// Weight (0–255) makes the record weighted; use Weight(n).
	Weight *int64
	// Region (an AWS region code) makes the record latency-based.
	Region string
	// GeoLocation makes the record a geolocation record.
	GeoLocation *GeoLocation
	// GeoProximityLocation makes the record a geoproximity record.
	GeoProximityLocation *GeoProximityLocation
	// Failover ("PRIMARY" or "SECONDARY") makes the record a failover record.
	Failover string
	// MultiValueAnswer makes the record a multivalue-answer record.
	MultiValueAnswer bool
	// CidrRoutingConfig makes the record IP-based.
	CidrRoutingConfig *CidrRoutingConfig
	// TTL is the time to live in seconds, 0–2147483647. Alias records
	// take their target's TTL and must leave it 0. Route 53 requires it
	// for other records, so the zero value means 0 s (no caching).
	TTL int64
	// ResourceRecords are the values in zone-file presentation format, such
	// as "192.0.2.1" or "10 mail.example.com.".
	ResourceRecords []string
	// AliasTarget makes the record an alias instead of holding values.
	AliasTarget *AliasTarget
	// HealthCheckId is the ID of the health check that decides whether the
	// record is healthy.
	HealthCheckId string
}

// Weight returns a pointer to w, for ResourceRecordSet.Weight.
func Weight(w int64) *int64 { return &w }

// GeoLocation is a geolocation record's location. Set exactly one of
// ContinentCode or CountryCode, or CountryCode "*" for the default record;
// SubdivisionCode needs a CountryCode.
type GeoLocation struct {
	// ContinentCode is AF, AN, AS, EU, NA, OC or SA.
	ContinentCode string
	// CountryCode is an ISO 3166-1 alpha-2 code, or "*" for the default.
	CountryCode string
	// SubdivisionCode is a subdivision (such as a US state) of CountryCode.
	SubdivisionCode string
}

// Coordinates are a geoproximity location in degrees.
type Coordinates struct {
	// Latitude (−90…90) and Longitude (−180…180) in degrees.
	Latitude, Longitude float64
}

// GeoProximityLocation is a geoproximity record's location and bias. Set
// exactly one of AWSRegion or Coordinates.
type GeoProximityLocation struct {
	// AWSRegion places the resource at a region's location.
	AWSRegion string
	// Coordinates place the resource at a point.
	Coordinates *Coordinates
	// Bias, −99…99, shrinks (negative) or grows (positive) the area routed
	// to the resource: a positive bias b scales distances by (1 − b/100), a
	// negative one divides them by (1 + b/100).
	Bias int64
}

// CidrRoutingConfig names the CIDR collection and the location in it that
// an IP-based record serves; LocationName "*" is the default record.
type CidrRoutingConfig struct {
	// CollectionId is the ID of a CidrCollection.
	CollectionId string
	// LocationName is a location of the collection, or "*".
	LocationName string
}

// AliasTarget points an alias record at an AWS resource or at another
// record set of the same type in the same hosted zone.
type AliasTarget struct {
	// DNSName is the target's DNS name: a resource registered with
	// RegisterAliasTarget, or a record name in the same zone.
	DNSName string
	// EvaluateTargetHealth makes the alias healthy only while its target
	// is: a resource's Healthy(), or at least one healthy record in the
	// target record group.
	EvaluateTargetHealth bool
	// Resource is the AWS resource; when nil the target is looked up by
	// DNSName among registered resources and then the zone's records.
	Resource AliasResource
}

// AliasResource is an AWS resource an alias can point at: a load balancer,
// a CloudFront distribution, an S3 website bucket, an interface endpoint.
// Its answers are free and carry AliasTargetTTL.
type AliasResource interface {
	// DNSName is the resource's own name, such as
	// "web-1234.us-east-1.elb.amazonaws.com".
	DNSName() string
	// Addrs are the resource's current addresses (IPv4 for A, IPv6 for
	// AAAA queries).
	Addrs() []netip.Addr
	// Healthy reports the resource's health, for EvaluateTargetHealth (a
	// load balancer is healthy while it has healthy targets).
	Healthy() bool
}

// Record type names.
const (
	TypeA     = "A"
	TypeAAAA  = "AAAA"
	TypeCAA   = "CAA"
	TypeCNAME = "CNAME"
	TypeMX    = "MX"
	TypeNS    = "NS"
	TypePTR   = "PTR"
	TypeSOA   = "SOA"
	TypeSRV   = "SRV"
	TypeTXT   = "TXT"
)

var supportedTypes = map[string]uint16{
	TypeA: dns.TypeA, TypeAAAA: dns.TypeAAAA, TypeCAA: dns.TypeCAA, TypeCNAME: dns.TypeCNAME,
	TypeMX: dns.TypeMX, TypeNS: dns.TypeNS, TypePTR: dns.TypePTR, TypeSOA: dns.TypeSOA,
	TypeSRV: dns.TypeSRV, TypeTXT: dns.TypeTXT,
}

// policy is a record's routing policy.
type policy uint8

const (
	policySimple policy = iota
	policyWeighted
	policyLatency
	policyFailover
	policyGeo
	policyGeoProximity
	policyIP
	policyMultivalue
)

var policyNames = [...]string{"simple", "weighted", "latency", "failover", "geolocation", "geoproximity", "IP-based", "multivalue"}

// String names the policy as the developer guide does.
func (p policy) String() string { return policyNames[p] }

// usage returns the billing usage type of queries answered by the policy.
func (p policy) usage() string {
	switch p {
	case policyLatency:
		return usageLatency
	case policyGeo, policyGeoProximity:
		return usageGeo
	case policyIP:
		return usageIP
	}
	return usageStandard
}

// rrset is a validated record set, ready to answer queries.
type rrset struct {
	spec   ResourceRecordSet // canonical copy, as listed and exported
	qtype  uint16
	policy policy
	ttl    uint32
	rrs    []dns.RR     // parsed values (non-alias)
	addrs  []netip.Addr // A/AAAA values
	values []string     // presentation rdata of other types
	alias  *aliasRef
	// prox is the latency record's region or the geoproximity location.
	prox geo.Point
}

type aliasRef struct {
	name     string // canonical DNSName
	resource AliasResource
	evaluate bool
}

// describe names the record set the way Route 53's messages do.
func (s *ResourceRecordSet) describe() string {
	if s.SetIdentifier != "" {
		return fmt.Sprintf("[name='%s', type='%s', set-identifier='%s']", s.Name, s.Type, s.SetIdentifier)
	}
	return fmt.Sprintf("[name='%s', type='%s']", s.Name, s.Type)
}

// problem is one validation failure; input marks InvalidInput ones.
type problem struct {
	msg   string
	input bool
}

// compile validates one record set on its own (not against the zone) and
// returns it ready to answer. changeNo is the 1-based change index for
// InvalidInput messages.
func (r *Route53) compile(z *HostedZone, spec ResourceRecordSet, action string, changeNo int) (*rrset, []problem) {
	var probs []problem
	bad := func(input bool, format string, a ...any) {
		probs = append(probs, problem{fmt.Sprintf(format, a...), input})
	}
	name, err := CanonicalName(spec.Name)
	if err != nil {
		bad(false, "Domain name %q is not valid in RRSet of type %s", spec.Name, spec.Type)
		return nil, probs
	}
	spec.Name = name
	spec.Type = strings.ToUpper(spec.Type)
	qtype, ok := supportedTypes[spec.Type]
	if !ok {
		bad(true, "Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.type' failed to satisfy constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, PTR, SRV, AAAA, CAA]", spec.Type, changeNo)
		return nil, probs
	}
	if !isSubdomain(z.name, name) {
		bad(false, "RRSet with DNS name %s is not permitted in zone %s", name, z.name)
	}
	rs := &rrset{qtype: qtype}
	desc := spec.describe()
	ident := fmt.Sprintf("[Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", action, name, spec.Type, orNull(spec.SetIdentifier))

	// Routing policy: exactly one policy field iff a SetIdentifier.
	var fields []string
	if spec.Weight != nil {
		fields = append(fields, "Weight")
		rs.policy = policyWeighted
	}
	if spec.Region != "" {
		fields = append(fields, "Region")
		rs.policy = policyLatency
	}
	if spec.Failover != "" {
		fields = append(fields, "Failover")
		rs.policy = policyFailover
	}
	if spec.GeoLocation != nil {
		fields = append(fields, "GeoLocation")
		rs.policy = policyGeo
	}
	if spec.MultiValueAnswer {
		fields = append(fields, "MultiValueAnswer")
		rs.policy = policyMultivalue
	}
	if spec.GeoProximityLocation != nil {
		fields = append(fields, "GeoProximityLocation")
		rs.policy = policyGeoProximity
	}
	if spec.CidrRoutingConfig != nil {
		fields = append(fields, "CidrRoutingConfig")
		rs.policy = policyIP
	}
	switch {
	case spec.SetIdentifier == "" && len(fields) > 0:
		bad(false, "Invalid request: Missing field 'SetIdentifier' in Change with %s", ident)
	case spec.SetIdentifier != "" && len(fields) == 0:
		bad(false, "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with %s", ident)
	case len(fields) > 1:
		bad(false, "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with %s", ident)
	}
	if len(spec.SetIdentifier) > 128 {
		bad(true, "Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.setIdentifier' failed to satisfy constraint: Member must have length less than or equal to 128", spec.SetIdentifier, changeNo)
	}
	if spec.Weight != nil && (*spec.Weight < 0 || *spec.Weight > 255) {
		bad(true, "Value '%d' at 'changeBatch.changes.%d.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value between 0 and 255 in RRSet %s", *spec.Weight, changeNo, desc)
	}
	if spec.Region != "" {
		pt, ok := regionPoint(spec.Region)
		if !ok {
			bad(true, "Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.region' failed to satisfy constraint: Member must be an AWS region in RRSet %s", spec.Region, changeNo, desc)
		}
		rs.prox = pt
	}
	if spec.Failover != "" && spec.Failover != "PRIMARY" && spec.Failover != "SECONDARY" {
		bad(true, "Value '%s' at 'changeBatch.changes.%d.member.resourceRecordSet.failover' failed to satisfy constraint: Member must satisfy enum value set: [PRIMARY, SECONDARY] in RRSet %s", spec.Failover, changeNo, desc)
	}
	if g := spec.GeoLocation; g != nil {
		if msg := checkGeoLocation(g); msg != "" {
			bad(false, "Invalid request: %s in RRSet %s", msg, desc)
		}
	}
	if p := spec.GeoProximityLocation; p != nil {
		if p.Bias < -99 || p.Bias > 99 {
			bad(true, "Value '%d' at 'changeBatch.changes.%d.member.resourceRecordSet.geoProximityLocation.bias' failed to satisfy constraint: Member must have value between -99 and 99 in RRSet %s", p.Bias, changeNo, desc)
		}
		switch {
		case (p.AWSRegion == "") == (p.Coordinates == nil):
			bad(false, "Invalid request: GeoProximityLocation needs exactly one of AWSRegion or Coordinates in RRSet %s", desc)
		case p.Coordinates != nil:
			c := p.Coordinates
			if c.Latitude < -90 || c.Latitude > 90 || c.Longitude < -180 || c.Longitude > 180 {
				bad(true, "Invalid coordinates (%v, %v) in RRSet %s", c.Latitude, c.Longitude, desc)
			}
			rs.prox = geo.Point{Lat: c.Latitude, Lon: c.Longitude}
		default:
			pt, ok := regionPoint(p.AWSRegion)
			if !ok {
				bad(true, "Invalid AWSRegion '%s' in RRSet %s", p.AWSRegion, desc)
			}
			rs.prox = pt
		}
	}
	if c := spec.CidrRoutingConfig; c != nil {
		col, ok := r.collections[c.CollectionId]
		switch {
		case !ok:
			bad(false, "CIDR collection %s does not exist for RRSet %s", c.CollectionId, desc)
		case c.LocationName != "*" && !col.hasLocation(c.LocationName):
			bad(false, "CIDR location %s does not exist in collection %s for RRSet %s", c.LocationName, c.CollectionId, desc)
		}
	}
	if z.private && (rs.policy == policyGeoProximity || rs.policy == policyIP) {
		bad(false, "Invalid request: %s routing is not supported in private hosted zones, RRSet %s", rs.policy, desc)
	}
	if spec.HealthCheckId != "" {
		if _, ok := r.checks[spec.HealthCheckId]; !ok {
			bad(false, "Invalid request: health check %s does not exist for RRSet %s", spec.HealthCheckId, desc)
		} else if z.private && rs.policy == policySimple {
			bad(false, "Invalid request: health checks are not supported on simple records in private hosted zones, RRSet %s", desc)
		}
	}

	// Values or alias.
	if spec.AliasTarget != nil {
		if len(spec.ResourceRecords) > 0 || spec.TTL != 0 {
			bad(false, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with %s", ident)
		}
		a := spec.AliasTarget
		ref := &aliasRef{resource: a.Resource, evaluate: a.EvaluateTargetHealth}
		if a.Resource != nil {
			a.DNSName = a.Resource.DNSName()
		}
		n, err := CanonicalName(a.DNSName)
		if err != nil {
			bad(false, "Invalid request: alias target %q is not a valid domain name in RRSet %s", a.DNSName, desc)
		}
		ref.name = n
		if ref.resource == nil {
			ref.resource = r.aliasTargets[n]
		}
		switch spec.Type {
		case TypeA, TypeAAAA, TypeCNAME, TypeMX, TypeTXT, TypeSRV, TypePTR, TypeCAA:
		default:
			bad(false, "Invalid request: alias records of type %s are not supported, RRSet %s", spec.Type, desc)
		}
		if ref.resource != nil && spec.Type != TypeA && spec.Type != TypeAAAA {
			bad(false, "Invalid request: an alias to an AWS resource must be of type A or AAAA, RRSet %s", desc)
		}
		rs.alias = ref
		rs.ttl = AliasTargetTTL
		spec.TTL = 0
		at := *a
		at.DNSName = n
		spec.AliasTarget = &at
	} else {
		if spec.TTL < 0 || spec.TTL > MaxTTL {
			bad(true, "Value '%d' at 'changeBatch.changes.%d.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and %d in RRSet %s", spec.TTL, changeNo, int64(MaxTTL), desc)
		}
		rs.ttl = uint32(max(0, min(spec.TTL, MaxTTL)))
		if len(spec.ResourceRecords) == 0 {
			bad(false, "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with %s", ident)
		}
		if len(spec.ResourceRecords) > 400 {
			bad(false, "Invalid request: more than 400 values in RRSet %s", desc)
		}
		if len(spec.ResourceRecords) > 1 && (spec.Type == TypeCNAME || spec.Type == TypeSOA || rs.policy == policyMultivalue) {
			bad(false, "Invalid Resource Record: RRSet %s of type %s may hold only one value", desc, orPolicy(spec.Type, rs.policy))
		}
		spec.ResourceRecords = slices.Clone(spec.ResourceRecords)
		for i, v := range spec.ResourceRecords {
			rr, canon, msg := parseValue(name, spec.Type, qtype, v)
			if msg != "" {
				bad(false, "[Invalid Resource Record: 'FATAL problem: %s encountered with '%s'' in RRSet %s]", msg, v, desc)
				continue
			}
			spec.ResourceRecords[i] = canon
			rs.rrs = append(rs.rrs, rr)
			switch rr := rr.(type) {
			case *dns.A:
				a, _ := netip.AddrFromSlice(rr.A.To4())
				rs.addrs = append(rs.addrs, a)
			case *dns.AAAA:
				a, _ := netip.AddrFromSlice(rr.AAAA.To16())
				rs.addrs = append(rs.addrs, a)
			default:
				rs.values = append(rs.values, canon)
			}
		}
		if dup := duplicateValue(spec.ResourceRecords); dup != "" && len(probs) == 0 {
			bad(false, "[Invalid Resource Record: duplicate value '%s' in RRSet %s]", dup, desc)
		}
	}
	rs.spec = spec
	return rs, probs
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func orPolicy(t string, p policy) string {
	if p == policyMultivalue {
		return "multivalue " + t
	}
	return t
}

func duplicateValue(vs []string) string {
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			if vs[i] == vs[j] {
				return vs[i]
			}
		}
	}
	return ""
}

// parseValue parses one value with miekg/dns and returns the RR and its
// canonical presentation rdata, or the Route 53 problem code.
func parseValue(name, typ string, qtype uint16, v string) (dns.RR, string, string) {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, "\n\r") {
		return nil, "", "EmptyOrMultiline (Value is empty or spans lines)"
	}
	switch qtype {
	case dns.TypeA:
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is4() {
			return nil, "", "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)"
		}
	case dns.TypeAAAA:
		a, err := netip.ParseAddr(v)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return nil, "", "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)"
		}
	}
	rr, err := dns.NewRR(name + " 0 IN " + typ + " " + v)
	if err != nil || rr == nil || rr.Header().Rrtype != qtype {
		return nil, "", fmt.Sprintf("%sRRDATAIllegal (Value is not valid %s rdata)", typ, typ)
	}
	if err := checkRdata(rr); err != "" {
		return nil, "", err
	}
	canon := strings.TrimPrefix(rr.String(), rr.Header().String())
	return rr, canon, ""
}

// checkRdata applies Route 53's extra rules to parsed values.
func checkRdata(rr dns.RR) string {
	switch rr := rr.(type) {
	case *dns.CAA:
		if rr.Tag != "issue" && rr.Tag != "issuewild" && rr.Tag != "iodef" {
			return "CAARRDATAIllegalTag (CAA tag must be issue, issuewild or iodef)"
		}
		if rr.Flag != 0 && rr.Flag != 128 {
			return "CAARRDATAIllegalFlag (CAA flag must be 0 or 128)"
		}
	case *dns.CNAME:
		if _, err := CanonicalName(rr.Target); err != nil {
			return "CNAMERRDATAIllegalName (Value is not a valid domain name)"
		}
	}
	return ""
}

// checkGeoLocation validates a geolocation and returns a message or "".
func checkGeoLocation(g *GeoLocation) string {
	switch {
	case g.ContinentCode != "" && (g.CountryCode != "" || g.SubdivisionCode != ""):
		return "GeoLocation may set ContinentCode or CountryCode, not both"
	case g.ContinentCode != "":
		if !slices.Contains(geo.Continents(), g.ContinentCode) {
			return fmt.Sprintf("unknown ContinentCode %q", g.ContinentCode)
		}
	case g.CountryCode == "*":
		if g.SubdivisionCode != "" {
			return "the default GeoLocation (*) takes no SubdivisionCode"
		}
	case g.CountryCode != "":
		if _, ok := geo.LookupCountry(g.CountryCode); !ok {
			return fmt.Sprintf("unknown CountryCode %q", g.CountryCode)
		}
	default:
		return "GeoLocation needs ContinentCode or CountryCode"
	}
	return ""
}

// geoKey identifies a geolocation within its group.
func geoKey(g *GeoLocation) string {
	return g.ContinentCode + "/" + g.CountryCode + "/" + g.SubdivisionCode
}
