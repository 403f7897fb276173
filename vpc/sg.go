package vpc

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/nimbus-sim/nimbus/sim"
)

// SecurityGroupRule is one allow rule of a security group. Exactly one of
// CidrIp, ReferencedGroup and PrefixList names the far side: the source of
// an inbound rule, the destination of an outbound rule.
type SecurityGroupRule struct {
	// IpProtocol is the IANA number or ProtocolAll.
	IpProtocol Protocol
	// PortRange is the destination port range for TCP and UDP; the zero
	// value means all ports. Ignored for other protocols (ICMP type and
	// code are not modelled).
	PortRange PortRange
	// CidrIp is an IPv4 or IPv6 block.
	CidrIp string
	// ReferencedGroup matches the private addresses of ENIs in that group
	// (same VPC or a peered VPC).
	ReferencedGroup *SecurityGroup
	// PrefixList matches the blocks of a managed prefix list.
	PrefixList *PrefixList
	// Description is free text, at most 255 characters.
	Description string
}

func (r SecurityGroupRule) peer() string {
	switch {
	case r.ReferencedGroup != nil:
		return r.ReferencedGroup.id
	case r.PrefixList != nil:
		return r.PrefixList.id
	}
	return r.CidrIp
}

type sgRule struct {
	r   SecurityGroupRule
	p   netip.Prefix
	c4  v4
	is4 bool
	pr  PortRange
}

// match reports whether the rule allows traffic whose far side is peer
// (an ENI when known, for group references).
func (r *sgRule) match(peer netip.Addr, peerENI *NetworkInterface, proto Protocol, port uint16) bool {
	if r.r.IpProtocol != ProtocolAll && r.r.IpProtocol != proto {
		return false
	}
	if r.r.IpProtocol.hasPorts() && (port < r.pr.From || port > r.pr.To) {
		return false
	}
	switch {
	case r.r.ReferencedGroup != nil:
		return peerENI != nil && peerENI.hasSG(r.r.ReferencedGroup) && peerENIOwns(peerENI, peer)
	case r.r.PrefixList != nil:
		return r.r.PrefixList.Contains(peer)
	case r.is4:
		return peer.Is4() && r.c4.contains(u32(peer.As4()))
	}
	return r.p.Contains(peer)
}

// peerENIOwns reports whether a is one of the ENI's private addresses: a
// group reference matches private addresses only, not public or NATed ones.
func peerENIOwns(e *NetworkInterface, a netip.Addr) bool {
	return e.primary == a || slices.Contains(e.secondary, a) || slices.Contains(e.ipv6, a)
}

// SecurityGroup is a stateful, allow-only firewall attached to ENIs: any
// rule of any of an ENI's groups that matches allows the traffic, and the
// reply to an allowed flow is always let back.
type SecurityGroup struct {
	vpc       *VPC
	id        string
	name      string
	desc      string
	isDefault bool
	deleted   bool
	ingress   []sgRule
	egress    []sgRule
	// Packed copies for the hot path: IPv4 CIDR rules, then the rest.
	in4, out4       []sg4
	inRest, outRest []sgRule
}

func newDefaultSG(v *VPC) *SecurityGroup {
	g := &SecurityGroup{vpc: v, id: v.n.s.NewID("sg"), name: "default", desc: "default VPC security group", isDefault: true}
	_ = g.authorize(false, SecurityGroupRule{IpProtocol: ProtocolAll, ReferencedGroup: g})
	g.allowAllOut()
	return g
}

func (g *SecurityGroup) allowAllOut() {
	_ = g.authorize(true, SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "0.0.0.0/0"})
	if g.vpc.ipv6.IsValid() {
		_ = g.authorize(true, SecurityGroupRule{IpProtocol: ProtocolAll, CidrIp: "::/0"})
	}
}

// CreateSecurityGroup creates a group with no inbound rules and one rule
// allowing all outbound traffic (plus ::/0 when the VPC has IPv6), as AWS
// does. Names are unique in the VPC, at most 255 characters, and may not
// start with "sg-".
func (v *VPC) CreateSecurityGroup(name, description string) (*SecurityGroup, error) {
	what := fmt.Sprintf("vpc: VPC %q: security group %q", v.name, name)
	switch {
	case name == "" || len(name) > 255:
		return nil, fmt.Errorf("%s: GroupName must be 1 to 255 characters: %w", what, ErrInvalidConfig)
	case strings.HasPrefix(name, "sg-"):
		return nil, fmt.Errorf("%s: GroupName may not start with \"sg-\": %w", what, ErrInvalidConfig)
	case len(v.sgs) >= v.n.limits.SecurityGroupsPerVPC:
		return nil, fmt.Errorf("%s: VPC has %d (SecurityGroupsPerVPC): %w", what, len(v.sgs), ErrLimitExceeded)
	}
	for _, g := range v.sgs {
		if g.name == name {
			return nil, fmt.Errorf("%s: GroupName already exists (%s): %w", what, g.id, ErrInvalidConfig)
		}
	}
	g := &SecurityGroup{vpc: v, id: v.n.s.NewID("sg"), name: name, desc: description}
	g.allowAllOut()
	v.sgs = append(v.sgs, g)
	v.n.trace("CreateSecurityGroup", g.id, fieldVPC(v), fieldName(name))
	return g, nil
}

