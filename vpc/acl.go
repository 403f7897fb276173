package vpc

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/nimbus-sim/nimbus/sim"
)

// Protocol is an IANA protocol number, as in AWS rules; ProtocolAll (-1)
// matches every protocol.
type Protocol int16

// Protocols.
const (
	ProtocolAll    Protocol = -1
	ProtocolICMP   Protocol = 1
	ProtocolTCP    Protocol = 6
	ProtocolUDP    Protocol = 17
	ProtocolICMPv6 Protocol = 58
)

// String returns "tcp", "udp", "icmp", "icmpv6", "all" or the number.
func (p Protocol) String() string {
	switch p {
	case ProtocolAll:
		return "all"
	case ProtocolICMP:
		return "icmp"
	case ProtocolTCP:
		return "tcp"
	case ProtocolUDP:
		return "udp"
	case ProtocolICMPv6:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

// hasPorts reports whether rules for p filter on ports.
func (p Protocol) hasPorts() bool { return p == ProtocolTCP || p == ProtocolUDP }

// PortRange is an inclusive range of destination ports. The zero value
// means every port (0-65535), so rules for all traffic need not spell it.
type PortRange struct {
	// From is the first port of the range.
	From uint16
	// To is the last port of the range (inclusive).
	To uint16
}

// AllPorts is 0-65535.
var AllPorts = PortRange{0, 65535}

// Port returns the range holding one port.
func Port(p uint16) PortRange { return PortRange{p, p} }

// EphemeralPorts is the range AWS examples open for return traffic
// (32768-65535); NAT gateways and ELB use 1024-65535.
var EphemeralPorts = PortRange{32768, 65535}

func (r PortRange) norm() PortRange {
	if r == (PortRange{}) {
		return AllPorts
	}
	return r
}

// String formats the range as "80" or "1024-65535".
func (r PortRange) String() string {
	r = r.norm()
	if r.From == r.To {
		return strconv.Itoa(int(r.From))
	}
	return strconv.Itoa(int(r.From)) + "-" + strconv.Itoa(int(r.To))
}

// RuleAction is a NACL rule's action.
type RuleAction bool

// NACL rule actions.
const (
	Deny  RuleAction = false
	Allow RuleAction = true
)

// String returns "allow" or "deny".
func (a RuleAction) String() string {
	if a {
		return "allow"
	}
	return "deny"
}

// Default-deny rule numbers ("*" in the console).
const (
	DefaultDenyRuleIPv4 = 32767
	DefaultDenyRuleIPv6 = 32768
	MaxRuleNumber       = 32766
)

// NetworkACLEntry is one numbered NACL rule (CreateNetworkAclEntry).
type NetworkACLEntry struct {
	// RuleNumber orders evaluation, lowest first; 1 to 32766, unique per
	// direction.
	RuleNumber int
	// Egress selects the outbound list; false is inbound.
	Egress bool
	// Protocol is the IANA number or ProtocolAll.
	Protocol Protocol
	// RuleAction is Allow or Deny.
	RuleAction RuleAction
	// CidrBlock is the source block of an inbound rule or the destination
	// block of an outbound rule (IPv4 or IPv6).
	CidrBlock string
	// PortRange is the destination port range for TCP and UDP; the zero
	// value means all ports. Ignored for other protocols.
	PortRange PortRange
}

// aclRule is a compiled NetworkACLEntry.
type aclRule struct {
	e     NetworkACLEntry
	p     netip.Prefix
	c4    v4
	is4   bool
	ports PortRange
}

func (r *aclRule) match(peer netip.Addr, peer4 uint32, proto Protocol, port uint16) bool {
	if r.is4 != peer.Is4() {
		return false
	}
	if r.e.Protocol != ProtocolAll && r.e.Protocol != proto {
		return false
	}
	if r.e.Protocol.hasPorts() && (port < r.ports.From || port > r.ports.To) {
		return false
	}
	if r.is4 {
		return r.c4.contains(peer4)
	}
	return r.p.Contains(peer)
}

// NetworkACL is a stateless subnet firewall: numbered rules evaluated
// lowest first, the first match decides, and a final rule denies the rest.
type NetworkACL struct {
	vpc       *VPC
	id        string
	name      string
	isDefault bool
	in, out   []aclRule
	in4, out4 []acl4 // IPv4 rules packed for the hot path
	in6, out6 []aclRule
}

// acl4 is an IPv4 rule packed into 20 bytes so a scan of 100 rules stays
// in a few cache lines.
type acl4 struct {
	c4       v4
	from, to uint16
	proto    Protocol
	allow    RuleAction
	num      int32
}

// pack rebuilds the per-family rule lists after a change.
func (a *NetworkACL) pack() {
	split := func(rules []aclRule, f4 []acl4, f6 []aclRule) ([]acl4, []aclRule) {
		f4, f6 = f4[:0], f6[:0]
		for _, r := range rules {
			if !r.is4 {
				f6 = append(f6, r)
				continue
			}
			x := acl4{c4: r.c4, from: 0, to: 65535, proto: r.e.Protocol, allow: r.e.RuleAction, num: int32(r.e.RuleNumber)}
			if r.e.Protocol.hasPorts() {
				x.from, x.to = r.ports.From, r.ports.To
			}
			f4 = append(f4, x)
		}
		return f4, f6
	}
	a.in4, a.in6 = split(a.in, a.in4, a.in6)
	a.out4, a.out6 = split(a.out, a.out4, a.out6)
}

func newDefaultACL(v *VPC) *NetworkACL {
	a := &NetworkACL{vpc: v, id: v.n.s.NewID("acl"), name: "default", isDefault: true}
	for _, egress := range []bool{false, true} {
		_ = a.add(NetworkACLEntry{RuleNumber: 100, Egress: egress, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "0.0.0.0/0"})
		if v.ipv6.IsValid() {
			_ = a.add(NetworkACLEntry{RuleNumber: 101, Egress: egress, Protocol: ProtocolAll, RuleAction: Allow, CidrBlock: "::/0"})
		}
	}
	return a
}

// CreateNetworkACL creates a custom NACL, which denies all traffic until
// rules are added and serves no subnet until associated.
func (v *VPC) CreateNetworkACL(name string) (*NetworkACL, error) {
	if len(v.acls) >= v.n.limits.NetworkACLsPerVPC {
		return nil, fmt.Errorf("vpc: VPC %q: network ACL %q: VPC has %d (NetworkACLsPerVPC): %w", v.name, name, len(v.acls), ErrLimitExceeded)
	}
	a := &NetworkACL{vpc: v, id: v.n.s.NewID("acl"), name: name}
	v.acls = append(v.acls, a)
	v.n.trace("CreateNetworkAcl", a.id, fieldVPC(v), fieldName(name))
	return a, nil
}

// ID returns the NACL ID (acl-…).
func (a *NetworkACL) ID() string { return a.id }

// Name returns the NACL's Name tag.
func (a *NetworkACL) Name() string { return a.name }

// IsDefault reports whether this is the VPC's default NACL.
func (a *NetworkACL) IsDefault() bool { return a.isDefault }

// Entries returns the rules of one direction in evaluation order, without
// the final default deny.
func (a *NetworkACL) Entries(egress bool) []NetworkACLEntry {
	rules := a.in
	if egress {
		rules = a.out
	}
	out := make([]NetworkACLEntry, len(rules))
	for i, r := range rules {
		out[i] = r.e
	}
	return out
}

// AddEntry adds a rule. Rule numbers must be 1..32766 and unique within a
// direction; the CIDR must parse; each direction and address family holds
// at most RulesPerNetworkACL rules counting the default deny.
func (a *NetworkACL) AddEntry(e NetworkACLEntry) error {
	if err := a.add(e); err != nil {
		return err
	}
	a.vpc.n.changed()
	a.vpc.n.trace("CreateNetworkAclEntry", a.id, sim.F("rule", e.RuleNumber), sim.F("egress", e.Egress), sim.F("action", e.RuleAction.String()))
	return nil
}

func (a *NetworkACL) what(e NetworkACLEntry) string {
	dir := "inbound"
	if e.Egress {
		dir = "outbound"
	}
	return fmt.Sprintf("vpc: network ACL %q (%s): %s rule %d", a.name, a.id, dir, e.RuleNumber)
}

func (a *NetworkACL) compile(e NetworkACLEntry) (aclRule, error) {
	what := a.what(e)
	if e.RuleNumber < 1 || e.RuleNumber > MaxRuleNumber {
		return aclRule{}, fmt.Errorf("%s: RuleNumber %d outside 1..%d: %w", what, e.RuleNumber, MaxRuleNumber, ErrInvalidConfig)
	}
	if e.Protocol < ProtocolAll || e.Protocol > 255 {
		return aclRule{}, fmt.Errorf("%s: Protocol %d outside -1..255: %w", what, e.Protocol, ErrInvalidConfig)
	}
	p, err := ParseCIDR(e.CidrBlock)
	if err != nil {
		return aclRule{}, fmt.Errorf("%s: CidrBlock: %w", what, err)
	}
	pr := e.PortRange.norm()
	if pr.From > pr.To {
		return aclRule{}, fmt.Errorf("%s: PortRange %d-%d: From > To: %w", what, pr.From, pr.To, ErrInvalidConfig)
	}
	r := aclRule{e: e, p: p, is4: p.Addr().Is4(), ports: pr}
	r.e.CidrBlock = p.String()
	if r.is4 {
		r.c4 = v4Of(p)
	}
	return r, nil
}

func (a *NetworkACL) add(e NetworkACLEntry) error {
	r, err := a.compile(e)
	if err != nil {
		return err
	}
	rules := &a.in
	if e.Egress {
		rules = &a.out
	}
	fam := 1 // the default deny counts
	for _, x := range *rules {
		if x.e.RuleNumber == e.RuleNumber {
			return fmt.Errorf("%s: RuleNumber %d already exists: %w", a.what(e), e.RuleNumber, ErrInvalidConfig)
		}
		if x.is4 == r.is4 {
			fam++
		}
	}
	if fam >= a.vpc.n.limits.RulesPerNetworkACL {
		return fmt.Errorf("%s: direction holds %d rules with the default deny (RulesPerNetworkACL): %w", a.what(e), fam, ErrLimitExceeded)
	}
	*rules = append(*rules, r)
	slices.SortFunc(*rules, func(x, y aclRule) int { return cmp.Compare(x.e.RuleNumber, y.e.RuleNumber) })
	a.pack()
	return nil
}

// ReplaceEntry replaces the rule with the same number and direction.
func (a *NetworkACL) ReplaceEntry(e NetworkACLEntry) error {
	r, err := a.compile(e)
	if err != nil {
		return err
	}
	rules := a.in
	if e.Egress {
		rules = a.out
	}
	for i := range rules {
		if rules[i].e.RuleNumber == e.RuleNumber {
			rules[i] = r
			a.pack()
			a.vpc.n.changed()
			a.vpc.n.trace("ReplaceNetworkAclEntry", a.id, sim.F("rule", e.RuleNumber), sim.F("egress", e.Egress), sim.F("action", e.RuleAction.String()))
			return nil
		}
	}
	return fmt.Errorf("%s: no such rule: %w", a.what(e), ErrNotFound)
}

// DeleteEntry deletes rule number n of one direction.
func (a *NetworkACL) DeleteEntry(n int, egress bool) error {
	rules := &a.in
	if egress {
		rules = &a.out
	}
	for i := range *rules {
		if (*rules)[i].e.RuleNumber == n {
			*rules = slices.Delete(*rules, i, i+1)
			a.pack()
			a.vpc.n.changed()
			a.vpc.n.trace("DeleteNetworkAclEntry", a.id, sim.F("rule", n), sim.F("egress", egress))
			return nil
		}
	}
	return fmt.Errorf("%s: no such rule: %w", a.what(NetworkACLEntry{RuleNumber: n, Egress: egress}), ErrNotFound)
}

// Associate makes the subnet use this NACL, replacing its previous one.
func (a *NetworkACL) Associate(s *Subnet) error {
	if s == nil || s.vpc != a.vpc {
		return fmt.Errorf("vpc: network ACL %q: Associate: subnet is not in VPC %q: %w", a.name, a.vpc.name, ErrInvalidConfig)
	}
	s.acl = a
	a.vpc.n.changed()
	a.vpc.n.trace("ReplaceNetworkAclAssociation", a.id, fieldSubnet(s))
	return nil
}

// Delete deletes a custom NACL that no subnet uses.
func (a *NetworkACL) Delete() error {
	v := a.vpc
	if a.isDefault {
		return fmt.Errorf("vpc: network ACL %s: the default network ACL cannot be deleted: %w", a.id, ErrDependencyViolation)
	}
	for _, s := range v.subnets {
		if s.acl == a {
			return fmt.Errorf("vpc: network ACL %s: subnet %q is associated: %w", a.id, s.name, ErrDependencyViolation)
		}
	}
	v.acls = slices.DeleteFunc(v.acls, func(x *NetworkACL) bool { return x == a })
	v.n.trace("DeleteNetworkAcl", a.id)
	return nil
}

// evaluate returns the deciding rule number and action for traffic whose
// far-side address is peer (the source inbound, the destination outbound).
func (a *NetworkACL) evaluate(egress bool, peer netip.Addr, proto Protocol, port uint16) (int, RuleAction) {
	if peer.Is4() {
		rules := a.in4
		if egress {
			rules = a.out4
		}
		p4 := u32(peer.As4())
		for i := range rules {
			r := &rules[i]
			if (r.proto == ProtocolAll || r.proto == proto) && port >= r.from && port <= r.to && r.c4.contains(p4) {
				return int(r.num), r.allow
			}
		}
		return DefaultDenyRuleIPv4, Deny
	}
	rules := a.in6
	if egress {
		rules = a.out6
	}
	for i := range rules {
		if rules[i].match(peer, 0, proto, port) {
			return rules[i].e.RuleNumber, rules[i].e.RuleAction
		}
	}
	return DefaultDenyRuleIPv6, Deny
}
