package ec2

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
	"github.com/nimbus-sim/nimbus/sim"
)

// Sentinel errors, wrapped by the errors nimbus returns.
var (
	// ErrInvalidConfig reports a configuration or launch field out of range.
	ErrInvalidConfig = errors.New("ec2: invalid configuration")
	// ErrUnknownInstanceType reports a type the catalog does not hold
	// (AWS: InvalidParameterValue).
	ErrUnknownInstanceType = errors.New("ec2: unknown instance type")
	// ErrInsufficientAddresses reports a subnet (or the public pool) with no
	// free address (AWS: InsufficientFreeAddressesInSubnet).
	ErrInsufficientAddresses = errors.New("ec2: insufficient free addresses")
	// ErrIncorrectState reports an action the instance's state does not
	// allow, such as starting a running instance (AWS: IncorrectInstanceState).
	ErrIncorrectState = errors.New("ec2: incorrect instance state")
	// ErrInsufficientHostCapacity reports a Dedicated Host without room for
	// another instance (AWS: InsufficientHostCapacity).
	ErrInsufficientHostCapacity = errors.New("ec2: insufficient host capacity")
)

// Subnet is where an instance is placed: an AZ and a pool of private
// addresses. *vpc.Subnet satisfies it (and then public IPs are the VPC's
// own, reachable in its flow evaluation and billed by it); BasicSubnet is a
// stand-in for runs without a VPC model.
type Subnet interface {
	// ID returns the subnet ID, such as "subnet-0abc...".
	ID() string
	// AZ returns the availability zone name, such as "us-east-1a".
	AZ() string
	// AllocateIP reserves a free private address.
	AllocateIP() (netip.Addr, error)
	// ReleaseIP returns an address to the pool.
	ReleaseIP(netip.Addr)
}

// MetricPublisher receives CloudWatch datapoints; *cloudwatch.CloudWatch
// implements it.
type MetricPublisher interface {
	Publish(namespace string, d cloudwatch.MetricDatum)
}

// Biller receives priced usage; *billing.Ledger implements it.
type Biller interface {
	Add(billing.LineItem)
}

// Delay is a distribution of durations, sampled from a stream the caller
// owns so that runs stay deterministic.
type Delay interface {
	Sample(r *rand.Rand) time.Duration
}

// Constant is a Delay that is always the same duration.
type Constant time.Duration

// Sample returns the constant.
func (c Constant) Sample(*rand.Rand) time.Duration { return time.Duration(c) }

// Uniform is a Delay uniform on [Min, Max].
type Uniform struct {
	// Min and Max bound the delay.
	Min, Max time.Duration
}

// Sample draws from [Min, Max].
func (u Uniform) Sample(r *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}

func checkDelay(d Delay, what string) error {
	switch v := d.(type) {
	case Constant:
		if v < 0 {
			return fmt.Errorf("ec2: %s: Constant %v < 0: %w", what, time.Duration(v), ErrInvalidConfig)
		}
	case Uniform:
		if v.Min < 0 || v.Max < v.Min {
			return fmt.Errorf("ec2: %s: Uniform [%v, %v] is not a range of non-negative durations: %w", what, v.Min, v.Max, ErrInvalidConfig)
		}
	}
	return nil
}

// SpotConfig shapes the spot market. AWS publishes neither the price
// process nor interruption rates per instance, so every figure here is an
// assumption to tune (the Spot Instance Advisor's frequency bands are per
// month: "<5%", "5-10%", ...).
type SpotConfig struct {
	// Discount is the long-run mean discount of the spot price from
	// on-demand, as a fraction; default 0.65 [assumption; AWS says "up to 90%"].
	Discount float64
	// Volatility is the standard deviation of the log-price step per
	// PriceInterval; default 0.05 [assumption].
	Volatility float64
	// Reversion is the fraction of the log-distance to the mean price kept
	// each step (an AR(1) coefficient in [0, 1)); default 0.9 [assumption].
	Reversion float64
	// PriceInterval is how often a market's price changes; default 1 h
	// [assumption; spot prices now move slowly].
	PriceInterval time.Duration
	// InterruptionsPerHour is the rate at which capacity reclaims interrupt
	// each running spot instance (Poisson); default 0.0001 per hour, about
	// 7% per month [assumption]. 0 keeps the default; negative disables.
	InterruptionsPerHour float64
	// RebalanceLead is how long before the interruption notice the
	// rebalance recommendation arrives (it may arrive with the notice);
	// default Uniform[0, 10 min] [assumption].
	RebalanceLead Delay
}