// ID returns the group ID (sg-…).
func (g *SecurityGroup) ID() string { return g.id }

// Name returns the group name.
func (g *SecurityGroup) Name() string { return g.name }

// Description returns the group description.
func (g *SecurityGroup) Description() string { return g.desc }

// VPC returns the group's VPC.
func (g *SecurityGroup) VPC() *VPC { return g.vpc }

// IngressRules returns the inbound rules in the order added.
func (g *SecurityGroup) IngressRules() []SecurityGroupRule { return rulesOf(g.ingress) }

// EgressRules returns the outbound rules in the order added.
func (g *SecurityGroup) EgressRules() []SecurityGroupRule { return rulesOf(g.egress) }

func rulesOf(rs []sgRule) []SecurityGroupRule {
	out := make([]SecurityGroupRule, len(rs))
	for i, r := range rs {
		out[i] = r.r
	}
	return out
}

// AuthorizeIngress adds inbound allow rules.
func (g *SecurityGroup) AuthorizeIngress(rules ...SecurityGroupRule) error {
	return g.authorizeAll(false, rules)
}

// AuthorizeEgress adds outbound allow rules.
func (g *SecurityGroup) AuthorizeEgress(rules ...SecurityGroupRule) error {
	return g.authorizeAll(true, rules)
}

func (g *SecurityGroup) authorizeAll(egress bool, rules []SecurityGroupRule) error {
	for _, r := range rules {
		if err := g.authorize(egress, r); err != nil {
			return err
		}
		g.vpc.n.trace(pick(egress, "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress"), g.id,
			sim.F("protocol", r.IpProtocol.String()), sim.F("ports", r.PortRange.String()), sim.F("peer", r.peer()))
	}
	g.vpc.n.changed()
	return nil
}

func (g *SecurityGroup) authorize(egress bool, r SecurityGroupRule) error {
	what := fmt.Sprintf("vpc: security group %q (%s): %s rule %s %s %s", g.name, g.id,
		pick(egress, "outbound", "inbound"), r.IpProtocol, r.PortRange, r.peer())
	sr, err := g.compile(r, what)
	if err != nil {
		return err
	}
	rules := &g.ingress
	if egress {
		rules = &g.egress
	}
	fam := 0
	for _, x := range *rules {
		if x.r == sr.r {
			return fmt.Errorf("%s: duplicate rule (InvalidPermission.Duplicate): %w", what, ErrInvalidConfig)
		}
		if x.is4 == sr.is4 {
			fam++
		}
	}
	if fam >= g.vpc.n.limits.RulesPerSecurityGroup {
		return fmt.Errorf("%s: group holds %d rules of this direction (RulesPerSecurityGroup): %w", what, fam, ErrLimitExceeded)
	}
	*rules = append(*rules, sr)
	g.pack()
	return nil
}

// sg4 is an IPv4 CIDR rule packed into 16 bytes.
type sg4 struct {
	c4       v4
	from, to uint16
	proto    Protocol
}

// pack rebuilds the packed rule lists after a change.
func (g *SecurityGroup) pack() {
	split := func(rules []sgRule, f4 []sg4, rest []sgRule) ([]sg4, []sgRule) {
		f4, rest = f4[:0], rest[:0]
		for _, r := range rules {
			if r.r.CidrIp == "" || !r.is4 {
				rest = append(rest, r)
				continue
			}
			x := sg4{c4: r.c4, from: 0, to: 65535, proto: r.r.IpProtocol}
			if r.r.IpProtocol.hasPorts() {
				x.from, x.to = r.pr.From, r.pr.To
			}
			f4 = append(f4, x)
		}
		return f4, rest
	}
	g.in4, g.inRest = split(g.ingress, g.in4, g.inRest)
	g.out4, g.outRest = split(g.egress, g.out4, g.outRest)
}

