package s3

import (
	"fmt"
	"time"
)

// StorageClass is an S3 storage class.
type StorageClass uint8

// The storage classes, in the order of S3's lifecycle "waterfall".
const (
	Standard           StorageClass = iota // STANDARD
	IntelligentTiering                     // INTELLIGENT_TIERING
	StandardIA                             // STANDARD_IA
	OneZoneIA                              // ONEZONE_IA
	GlacierIR                              // GLACIER_IR (Glacier Instant Retrieval)
	Glacier                                // GLACIER (Glacier Flexible Retrieval)
	DeepArchive                            // DEEP_ARCHIVE
	numClasses
)

var classNames = [numClasses]string{"STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

// String returns the class's API name, such as "STANDARD_IA".
func (c StorageClass) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return fmt.Sprintf("StorageClass(%d)", uint8(c))
}

// ParseStorageClass parses an API name such as "GLACIER"; the empty string
// means STANDARD. Unknown names give an *Error with code InvalidStorageClass.
func ParseStorageClass(s string) (StorageClass, error) {
	if s == "" {
		return Standard, nil
	}
	for i, n := range classNames {
		if n == s {
			return StorageClass(i), nil
		}
	}
	return 0, ErrInvalidStorageClass.withMessage("unknown storage class %q", s)
}

// Tier is an S3 Intelligent-Tiering access tier.
type Tier uint8

// The Intelligent-Tiering access tiers.
const (
	TierFrequent       Tier = iota // Frequent Access (default)
	TierInfrequent                 // Infrequent Access, after 30 days without access
	TierArchiveInstant             // Archive Instant Access, after 90 days without access
	TierArchive                    // Archive Access (opt-in, 90–730 days)
	TierDeepArchive                // Deep Archive Access (opt-in, 180–730 days)
	numTiers
)

var tierNames = [numTiers]string{"FREQUENT_ACCESS", "INFREQUENT_ACCESS", "ARCHIVE_INSTANT_ACCESS", "ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"}

// String returns the tier's API name, such as "ARCHIVE_ACCESS".
func (t Tier) String() string {
	if t < numTiers {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", uint8(t))
}

// Intelligent-Tiering thresholds in consecutive days without access.
const (
	IntelligentTieringInfrequentDays     = 30
	IntelligentTieringArchiveInstantDays = 90
	// IntelligentTieringMinMonitoredSize is the size below which objects are
	// not monitored (and not charged the monitoring fee); they stay in the
	// Frequent Access tier.
	IntelligentTieringMinMonitoredSize = 128 << 10
)

// ClassInfo describes a storage class's documented behaviour.
type ClassInfo struct {
	// Class is the storage class.
	Class StorageClass
	// Availability is the designed availability (0.9999 = 99.99 %).
	Availability float64
	// AZs is the number of Availability Zones that hold the data (1 for
	// One Zone-IA; at least 3 otherwise).
	AZs int
	// MinStorageDuration is the minimum billed duration; deleting,
	// overwriting or transitioning earlier charges the remainder pro rata.
	MinStorageDuration time.Duration
	// MinBillableSize is the size smaller objects are billed as, in bytes.
	MinBillableSize int64
	// ClassOverhead is per-object metadata billed at the class's own rate,
	// in bytes (32 KiB for the Glacier archive classes).
	ClassOverhead int64
	// StandardOverhead is per-object metadata billed at the Standard rate,
	// in bytes (8 KiB for the Glacier archive classes).
	StandardOverhead int64
	// Archived reports that a GET needs a completed RestoreObject first.
	Archived bool
}

const day = 24 * time.Hour

var classInfo = [numClasses]ClassInfo{
	{Class: Standard, Availability: 0.9999, AZs: 3},
	{Class: IntelligentTiering, Availability: 0.999, AZs: 3},
	{Class: StandardIA, Availability: 0.999, AZs: 3, MinStorageDuration: 30 * day, MinBillableSize: 128 << 10},
	{Class: OneZoneIA, Availability: 0.995, AZs: 1, MinStorageDuration: 30 * day, MinBillableSize: 128 << 10},
	{Class: GlacierIR, Availability: 0.999, AZs: 3, MinStorageDuration: 90 * day, MinBillableSize: 128 << 10},
	{Class: Glacier, Availability: 0.9999, AZs: 3, MinStorageDuration: 90 * day, ClassOverhead: 32 << 10, StandardOverhead: 8 << 10, Archived: true},
	{Class: DeepArchive, Availability: 0.9999, AZs: 3, MinStorageDuration: 180 * day, ClassOverhead: 32 << 10, StandardOverhead: 8 << 10, Archived: true},
}

// Info returns the class's documented properties (AWS storage-class table).
func (c StorageClass) Info() ClassInfo {
	if c < numClasses {
		return classInfo[c]
	}
	return ClassInfo{Class: c}
}

// lifecycleAllowed reports whether a lifecycle rule may move objects from
// class a to class b (AWS's transition waterfall).
func lifecycleAllowed(a, b StorageClass) bool {
	if b == Standard || a == b || a == DeepArchive {
		return false
	}
	switch a {
	case Standard:
		return true
	case StandardIA:
		return b != Standard
	case IntelligentTiering:
		return b != StandardIA
	case OneZoneIA:
		return b == Glacier || b == DeepArchive
	case GlacierIR, Glacier:
		return b > a
	}
	return false
}

// RestoreTier is the retrieval speed of a RestoreObject request.
type RestoreTier uint8

// The restore tiers.
const (
	RestoreStandard RestoreTier = iota
	RestoreBulk
	RestoreExpedited
	numRestoreTiers
)

var restoreNames = [numRestoreTiers]string{"Standard", "Bulk", "Expedited"}

// String returns the tier's API name, such as "Bulk".
func (t RestoreTier) String() string {
	if t < numRestoreTiers {
		return restoreNames[t]
	}
	return fmt.Sprintf("RestoreTier(%d)", uint8(t))
}

// RestoreTime is the range a restore of one tier takes; the model draws
// uniformly from [Min, Max].
type RestoreTime struct{ Min, Max time.Duration }

// DefaultRestoreTimes returns AWS's documented restore times: Glacier
// Flexible Retrieval Expedited 1–5 min, Standard 3–5 h, Bulk 5–12 h; Deep
// Archive Standard up to 12 h, Bulk up to 48 h (the lower bounds, 9 h and
// 24 h, are assumptions), no Expedited. Intelligent-Tiering's Archive and
// Deep Archive Access tiers restore like the corresponding Glacier class.
func DefaultRestoreTimes() (glacier, deepArchive [numRestoreTiers]RestoreTime) {
	glacier[RestoreExpedited] = RestoreTime{time.Minute, 5 * time.Minute}
	glacier[RestoreStandard] = RestoreTime{3 * time.Hour, 5 * time.Hour}
	glacier[RestoreBulk] = RestoreTime{5 * time.Hour, 12 * time.Hour}
	deepArchive[RestoreStandard] = RestoreTime{9 * time.Hour, 12 * time.Hour}
	deepArchive[RestoreBulk] = RestoreTime{24 * time.Hour, 48 * time.Hour}
	return glacier, deepArchive
}
