// Package ec2 models Amazon EC2 compute in virtual time: instance types,
// launches into subnets, the instance lifecycle, the serving model of an
// instance, burstable CPU credits, purchase options, metrics and billing.
//
// # Instances
//
// EC2.Launch places an instance in a Subnet (its AZ and a private address;
// vpc subnets satisfy the interface, BasicSubnet stands in without a VPC
// model) and walks it through pending → running → (stopping → stopped →
// pending …) → shutting-down → terminated. Pending lasts Config.PendingTime
// and the application then boots for Config.BootTime before it answers;
// both default to third-party measurements (15–20 s and 20–60 s), since AWS
// publishes no figure. Hibernation keeps memory: it is billed while
// stopping, resumes after Config.ResumeTime and skips the application
// warm-up. Stop/start keeps the private IP and changes the public one.
// Subscribers (EC2.Subscribe) see EventBridge-style state changes, status
// changes, spot interruption warnings and rebalance recommendations. As in
// DescribeInstances, a terminated instance stays listed (EC2.Instances,
// EC2.Instance) for Config.TerminatedVisibility, about an hour, and is then
// forgotten, so long runs with churn keep only the live and recently
// terminated instances; EC2.Launches counts every launch.
//
// # Serving model
//
// An Instance is a sim.Handler. A request's Work is CPU time on a reference
// vCPU; the instance serves requests first-come first-served on its vCPUs
// from one queue (an M/G/c station), or by processor sharing. A queue bound
// and a connection bound turn excess arrivals into failures with a Reason.
// Service speed is divided by an impairment factor, by memory pressure
// (off by default) and, for standard-mode T instances out of credits,
// multiplied by the baseline. Application warm-up multiplies the work of
// requests started right after boot. The tests check the model against
// Erlang C (M/M/c), ln(100)/(μ−λ) for the M/M/1 p99 and
// Pollaczek–Khinchine (M/D/1).
//
// # Credits, billing and metrics
//
// T instances earn CreditsPerHour continuously up to 24 hours' worth and
// spend one credit per vCPU-minute of CPU time. Standard mode throttles to
// the baseline when the balance is empty; unlimited mode (the T3/T4g
// default) runs on surplus credits, billed at Config.SurplusCreditRate when
// the instance stops or terminates, or when the surplus passes the 24-hour
// cap. Running time is billed per second with a 60-second minimum per
// running period, at the on-demand price, the spot price, or the on-demand
// price with a dedicated premium and a reserved/savings-plan discount.
// Dedicated Hosts (AllocateHost) are billed per second while allocated and
// hold instances of their family up to their vCPU capacity; those instances
// are not billed themselves.
// Auto-assigned public IPv4 addresses are billed by the hour. Metrics go to
// CloudWatch in the AWS/EC2 namespace with dimension InstanceId (plus any
// set added with AddMetricDimensions, such as AutoScalingGroupName), as
// 5-minute (basic) or 1-minute (detailed) statistic sets of one-minute
// samples.
//
// # Assumptions and what is left out
//
//   - The spot price process (mean-reverting around a discount from
//     on-demand) and the interruption rate are assumptions; AWS publishes
//     neither. The dedicated-tenancy premium is a flat factor.
//   - Network bandwidth, EBS, placement groups and account capacity limits
//     are not modelled; instance network figures are informational. A
//     Dedicated Host's capacity is counted in vCPUs, not sockets and slots.
//   - A spot instance stopped or hibernated by an interruption stays
//     stopped until Start; AWS restarts it when capacity returns.
//   - All vCPUs of the catalog have speed 1: relative speeds across
//     families depend on the workload, so set InstanceType.Speed.
//   - A failed instance answers at once with a failure instead of timing
//     out; callers that model timeouts (load balancers) add their own.
package ec2
