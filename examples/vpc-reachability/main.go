// Command vpc-reachability builds a two-tier VPC — a public web subnet
// behind an internet gateway and a private app subnet that reaches the
// internet through a NAT gateway — with a network ACL mistake on the app
// subnet. It prints which flows get through and why the others do not,
// fixes the mistake, and prints the table again.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"text/tabwriter"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
)

func main() {
	seed := flag.Uint64("seed", 42, "root random seed (resource IDs derive from it)")
	flag.Parse()
	if err := run(os.Stdout, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "vpc-reachability:", err)
		os.Exit(2)
	}
}

// shop is the two-tier architecture.
type shop struct {
	n        *vpc.Network
	v        *vpc.VPC
	web, app *vpc.NetworkInterface
	appACL   *vpc.NetworkACL
	natIP    netip.Addr
}

// build wires the VPC. The app subnet's NACL allows what the app must
// receive (8080 from the web tier) and send (HTTPS out), written as if it
// were a security group: nothing lets the replies through.
func build(seed uint64) (*shop, error) {
	n, err := vpc.New(sim.New(sim.Config{Seed: seed}), vpc.Config{})
	if err != nil {
		return nil, err
	}
	v, err := n.CreateVPC(vpc.VPCConfig{Name: "shop", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	if err != nil {
		return nil, err
	}
	pub, err := v.CreateSubnet(vpc.SubnetConfig{Name: "web", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/24"})
	if err != nil {
		return nil, err
	}
	priv, err := v.CreateSubnet(vpc.SubnetConfig{Name: "app", AvailabilityZone: "us-east-1b", CidrBlock: "10.0.2.0/24"})
	if err != nil {
		return nil, err
	}
	igw, err := v.AttachInternetGateway()
	if err != nil {
		return nil, err
	}
	public, err := v.CreateRouteTable("public")
	if err != nil {
		return nil, err
	}
	if err := public.CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw}); err != nil {
		return nil, err
	}
	if err := public.Associate(pub); err != nil {
		return nil, err
	}
	natEIP, err := n.AllocateAddress("us-east-1")
	if err != nil {
		return nil, err
	}
	nat, err := v.CreateNatGateway(vpc.NatGatewayConfig{Name: "nat-a", Subnet: pub, ElasticIP: natEIP})
	if err != nil {
		return nil, err
	}
	// The main table serves the app subnet: everything else via the NAT.
	if err := v.MainRouteTable().CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: nat}); err != nil {
		return nil, err
	}

	webSG, err := v.CreateSecurityGroup("web", "HTTPS from anywhere")
	if err != nil {
		return nil, err
	}
	if err := webSG.AuthorizeIngress(vpc.SecurityGroupRule{IpProtocol: vpc.ProtocolTCP, PortRange: vpc.Port(443), CidrIp: "0.0.0.0/0"}); err != nil {
		return nil, err
	}
	appSG, err := v.CreateSecurityGroup("app", "8080 from the web tier")
	if err != nil {
		return nil, err
	}
	if err := appSG.AuthorizeIngress(vpc.SecurityGroupRule{IpProtocol: vpc.ProtocolTCP, PortRange: vpc.Port(8080), ReferencedGroup: webSG}); err != nil {
		return nil, err
	}
	web, err := pub.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "web", SecurityGroups: []*vpc.SecurityGroup{webSG}, AssociatePublicIpAddress: true})
	if err != nil {
		return nil, err
	}
	app, err := priv.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "app", SecurityGroups: []*vpc.SecurityGroup{appSG}})
	if err != nil {
		return nil, err
	}

	acl, err := v.CreateNetworkACL("app")
	if err != nil {
		return nil, err
	}
	for _, e := range []vpc.NetworkACLEntry{
		{RuleNumber: 100, Protocol: vpc.ProtocolTCP, RuleAction: vpc.Allow, CidrBlock: "10.0.1.0/24", PortRange: vpc.Port(8080)},
		{RuleNumber: 100, Egress: true, Protocol: vpc.ProtocolTCP, RuleAction: vpc.Allow, CidrBlock: "0.0.0.0/0", PortRange: vpc.Port(443)},
	} {
		if err := acl.AddEntry(e); err != nil {
			return nil, err
		}
	}
	if err := acl.Associate(priv); err != nil {
		return nil, err
	}
	return &shop{n: n, v: v, web: web, app: app, appACL: acl, natIP: natEIP.Addr()}, nil
}

