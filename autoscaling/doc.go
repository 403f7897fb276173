// Package autoscaling models Amazon EC2 Auto Scaling in virtual time: groups
// with min/max/desired capacity, launch templates with immutable versions,
// AZ balance and rebalancing, EC2 and ELB health replacement, lifecycle
// hooks, termination policies, scale-in protection, instance refresh,
// maximum instance lifetime, mixed-instances groups with Spot capacity
// rebalancing, and the scaling policies: manual, simple (with the group
// cooldown), step, target tracking, scheduled and predictive.
//
// # Instance lifecycle
//
// A launch goes Pending → (Pending:Wait → Pending:Proceed with launch hooks)
// → registered with the group's target groups → InService, as soon as EC2
// reports the instance running. Health checks (EC2 status checks, and the
// target groups' health with HealthCheckType ELB) start after
// HealthCheckGracePeriod; an instance that stops or terminates outside the
// group is replaced at once. Scale-in deregisters the instance (its
// activity waits for connection draining), runs terminate hooks, then
// terminates it. Each launch and termination is an Activity with AWS's
// cause wording (DescribeScalingActivities).
//
// # Scaling
//
// Target tracking creates the two alarms AWS creates: AlarmHigh (metric >
// target for 3 of 3 one-minute datapoints) and AlarmLow (metric <
// LowThresholdRatio × target for 15 of 15). CloudWatch invokes the policy
// when an alarm enters ALARM and every minute after, so with CloudWatch's
// publication delay a load step is acted on about 3 minutes plus the delay
// later, and scale-in about 15 minutes after load falls. The new capacity
// is ceil(metric × n / target), n being the instances the metric covers:
// with DefaultInstanceWarmup, instances join the group's aggregated EC2
// metrics only when their warm-up ends, and warming instances still count
// toward desired, so repeated alarms during warm-up do not add more.
// Scale-in waits until no instance is warming and every scale-in-enabled
// target-tracking policy agrees. Step policies pick their step from the
// alarm's newest datapoint relative to its threshold. Both kinds leave
// warming instances out of the current capacity when scaling out and count
// terminating ones in it when scaling in, so an alarm repeated while
// victims drain removes no more. Simple policies wait for their activity,
// or a health-check replacement, to finish and then for the cooldown
// (which starts when the last instance finishes launching, or finishes
// draining and terminating). Scheduled
// actions use 5-field cron expressions (github.com/robfig/cron/v3) in any
// IANA time zone. Predictive scaling fits a level, a linear trend and an
// hour-of-day profile (hour-of-week from two weeks of history) to up to 14
// days of hourly load with gonum, forecasts 48 hours every 6 hours and,
// in ForecastAndScale mode, raises desired capacity SchedulingBufferTime
// before each hour; it never scales in, and its forecast holds as a floor
// for target tracking's scale-in during the hour.
//
// # AZ failure and rebalancing
//
// When an instance fails its system status check the group marks the AZ
// impaired for Config.AZRetryInterval and launches replacements in the
// other AZs. Once the AZ is usable again the group rebalances one instance
// at a time, launching in the emptiest AZ first and terminating from the
// fullest when the new instance is healthy, exceeding MaxSize by at most
// max(1, 10%) meanwhile. Capacity rebalancing, maximum instance lifetime
// and instance refresh also replace instances; the first two launch before
// terminating, instance refresh terminates then launches in batches that
// keep MinHealthyPercentage of desired capacity in service.
//
// # Warm pools
//
// PutWarmPool keeps max(MinSize, MaxGroupPreparedCapacity or MaxSize −
// desired) pre-launched instances Stopped, Running or Hibernated; a
// scale-out starts them first (a warm start) and ReuseOnScaleIn sends
// scaled-in instances back. In nimbus's EC2 model a stopped instance boots
// again on start, so only Running and Hibernated pools save boot time.
//
// # Assumptions and what is left out
//
//   - The health-check interval (10 s), the grace for impaired status
//     checks (2 min), the AZ retry interval (5 min) and the low alarm's
//     threshold ratio (0.9) are knobs in Config; AWS publishes none.
//   - The exact target-tracking capacity formula is not published; nimbus
//     uses ceil(metric × n / target) both ways, which matches AWS's
//     documented rounding (add 1.5 → 2, remove 1.5 → 1).
//   - Scheduled actions run exactly on time (AWS: up to 2 minutes late).
//   - Instances failing status or ELB checks are replaced 10% of desired
//     (at least one) at a time, each batch waiting until the previous
//     replacements leave Pending (AWS also waits for their health checks and
//     warm-up). Standby, detach, launch configurations, instance weights, the
//     instance maintenance policy and warm-pool lifecycle hooks are not
//     modelled.
//   - Spot allocation strategies have no capacity model: price strategies
//     take the cheapest current spot price, capacity strategies the first
//     override.
package autoscaling