// Config configures the EC2 service of one region.
type Config struct {
	// Region is the region code; default "us-east-1".
	Region string
	// Catalog holds the instance types; nil means DefaultCatalog().
	Catalog *Catalog
	// Metrics receives AWS/EC2 metrics; nil publishes nothing.
	Metrics MetricPublisher
	// Billing receives line items; nil bills nothing.
	Billing Biller
	// BillingPeriod is how often running usage is written to Billing, like
	// the hourly rows of the Cost and Usage Report; default 1 h.
	BillingPeriod time.Duration

	// PendingTime is pending → running; default Uniform[15 s, 20 s]
	// (third-party measurements of current families; AWS publishes none).
	PendingTime Delay
	// BootTime is running → the application accepts requests (OS boot and
	// service start); default Uniform[20 s, 60 s] [third-party, assumption].
	BootTime Delay
	// ResumeTime replaces BootTime when resuming from hibernation, since
	// memory is restored rather than booted; default Uniform[5 s, 15 s]
	// [assumption].
	ResumeTime Delay
	// StoppingTime is stopping → stopped; default Constant(10 s) [assumption].
	StoppingTime Delay
	// HibernateTime is stopping → stopped when hibernating (RAM is written
	// to EBS, billed); default Uniform[20 s, 40 s] [assumption].
	HibernateTime Delay
	// ShuttingDownTime is shutting-down → terminated; default Constant(5 s)
	// [assumption].
	ShuttingDownTime Delay
	// TerminatedVisibility is how long a terminated instance stays listed
	// by Instances and found by Instance after it reaches terminated;
	// default DefaultTerminatedVisibility. Its bills and metrics are final
	// before then, so forgetting it changes neither.
	TerminatedVisibility time.Duration

	// PublicIPPool is where auto-assigned public IPv4 addresses come from
	// when the subnet is not a *vpc.Subnet; default 3.80.0.0/12
	// [assumption: one of us-east-1's published ranges].
	PublicIPPool netip.Prefix
	// PublicIPv4HourlyRate is the charge per public IPv4 address EC2
	// allocates, USD per hour; default 0.005 (since February 2024).
	// Negative means free.
	PublicIPv4HourlyRate float64
	// DedicatedPremium is the extra fraction dedicated tenancy adds to the
	// on-demand rate; default 0.10 [unverified; the per-region dedicated
	// fee is not modelled].
	DedicatedPremium float64
	// SurplusCreditRate is the price of unlimited-mode surplus credits,
	// USD per vCPU-hour (60 credits); default 0.05 (Linux T3, us-east-1).
	SurplusCreditRate float64
	// CreditResume is the earned-credit balance at which a throttled
	// standard-mode instance bursts again; default 0.1 credits. AWS meters
	// credits per millisecond; the hysteresis only keeps the event count
	// finite [assumption].
	CreditResume float64
	// Spot shapes the spot market.
	Spot SpotConfig
}

// DefaultTerminatedVisibility is Config.TerminatedVisibility's default: the
// TerminateInstances API reference says "terminated instances remain
// visible after termination (for approximately one hour)".
const DefaultTerminatedVisibility = time.Hour

