package vpc

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// SourceKind says where a flow starts.
type SourceKind uint8

// Source kinds.
const (
	// SourceENI is an ENI in one of the network's VPCs (a peered VPC's ENI
	// too: the flow leaves by that VPC's route table).
	SourceENI SourceKind = iota + 1
	// SourceInternet is a host on the internet reaching a public address
	// through an internet gateway.
	SourceInternet
	// SourceOnPremises is a host in an on-premises block behind a VPC's
	// virtual private gateway.
	SourceOnPremises
)

// Source is where a flow starts; build it with FromENI, FromInternet or
// FromOnPremises.
type Source struct {
	// Kind says which of the fields below apply.
	Kind SourceKind
	// ENI is the source interface of a SourceENI flow.
	ENI *NetworkInterface
	// Addr is the source address: the internet or on-premises host, or
	// for an ENI one of its private addresses (zero: the primary IPv4, or
	// the first IPv6 address for an IPv6 destination).
	Addr netip.Addr
	// VPC is the VPC whose VPN gateway an on-premises flow enters.
	VPC *VPC
}

// FromENI starts a flow at an ENI's primary address.
func FromENI(e *NetworkInterface) Source { return Source{Kind: SourceENI, ENI: e} }

// FromInternet starts a flow at an internet host.
func FromInternet(a netip.Addr) Source { return Source{Kind: SourceInternet, Addr: a} }

// FromOnPremises starts a flow at an on-premises host entering v's VPN gateway.
func FromOnPremises(v *VPC, a netip.Addr) Source {
	return Source{Kind: SourceOnPremises, VPC: v, Addr: a}
}

// String names the source, such as "eni-0…" or "internet(203.0.113.1)".
func (s Source) String() string {
	switch s.Kind {
	case SourceENI:
		if s.ENI == nil {
			return "eni(nil)"
		}
		if s.Addr.IsValid() {
			return s.ENI.id + "(" + s.Addr.String() + ")"
		}
		return s.ENI.id
	case SourceInternet:
		return "internet(" + s.Addr.String() + ")"
	case SourceOnPremises:
		return "on-prem(" + s.Addr.String() + ")"
	}
	return "invalid"
}

// Flow is a 5-tuple flow: the first packet of a connection from Src to
// Dst. Flows are comparable and serve as cache keys.
type Flow struct {
	// Src is where the flow starts.
	Src Source
	// Dst is the destination address: a private address, a public address
	// of the network (EIP or auto-assigned), or an internet host.
	Dst netip.Addr
	// Protocol is a single IANA protocol (not ProtocolAll).
	Protocol Protocol
	// SrcPort is the client's (ephemeral) port; replies are sent to it.
	SrcPort uint16
	// DstPort is the service port; ignored by rules for non-TCP/UDP protocols.
	DstPort uint16
}

// String formats the flow as "src:port -> dst:port/proto".
func (f Flow) String() string {
	return fmt.Sprintf("%s:%d -> %s:%d/%s", f.Src, f.SrcPort, f.Dst, f.DstPort, f.Protocol)
}

// Verdict is a flow's outcome, named as in VPC Flow Logs.
type Verdict uint8

// Verdicts.
const (
	Reject Verdict = iota
	Accept
)

// String returns "ACCEPT" or "REJECT".
func (v Verdict) String() string { return pick(v == Accept, "ACCEPT", "REJECT") }

// DropReason classifies why a flow was dropped; its String is a stable
// code services can put in sim.Response.Reason.
type DropReason uint8

// Drop reasons.
const (
	NotDropped DropReason = iota
	// DropInvalidFlow: the flow itself is malformed (nil ENI, family mismatch).
	DropInvalidFlow
	// DropSecurityGroup: no rule of the ENI's security groups allows it.
	DropSecurityGroup
	// DropNetworkACL: a NACL rule (Hop.Rule) denied it, on the way out or back.
	DropNetworkACL
	// DropNoRoute: the route table has no route to the destination.
	DropNoRoute
	// DropBlackhole: the matching route's target was deleted.
	DropBlackhole
	// DropNoSuchAddress: no ENI holds the destination address.
	DropNoSuchAddress
	// DropNoPublicAddress: traffic to an IGW from an ENI without a public IPv4.
	DropNoPublicAddress
	// DropNoInternetGateway: traffic from the internet to a VPC without an IGW.
	DropNoInternetGateway
	// DropNotTransitive: peering or a NAT gateway asked to forward beyond its edge.
	DropNotTransitive
	// DropNatInbound: a connection opened towards a NAT gateway (outbound only).
	DropNatInbound
	// DropPrivateNatToInternet: a private NAT gateway's traffic sent to an IGW.
	DropPrivateNatToInternet
	// DropSourceDestCheck: an appliance ENI with source/destination check on.
	DropSourceDestCheck
	// DropRoutingLoop: appliances forwarded the flow too many times.
	DropRoutingLoop
	// DropNoReturnRoute: the reply finds no route back the way it came.
	DropNoReturnRoute
)

