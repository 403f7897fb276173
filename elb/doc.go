// Package elb models Elastic Load Balancing: Application (ALB), Network
// (NLB), Gateway (GWLB) and Classic (CLB) load balancers, their listeners
// and rules, target groups with routing algorithms, health checks,
// stickiness, slow start, cross-zone balancing and deregistration draining,
// the CloudWatch metrics they publish and their LCU billing.
//
// # Shape
//
// A LoadBalancer is a sim.Handler: clients send requests to it. It has one
// node per enabled Availability Zone; a client reaches one node, as DNS
// round robin over the node addresses would give it (a hash of the client),
// skipping zones that DNS failover has removed. The node matches a listener
// by the request's destination port, evaluates the listener's rules by
// priority (ALB), and forwards to a target group, which picks a Target with
// its routing algorithm. Targets are anything with an ID, an Availability
// Zone and a Serve method: *ec2.Instance satisfies Target, and HandlerTarget
// wraps any sim.Handler (an IP target, a Lambda-like function, another load
// balancer).
//
// # Health checks
//
// As in AWS, each node checks every registered target of the groups its
// listeners forward to, every Interval, with its own consecutive-result
// counters and its own verdict, and routes only to the targets it sees
// healthy; a node that sees fewer than MinimumHealthyTargets healthy fails
// open on its own. A target thus gets nodes / Interval checks, and each
// node notices a failure at its UnhealthyThreshold-th failed check on its
// own schedule, within UnhealthyThreshold × Interval of the failure. Slow
// start runs per node, and NLB/GWLB DNS failover asks each node about the
// targets in its own zone. TargetGroup.NodeHealth shows one node's view. A
// group with no load balancer has no nodes: its targets are unused
// (Target.NotInUse) until a listener forwards to it.
//
// # Errors as AWS answers
//
// No registered target gives 503, a target that drops the request or
// refuses the connection gives 502, a target that does not answer within
// the idle timeout gives 504; these count as HTTPCode_ELB_5XX, while the
// target's own answers count as HTTPCode_Target_xXX.
//
// # Assumptions (knobs, not AWS figures)
//
//   - NodeLatency (the time a node adds to a request) and CrossAZLatency are
//     not published by AWS: defaults are 1 ms for ALB/CLB, 100 µs for
//     NLB/GWLB and 250 µs per cross-zone crossing.
//   - Anomaly mitigation for weighted_random halves an anomalous target's
//     weight each minute down to 5% and doubles it back after recovery; AWS
//     publishes no rates. A target is anomalous when its error ratio over the
//     last minute exceeds twice its peers' and 5%.
//   - CLB routes HTTP/HTTPS listeners by least outstanding requests and TCP
//     listeners by round robin, as the ELB user guide describes.
//   - Node i of n first checks a target i × Interval / n after registration
//     (or after the group is attached): the nodes' checks are spread evenly
//     over the interval, deterministically, drawing no random numbers. AWS
//     does not publish the nodes' phases.
//   - DescribeTargetHealth (Health, TargetHealth, HealthyCount, Watch)
//     reports the state a strict majority of nodes hold (both of two); while
//     they are split it keeps the last one. AWS says only that NLB health
//     is decided by consensus.
//   - Each node publishes HealthyHostCount and UnHealthyHostCount, with and
//     without its AvailabilityZone, for the targets it routes to (all of
//     them with cross-zone, its zone's otherwise), so Minimum and Maximum
//     are over nodes as in AWS; which targets a node counts is not
//     documented for ALB/NLB and follows the CLB description.
//
// # Left out
//
// TLS certificates and SNI, authentication actions, HTTP/2 multiplexing,
// WebSockets, Lambda multi-value headers, PrivateLink endpoint services.
package elb