func (c *Config) setDefaults() {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Catalog == nil {
		c.Catalog = DefaultCatalog()
	}
	if c.BillingPeriod == 0 {
		c.BillingPeriod = time.Hour
	}
	if c.TerminatedVisibility == 0 {
		c.TerminatedVisibility = DefaultTerminatedVisibility
	}
	def := func(d *Delay, v Delay) {
		if *d == nil {
			*d = v
		}
	}
	def(&c.PendingTime, Uniform{15 * time.Second, 20 * time.Second})
	def(&c.BootTime, Uniform{20 * time.Second, 60 * time.Second})
	def(&c.ResumeTime, Uniform{5 * time.Second, 15 * time.Second})
	def(&c.StoppingTime, Constant(10*time.Second))
	def(&c.HibernateTime, Uniform{20 * time.Second, 40 * time.Second})
	def(&c.ShuttingDownTime, Constant(5*time.Second))
	def(&c.Spot.RebalanceLead, Uniform{0, 10 * time.Minute})
	if !c.PublicIPPool.IsValid() {
		c.PublicIPPool = netip.MustParsePrefix("3.80.0.0/12")
	}
	if c.PublicIPv4HourlyRate == 0 {
		c.PublicIPv4HourlyRate = 0.005
	}
	if c.DedicatedPremium == 0 {
		c.DedicatedPremium = 0.10
	}
	if c.SurplusCreditRate == 0 {
		c.SurplusCreditRate = 0.05
	}
	if c.CreditResume == 0 {
		c.CreditResume = 0.1
	}
	if c.Spot.Discount == 0 {
		c.Spot.Discount = 0.65
	}
	if c.Spot.Volatility == 0 {
		c.Spot.Volatility = 0.05
	}
	if c.Spot.Reversion == 0 {
		c.Spot.Reversion = 0.9
	}
	if c.Spot.PriceInterval == 0 {
		c.Spot.PriceInterval = time.Hour
	}
	if c.Spot.InterruptionsPerHour == 0 {
		c.Spot.InterruptionsPerHour = 0.0001
	}
}

// Validate checks the configuration, zero fields standing for their
// defaults.
func (c Config) Validate() error {
	c.setDefaults()
	bad := func(field string, v any) error {
		return fmt.Errorf("ec2: config: %s %v: %w", field, v, ErrInvalidConfig)
	}
	frac := func(f float64) bool { return f >= 0 && f < 1 }
	switch {
	case c.BillingPeriod < 0:
		return bad("BillingPeriod", c.BillingPeriod)
	case c.TerminatedVisibility < 0:
		return bad("TerminatedVisibility", c.TerminatedVisibility)
	case !c.PublicIPPool.Addr().Is4():
		return bad("PublicIPPool", c.PublicIPPool)
	case math.IsNaN(c.PublicIPv4HourlyRate):
		return bad("PublicIPv4HourlyRate", c.PublicIPv4HourlyRate)
	case c.DedicatedPremium < 0 || math.IsNaN(c.DedicatedPremium):
		return bad("DedicatedPremium", c.DedicatedPremium)
	case c.SurplusCreditRate < 0 || math.IsNaN(c.SurplusCreditRate):
		return bad("SurplusCreditRate", c.SurplusCreditRate)
	case !(c.CreditResume > 0):
		return bad("CreditResume", c.CreditResume)
	case !frac(c.Spot.Discount):
		return bad("Spot.Discount", c.Spot.Discount)
	case !(c.Spot.Volatility >= 0):
		return bad("Spot.Volatility", c.Spot.Volatility)
	case !frac(c.Spot.Reversion):
		return bad("Spot.Reversion", c.Spot.Reversion)
	case c.Spot.PriceInterval < time.Second:
		return bad("Spot.PriceInterval", c.Spot.PriceInterval)
	case math.IsNaN(c.Spot.InterruptionsPerHour):
		return bad("Spot.InterruptionsPerHour", c.Spot.InterruptionsPerHour)
	}
	for _, d := range []struct {
		d    Delay
		name string
	}{{c.PendingTime, "PendingTime"}, {c.BootTime, "BootTime"}, {c.ResumeTime, "ResumeTime"},
		{c.StoppingTime, "StoppingTime"}, {c.HibernateTime, "HibernateTime"},
		{c.ShuttingDownTime, "ShuttingDownTime"}, {c.Spot.RebalanceLead, "Spot.RebalanceLead"}} {
		if err := checkDelay(d.d, "config: "+d.name); err != nil {
			return err
		}
	}
	return nil
}

// Market is how an instance is bought.
type Market string

// Purchase options. Reserved Instances and Savings Plans are discounts on
// on-demand usage: launch OnDemand and set LaunchSpec.Discount.
const (
	MarketOnDemand Market = "on-demand"
	MarketSpot     Market = "spot"
)

// Tenancy is where an instance's hardware is shared.
type Tenancy string

// Tenancies.
const (
	TenancyDefault   Tenancy = "default"
	TenancyDedicated Tenancy = "dedicated"
)

// InterruptionBehavior is what a spot interruption does.
type InterruptionBehavior string

// Spot interruption behaviours.
const (
	InterruptTerminate InterruptionBehavior = "terminate"
	InterruptStop      InterruptionBehavior = "stop"
	InterruptHibernate InterruptionBehavior = "hibernate"
)

