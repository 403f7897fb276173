// Package vpc models Amazon VPC networking and answers, for any flow,
// whether it gets through, by which hops, how long it takes and what it
// costs.
//
// # What it models
//
//   - A Network holds every VPC of one simulated account, plus what spans
//     VPCs: peering connections, Elastic IPs, the public address pool and
//     the AWS-managed prefix lists of S3 and DynamoDB.
//   - VPCs with a primary and up to four secondary IPv4 blocks (/16 to /28,
//     AWS's restrictions on mixing RFC 1918 ranges) and an optional
//     Amazon-provided IPv6 /56; subnets in the region's AZs (checked with
//     geo), inside the VPC, not overlapping, with AWS's five reserved
//     addresses (network, router, DNS, future use, broadcast).
//   - Deterministic address allocation: the lowest free address first, so
//     a /24 holds 251 addresses and the 252nd fails with ErrAddressExhausted.
//   - ENIs with primary and secondary private addresses, IPv6 addresses,
//     security groups, auto-assigned public IPv4 addresses and Elastic IPs.
//   - Route tables (main and custom, associations, the local routes,
//     longest-prefix match, static over prefix-list at equal length) with
//     targets: internet gateway, NAT gateway, peering connection, VPN
//     gateway, gateway endpoint (prefix list), an ENI appliance; a route
//     whose target is gone is a blackhole.
//   - NAT gateways (public or private, per AZ, EIPs, the 55,000 connections
//     per address and destination, the 350 s idle timeout, hourly and
//     per-GB billing); interface endpoints (one ENI per AZ, regional, zonal
//     and private DNS names, hourly per AZ and per-GB billing); gateway
//     endpoints (free).
//   - Security groups (stateful, allow-only, CIDR, group and prefix-list
//     rules, AWS's default group and new-group defaults) and network ACLs
//     (stateless, numbered, first match, default allow-all and custom
//     deny-all, default-deny rule 32767/32768).
//
// # The data plane
//
// Network.Evaluate follows a Flow (the first packet of a 5-tuple
// connection from an ENI, the internet or an on-premises range) hop by
// hop, then checks the reply: security groups let it back, while every
// NACL the request crossed must allow the reply on its ephemeral port, and
// replies leaving for the internet, a peer or on-premises need a route
// back through the same gateway. A drop names its cause: the route table
// without a route, the NACL and rule number, the security groups with no
// matching rule. Verdicts are cached per flow until any configuration
// changes.
//
// Network.Crossing is the call other services make per request (elb to
// its targets, ec2 to s3): the verdict, the one-way latency each way
// (fixed delays plus transmission at a NAT gateway's or endpoint's
// bandwidth) and the cost; the bytes are recorded and reach the Biller at
// Network.Settle, with the hourly charges.
//
// NatGateway.OpenConnection returns a NatConnection that holds a source
// port until Close or until it carries no packet (Touch) for
// Limits.NatIdleTimeout, 350 s: then the gateway expires it, counts it in
// IdleTimeoutCount and answers its next packet with a TCP RST
// (ErrConnectionReset), so clients need keepalives under 350 s. Expiry is
// lazy and timer-free: each gateway keeps its connections in order of last
// activity and expires from the front whenever it is used or its metrics
// are read. Connections and Crossing are independent: connections account
// for ports, Crossing for bytes, latency and cost.
//
// For ec2, *Subnet offers ID, AZ, AllocateIP and ReleaseIP (each address
// is an ENI in the default security group, reachable by Evaluate and
// reconfigurable through VPC.InterfaceAt); for route53,
// VPC.ResolverAddr (base + 2), VPC.ID, VPC.Region and
// VPC.PrivateDNSEntries; for elb, VPC.SubnetsInAZ, Subnet.IsPublic and
// LoadBalancerFirewall (elb's Firewall: scheme, SGs, NACLs and routes of
// the nodes' ENIs).
//
// # What it leaves out, and assumptions
//
// Transit gateways, GWLB endpoints, egress-only IGWs, VGW route
// propagation, prefix-list routes with overlapping lists, SG rule counting
// by prefix-list weight, ICMP type/code matching, endpoint policies, NAT
// bandwidth scaling and secondary-address connection draining, and DNS
// itself (route53's job) are not modelled. AWS gives the NAT idle timeout
// without naming a protocol and the RST for TCP; the model applies 350 s
// to UDP and ICMP too (an assumption) and reports their expiry with the
// same ErrConnectionReset, standing for the lost mapping. Resources are
// available at once (no "pending" state, except peering requests, which
// wait for Accept and expire after 7 days).
// All latencies (Latency) are assumptions; AWS documents none. Prices
// (Prices) are us-east-1 list prices; a GB is 2^30 bytes. Internet egress
// is charged at its first tier to the sender; traffic to a same-region
// service prefix list is not. Traffic to another public address of the
// network is not charged the regional public-IP rate ([verify]). Gateway
// endpoint prefix lists hold representative, not complete, CIDRs.
package vpc