// fix adds the two rules the replies need. NACLs are stateless: a reply
// is a new packet whose destination port is the client's ephemeral port.
// The web tier (Linux) and the internet servers answering the NAT gateway
// use ports in 1024-65535, the range AWS recommends opening.
func (s *shop) fix() error {
	if err := s.appACL.AddEntry(vpc.NetworkACLEntry{RuleNumber: 200, Egress: true, Protocol: vpc.ProtocolTCP, RuleAction: vpc.Allow,
		CidrBlock: "10.0.1.0/24", PortRange: vpc.PortRange{From: 1024, To: 65535}}); err != nil {
		return err
	}
	return s.appACL.AddEntry(vpc.NetworkACLEntry{RuleNumber: 200, Protocol: vpc.ProtocolTCP, RuleAction: vpc.Allow,
		CidrBlock: "0.0.0.0/0", PortRange: vpc.PortRange{From: 1024, To: 65535}})
}

// flow is one row of the table.
type flow struct {
	name string
	f    vpc.Flow
}

func (s *shop) flows() []flow {
	client := netip.MustParseAddr("198.51.100.7")
	webIP, _ := s.web.PublicIP()
	tcp := func(src vpc.Source, dst netip.Addr, sport, dport uint16) vpc.Flow {
		return vpc.Flow{Src: src, Dst: dst, Protocol: vpc.ProtocolTCP, SrcPort: sport, DstPort: dport}
	}
	return []flow{
		{"client -> web :443", tcp(vpc.FromInternet(client), webIP, 51000, 443)},
		{"client -> web :22", tcp(vpc.FromInternet(client), webIP, 51000, 22)},
		{"web -> app :8080", tcp(vpc.FromENI(s.web), s.app.PrivateIP(), 40000, 8080)},
		{"web -> app :22", tcp(vpc.FromENI(s.web), s.app.PrivateIP(), 40000, 22)},
		{"app -> internet :443", tcp(vpc.FromENI(s.app), client, 40000, 443)},
		{"client -> NAT :8080", tcp(vpc.FromInternet(client), s.natIP, 51000, 8080)},
	}
}

// table prints one line per flow: the verdict, where it was decided, the
// one-way latency of a 1 MiB request and the cost of 1 MiB each way (USD),
// or the drop reason.
func (s *shop) table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tVERDICT\tLATENCY\tCOST (1 MiB EACH WAY)\tWHY")
	for _, fl := range s.flows() {
		c := s.n.Crossing(fl.f, 1<<20, 1<<20)
		if c.Verdict == vpc.Accept {
			fmt.Fprintf(tw, "%s\t%s\t%s\t$%.6f\t%d hops there and back\n", fl.name, c.Verdict, c.Latency, c.Cost, len(c.Result.Path))
			continue
		}
		where := "request"
		if c.Result.OnReturn {
			where = "reply"
		}
		fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s (%s): %s\n", fl.name, c.Verdict, c.Drop, where, c.Reason)
	}
	return tw.Flush()
}

func run(w io.Writer, seed uint64) error {
	s, err := build(seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "VPC %s %s: web subnet public (IGW), app subnet private (NAT gateway); app NACL %s\n\n", s.v.ID(), s.v.PrimaryCIDR(), s.appACL.ID())
	fmt.Fprintln(w, "Before: the app NACL allows 8080 in and 443 out, and nothing for the replies")
	if err := s.table(w); err != nil {
		return err
	}
	if err := s.fix(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nAfter: rule 200 allows TCP 1024-65535 out to the web subnet and in from anywhere")
	if err := s.table(w); err != nil {
		return err
	}
	r := s.n.Evaluate(s.flows()[2].f)
	fmt.Fprintf(w, "\nPath of web -> app :8080 after the fix:\n%s\n", r)
	return nil
}
