package s3

// ClassPrices are one storage class's prices in USD.
type ClassPrices struct {
	// StorageGBMonth is the storage price per GB-month (GB = 2^30 bytes).
	StorageGBMonth float64
	// Tier1Per1000 is the price per 1,000 PUT, COPY, POST and LIST requests
	// and lifecycle transitions into the class.
	Tier1Per1000 float64
	// Tier2Per1000 is the price per 1,000 GET, HEAD and other requests.
	Tier2Per1000 float64
	// RetrievalPerGB is the price per GB read (Standard-IA, One Zone-IA,
	// Glacier Instant Retrieval).
	RetrievalPerGB float64
}

// RestorePrices are the prices of restoring from an archive class in USD.
type RestorePrices struct {
	// PerGB is charged per GB restored.
	PerGB float64
	// Per1000 is charged per 1,000 restore requests.
	Per1000 float64
}

// Prices is the S3 price table. Prices are AWS's us-east-1 list prices
// (aws.amazon.com/s3/pricing), which the project notes as [verify]: treat
// them as defaults to override. The first-50-TB storage tier applies to all
// volumes (volume tiers are not modelled). Requests price by the storage
// class of the object they touch; DELETE is free.
type Prices struct {
	// Classes holds the per-class prices, indexed by StorageClass. The
	// Intelligent-Tiering entry's StorageGBMonth is unused (see Tiers).
	Classes [numClasses]ClassPrices
	// Tiers holds Intelligent-Tiering storage prices per GB-month, indexed
	// by Tier.
	Tiers [numTiers]float64
	// MonitoringPer1000Objects is the Intelligent-Tiering monitoring and
	// automation fee per 1,000 monitored objects per month.
	MonitoringPer1000Objects float64
	// GlacierRestore and DeepArchiveRestore are indexed by RestoreTier.
	GlacierRestore, DeepArchiveRestore [numRestoreTiers]RestorePrices
}

// DefaultPrices returns the us-east-1 list prices.
func DefaultPrices() Prices {
	var p Prices
	p.Classes[Standard] = ClassPrices{0.023, 0.005, 0.0004, 0}
	p.Classes[IntelligentTiering] = ClassPrices{0, 0.005, 0.0004, 0}
	p.Classes[StandardIA] = ClassPrices{0.0125, 0.01, 0.001, 0.01}
	p.Classes[OneZoneIA] = ClassPrices{0.01, 0.01, 0.001, 0.01}
	p.Classes[GlacierIR] = ClassPrices{0.004, 0.02, 0.01, 0.03}
	p.Classes[Glacier] = ClassPrices{0.0036, 0.03, 0.0004, 0}
	p.Classes[DeepArchive] = ClassPrices{0.00099, 0.05, 0.0004, 0}
	p.Tiers = [numTiers]float64{0.023, 0.0125, 0.004, 0.0036, 0.00099}
	p.MonitoringPer1000Objects = 0.0025
	p.GlacierRestore[RestoreExpedited] = RestorePrices{0.03, 10}
	p.GlacierRestore[RestoreStandard] = RestorePrices{0.01, 0.05}
	p.GlacierRestore[RestoreBulk] = RestorePrices{0, 0}
	p.DeepArchiveRestore[RestoreStandard] = RestorePrices{0.02, 0.10}
	p.DeepArchiveRestore[RestoreBulk] = RestorePrices{0.0025, 0.025}
	return p
}