func (g *SecurityGroup) compile(r SecurityGroupRule, what string) (sgRule, error) {
	n := 0
	for _, set := range []bool{r.CidrIp != "", r.ReferencedGroup != nil, r.PrefixList != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return sgRule{}, fmt.Errorf("%s: exactly one of CidrIp, ReferencedGroup, PrefixList is required: %w", what, ErrInvalidConfig)
	}
	if len(r.Description) > 255 {
		return sgRule{}, fmt.Errorf("%s: Description longer than 255 characters: %w", what, ErrInvalidConfig)
	}
	if r.IpProtocol < ProtocolAll || r.IpProtocol > 255 {
		return sgRule{}, fmt.Errorf("%s: IpProtocol %d outside -1..255: %w", what, r.IpProtocol, ErrInvalidConfig)
	}
	pr := r.PortRange.norm()
	if pr.From > pr.To {
		return sgRule{}, fmt.Errorf("%s: PortRange From > To: %w", what, ErrInvalidConfig)
	}
	sr := sgRule{r: r, pr: pr, is4: true}
	switch {
	case r.CidrIp != "":
		p, err := ParseCIDR(r.CidrIp)
		if err != nil {
			return sgRule{}, fmt.Errorf("%s: CidrIp: %w", what, err)
		}
		sr.p, sr.is4 = p, p.Addr().Is4()
		sr.r.CidrIp = p.String()
		if sr.is4 {
			sr.c4 = v4Of(p)
		}
	case r.ReferencedGroup != nil:
		ref := r.ReferencedGroup
		if ref.vpc != g.vpc && !g.vpc.n.peered(g.vpc, ref.vpc) {
			return sgRule{}, fmt.Errorf("%s: ReferencedGroup %s is in VPC %q, neither this VPC nor a peer: %w", what, ref.id, ref.vpc.name, ErrInvalidConfig)
		}
	}
	return sr, nil
}

// RevokeIngress removes an inbound rule equal to r.
func (g *SecurityGroup) RevokeIngress(r SecurityGroupRule) error { return g.revoke(false, r) }

// RevokeEgress removes an outbound rule equal to r; with no outbound rule
// left the group allows no outbound traffic.
func (g *SecurityGroup) RevokeEgress(r SecurityGroupRule) error { return g.revoke(true, r) }

func (g *SecurityGroup) revoke(egress bool, r SecurityGroupRule) error {
	what := fmt.Sprintf("vpc: security group %q (%s): revoke %s rule %s %s %s", g.name, g.id,
		pick(egress, "outbound", "inbound"), r.IpProtocol, r.PortRange, r.peer())
	sr, err := g.compile(r, what)
	if err != nil {
		return err
	}
	rules := &g.ingress
	if egress {
		rules = &g.egress
	}
	for i := range *rules {
		if (*rules)[i].r == sr.r {
			*rules = slices.Delete(*rules, i, i+1)
			g.pack()
			g.vpc.n.changed()
			g.vpc.n.trace(pick(egress, "RevokeSecurityGroupEgress", "RevokeSecurityGroupIngress"), g.id)
			return nil
		}
	}
	return fmt.Errorf("%s: no such rule: %w", what, ErrNotFound)
}

// Delete deletes a group no ENI uses; the default group cannot be deleted
// (Client.CannotDelete).
func (g *SecurityGroup) Delete() error {
	v := g.vpc
	if g.isDefault {
		return fmt.Errorf("vpc: security group %s: the default group cannot be deleted (Client.CannotDelete): %w", g.id, ErrDependencyViolation)
	}
	for _, s := range v.subnets {
		for _, e := range s.enis {
			if e.hasSG(g) {
				return fmt.Errorf("vpc: security group %s: network interface %s uses it: %w", g.id, e.id, ErrDependencyViolation)
			}
		}
	}
	g.deleted = true
	v.sgs = slices.DeleteFunc(v.sgs, func(x *SecurityGroup) bool { return x == g })
	v.n.changed()
	v.n.trace("DeleteSecurityGroup", g.id)
	return nil
}

// allows reports whether any of the groups allows the traffic.
func allows(sgs []*SecurityGroup, egress bool, peer netip.Addr, peerENI *NetworkInterface, proto Protocol, port uint16) bool {
	var p4 uint32
	if peer.Is4() {
		p4 = u32(peer.As4())
	}
	for _, g := range sgs {
		fast, rest := g.in4, g.inRest
		if egress {
			fast, rest = g.out4, g.outRest
		}
		if peer.Is4() {
			for i := range fast {
				r := &fast[i]
				if (r.proto == ProtocolAll || r.proto == proto) && port >= r.from && port <= r.to && r.c4.contains(p4) {
					return true
				}
			}
		}
		for i := range rest {
			if rest[i].match(peer, peerENI, proto, port) {
				return true
			}
		}
	}
	return false
}

func (v *VPC) checkSGs(sgs []*SecurityGroup, what string) error {
	if len(sgs) > v.n.limits.SecurityGroupsPerENI {
		return fmt.Errorf("%s: %d groups, at most %d (SecurityGroupsPerENI): %w", what, len(sgs), v.n.limits.SecurityGroupsPerENI, ErrLimitExceeded)
	}
	for i, g := range sgs {
		if g == nil || g.vpc != v || g.deleted {
			return fmt.Errorf("%s[%d]: not a live group of VPC %q: %w", what, i, v.name, ErrInvalidConfig)
		}
	}
	return nil
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
