package vpc_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
	"github.com/nimbus-sim/nimbus/vpc"
)

// A public web subnet behind an internet gateway, a private app subnet
// reaching the internet through a NAT gateway, and the answers for three
// flows.
func Example() {
	n, _ := vpc.New(sim.New(sim.Config{Seed: 1}), vpc.Config{})
	v, _ := n.CreateVPC(vpc.VPCConfig{Name: "shop", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	web, _ := v.CreateSubnet(vpc.SubnetConfig{Name: "web", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/24"})
	app, _ := v.CreateSubnet(vpc.SubnetConfig{Name: "app", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.2.0/24"})
	igw, _ := v.AttachInternetGateway()
	public, _ := v.CreateRouteTable("public")
	_ = public.CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: igw})
	_ = public.Associate(web)
	eip, _ := n.AllocateAddress("us-east-1")
	nat, _ := v.CreateNatGateway(vpc.NatGatewayConfig{Name: "nat", Subnet: web, ElasticIP: eip})
	_ = v.MainRouteTable().CreateRoute(vpc.RouteConfig{DestinationCidrBlock: "0.0.0.0/0", Target: nat})

	sg, _ := v.CreateSecurityGroup("web", "HTTPS from anywhere")
	_ = sg.AuthorizeIngress(vpc.SecurityGroupRule{IpProtocol: vpc.ProtocolTCP, PortRange: vpc.Port(443), CidrIp: "0.0.0.0/0"})
	server, _ := web.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "web", SecurityGroups: []*vpc.SecurityGroup{sg}, AssociatePublicIpAddress: true})
	worker, _ := app.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "worker"})

	client := netip.MustParseAddr("198.51.100.7")
	public4, _ := server.PublicIP()
	for _, f := range []vpc.Flow{
		{Src: vpc.FromInternet(client), Dst: public4, Protocol: vpc.ProtocolTCP, SrcPort: 50000, DstPort: 443},
		{Src: vpc.FromInternet(client), Dst: public4, Protocol: vpc.ProtocolTCP, SrcPort: 50000, DstPort: 22},
		{Src: vpc.FromENI(worker), Dst: client, Protocol: vpc.ProtocolTCP, SrcPort: 40000, DstPort: 443},
	} {
		r := n.Evaluate(f)
		if r.Verdict == vpc.Accept {
			fmt.Printf("to port %d: %s\n", f.DstPort, r.Verdict)
		} else {
			fmt.Printf("to port %d: %s %s\n", f.DstPort, r.Verdict, r.Drop)
		}
	}
	c := n.Crossing(vpc.Flow{Src: vpc.FromENI(worker), Dst: client, Protocol: vpc.ProtocolTCP, SrcPort: 40001, DstPort: 443}, 0, vpc.BytesPerGB)
	fmt.Printf("1 GB download through the NAT gateway: $%.3f\n", c.Cost)
	fmt.Println("usable addresses in a /24:", web.AvailableIpAddressCount()+2) // the NAT and the web server hold two
	// Output:
	// to port 443: ACCEPT
	// to port 22: REJECT SecurityGroupNoMatch
	// to port 443: ACCEPT
	// 1 GB download through the NAT gateway: $0.045
	// usable addresses in a /24: 251
}

// A custom network ACL that allows a request but not its reply: the path
// shows the request reaching the server and the reply dropped by the
// default-deny rule (*), on the client's ephemeral port.
func ExampleNetwork_Evaluate() {
	n, _ := vpc.New(sim.New(sim.Config{Seed: 7}), vpc.Config{})
	v, _ := n.CreateVPC(vpc.VPCConfig{Name: "lab", Region: "eu-west-1", CidrBlock: "10.0.0.0/16"})
	a, _ := v.CreateSubnet(vpc.SubnetConfig{Name: "a", AvailabilityZone: "eu-west-1a", CidrBlock: "10.0.1.0/24"})
	b, _ := v.CreateSubnet(vpc.SubnetConfig{Name: "b", AvailabilityZone: "eu-west-1b", CidrBlock: "10.0.2.0/24"})
	client, _ := a.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "client"})
	server, _ := b.CreateNetworkInterface(vpc.NetworkInterfaceConfig{Description: "server"})
	acl, _ := v.CreateNetworkACL("b")
	_ = acl.AddEntry(vpc.NetworkACLEntry{RuleNumber: 100, Protocol: vpc.ProtocolTCP, RuleAction: vpc.Allow, CidrBlock: "10.0.1.0/24", PortRange: vpc.Port(5432)})
	_ = acl.Associate(b)

	r := n.Evaluate(vpc.Flow{Src: vpc.FromENI(client), Dst: server.PrivateIP(), Protocol: vpc.ProtocolTCP, SrcPort: 40000, DstPort: 5432})
	fmt.Println(r.Verdict, r.Drop, "on return:", r.OnReturn)
	for _, h := range r.Path {
		fmt.Println(h.Return, h.Kind, h.Allowed, h.Rule)
	}
	// Output:
	// REJECT NetworkAclDeny on return: true
	// false eni true 0
	// false sg-out true 0
	// false nacl-out true 100
	// false route true 0
	// false nacl-in true 100
	// false sg-in true 0
	// false eni true 0
	// true nacl-out false 32767
}

// A client that opens a connection through a NAT gateway and goes quiet
// for 350 s gets a reset on its next packet; one that sends a keepalive
// every 300 s keeps its connection.
func ExampleNatGateway_OpenConnection() {
	s := sim.New(sim.Config{Seed: 1})
	n, _ := vpc.New(s, vpc.Config{})
	v, _ := n.CreateVPC(vpc.VPCConfig{Name: "shop", Region: "us-east-1", CidrBlock: "10.0.0.0/16"})
	web, _ := v.CreateSubnet(vpc.SubnetConfig{Name: "web", AvailabilityZone: "us-east-1a", CidrBlock: "10.0.1.0/24"})
	eip, _ := n.AllocateAddress("us-east-1")
	nat, _ := v.CreateNatGateway(vpc.NatGatewayConfig{Name: "nat", Subnet: web, ElasticIP: eip})

	api := netip.MustParseAddr("198.51.100.7")
	quiet, _ := nat.OpenConnection(api, 443, vpc.ProtocolTCP)
	chatty, _ := nat.OpenConnection(api, 443, vpc.ProtocolTCP)
	for range 4 {
		s.RunFor(300 * time.Second)
		_ = chatty.Touch()
	}
	fmt.Println("quiet reset:", errors.Is(quiet.Touch(), vpc.ErrConnectionReset))
	fmt.Println("chatty alive:", chatty.Touch() == nil)
	fmt.Println("active:", nat.ActiveConnectionCount(), "idle timeouts:", nat.IdleTimeoutCount())
	// Output:
	// quiet reset: true
	// chatty alive: true
	// active: 1 idle timeouts: 1
}