// Discipline is how an instance shares its vCPUs among requests.
type Discipline string

// Serving disciplines.
const (
	// FCFS serves requests in arrival order, one per vCPU; the rest wait in
	// one queue (an M/G/c station).
	FCFS Discipline = "fcfs"
	// ProcessorSharing serves every request at once, each at rate
	// min(1, vCPUs/n) of a vCPU (an M/G/c-PS station), like a threaded
	// server under an OS scheduler.
	ProcessorSharing Discipline = "ps"
)

// ServerConfig is the application's serving model on an instance.
type ServerConfig struct {
	// Discipline is FCFS (default) or ProcessorSharing.
	Discipline Discipline
	// MaxQueue bounds the requests waiting for a vCPU (FCFS only); beyond
	// it arrivals fail with ReasonQueueFull. 0 means unbounded.
	MaxQueue int
	// MaxConnections bounds the requests inside the instance (in service
	// and waiting); beyond it arrivals fail with ReasonConnectionLimit.
	// 0 means unbounded.
	MaxConnections int
	// Respond builds the answer to a served request; nil answers
	// 200 with ResponseBytes. From is filled in when empty.
	Respond func(req *sim.Request) sim.Response
	// ResponseBytes is the size of the default answer, in bytes.
	ResponseBytes int64
	// WarmUp is how long after boot the application is cold (caches, JIT).
	// A request that starts service at a fraction f of WarmUp needs
	// ColdFactor − (ColdFactor − 1)·f times its work. 0 disables warm-up.
	WarmUp time.Duration
	// ColdFactor is the work multiplier right after boot; default 2 when
	// WarmUp is set [assumption].
	ColdFactor float64
	// MemoryPerRequestMiB is the memory each request inside the instance
	// holds; with BaseMemoryMiB, when the total exceeds the type's memory
	// service slows by SwapSlowdown. 0 disables memory pressure.
	MemoryPerRequestMiB float64
	// BaseMemoryMiB is the memory the OS and application hold when idle.
	BaseMemoryMiB float64
	// SwapSlowdown divides service speed under memory pressure; default 5
	// when MemoryPerRequestMiB is set [assumption].
	SwapSlowdown float64
}

// LaunchSpec describes one instance to launch, like RunInstances'
// parameters or a launch template.
type LaunchSpec struct {
	// InstanceType names a catalog type, such as "c7g.large".
	InstanceType string
	// Subnet places the instance (its AZ and private address). Required.
	Subnet Subnet
	// AssociatePublicIP assigns an auto-assigned public IPv4 address; it
	// changes on every stop/start.
	AssociatePublicIP bool
	// SecurityGroups are the security group IDs, recorded. Enforcement is
	// the vpc package's: on a *vpc.Subnet the instance's address is an ENI
	// in the VPC's default group; set its groups with
	// VPC.InterfaceAt(inst.PrivateIP()) and SetSecurityGroups.
	SecurityGroups []string
	// Tags are the instance's tags, also its cost-allocation tags.
	Tags map[string]string
	// DetailedMonitoring publishes 1-minute metrics instead of 5-minute.
	DetailedMonitoring bool
	// CreditSpecification overrides the type's default credit mode.
	CreditSpecification CreditMode
	// Market is on-demand (default) or spot.
	Market Market
	// SpotMaxPrice is the highest spot price the instance keeps running
	// at, USD per hour; 0 means the on-demand price (AWS's default).
	SpotMaxPrice float64
	// InterruptionBehavior is what a spot interruption does; default
	// terminate.
	InterruptionBehavior InterruptionBehavior
	// Tenancy is default or dedicated (billed with Config.DedicatedPremium).
	Tenancy Tenancy
	// Host places the instance on a Dedicated Host of its family in the
	// subnet's AZ; the host is billed instead of the instance. Not with spot.
	Host *Host
	// Discount is the fraction off the on-demand rate that a Reserved
	// Instance or Savings Plan gives this usage (0.4 = 40% off; AWS quotes
	// up to 72%). Ignored for spot.
	Discount float64
	// HibernationEnabled allows Hibernate and hibernating interruptions.
	HibernationEnabled bool
	// Server is the application's serving model.
	Server ServerConfig
}