var dropNames = [...]string{"", "InvalidFlow", "SecurityGroupNoMatch", "NetworkAclDeny", "NoRoute", "Blackhole",
	"NoSuchAddress", "NoPublicAddress", "NoInternetGateway", "NotTransitive", "NatGatewayInbound",
	"PrivateNatToInternet", "SourceDestCheck", "RoutingLoop", "NoReturnRoute"}

// String returns the reason code, such as "NetworkAclDeny"; empty for NotDropped.
func (d DropReason) String() string { return dropNames[d] }

// HopKind says what a hop of a path is.
type HopKind uint8

// Hop kinds, in the order a flow meets them.
const (
	HopENI HopKind = iota + 1
	HopSecurityGroupEgress
	HopNetworkACLEgress
	HopRouteTable
	HopInternetGateway
	HopNatGateway
	HopPeeringConnection
	HopVpnGateway
	HopGatewayEndpoint
	HopAppliance
	HopNetworkACLIngress
	HopSecurityGroupIngress
	HopInterfaceEndpoint
	HopResolver
	HopInternet
	HopOnPremises
)

var hopNames = [...]string{"", "eni", "sg-out", "nacl-out", "route", "igw", "nat", "peering", "vgw",
	"gateway-endpoint", "appliance", "nacl-in", "sg-in", "interface-endpoint", "resolver", "internet", "on-prem"}

// String returns the short name used in paths, such as "nacl-out".
func (k HopKind) String() string { return hopNames[k] }

// Hop is one step of a flow's path.
type Hop struct {
	// Kind says what the hop is.
	Kind HopKind
	// ID is the resource: eni-, sg- (comma-separated groups), acl-, rtb-,
	// igw-, nat-, pcx-, vgw-, vpce-.
	ID string
	// Return marks hops of the reply's path.
	Return bool
	// Allowed is false on the hop that dropped the flow.
	Allowed bool
	// Rule is the NACL rule number that decided (32767/32768: default deny).
	Rule int
	// Route is the matched destination block of a route-table hop.
	Route netip.Prefix
	// Target is the matched route's target ID ("local", igw-…).
	Target string
}

// String formats the hop as one line of a path.
func (h Hop) String() string {
	var b strings.Builder
	if h.Return {
		b.WriteString("return ")
	}
	b.WriteString(h.Kind.String())
	if h.ID != "" {
		b.WriteString(" " + h.ID)
	}
	switch h.Kind {
	case HopNetworkACLEgress, HopNetworkACLIngress:
		b.WriteString(" rule " + ruleName(h.Rule))
	case HopRouteTable:
		if h.Target != "" {
			b.WriteString(" " + h.Route.String() + " -> " + h.Target)
		} else {
			b.WriteString(" no route")
		}
	}
	if !h.Allowed {
		b.WriteString(" DENY")
	}
	return b.String()
}

func ruleName(n int) string {
	if n >= DefaultDenyRuleIPv4 {
		return "*"
	}
	return strconv.Itoa(n)
}

// Result is the answer for one flow: the verdict, why it was dropped, and
// the hops forward and back. Results may be shared by the cache: treat
// them as read-only.
type Result struct {
	// Verdict is Accept when both the request and the reply get through.
	Verdict Verdict
	// Drop classifies the drop; NotDropped when accepted.
	Drop DropReason
	// Reason explains a drop in words, naming the resource and rule.
	Reason string
	// OnReturn is true when the reply, not the request, was dropped.
	OnReturn bool
	// Path lists the hops, forward then return.
	Path []Hop
	// Latency is the one-way delay the VPC adds to a packet, excluding
	// transmission time (see Crossing).
	Latency time.Duration

	bps      float64 // bottleneck bandwidth, bits/s; 0 = unlimited
	fwd, ret []rate
	nat      *NatGateway
}

// rate is one per-GB charge a crossing incurs.
type rate struct {
	resource, usageType string
	perGB               float64
	acc                 int
}

// String formats the verdict, the reason of a drop, and the path, one hop a line.
func (r *Result) String() string {
	var b strings.Builder
	b.WriteString(r.Verdict.String())
	if r.Verdict == Reject {
		b.WriteString(" " + r.Drop.String() + ": " + r.Reason)
	}
	for _, h := range r.Path {
		b.WriteString("\n  " + h.String())
	}
	return b.String()
}
